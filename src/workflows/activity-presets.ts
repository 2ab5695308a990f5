// Timeout and retry presets per kind of activity. Workflows pick one by name instead of
// spelling out timeouts at each call site. Every preset has a heartbeat timeout: the worker
// heartbeats for each running activity (src/worker/heartbeats.ts), so when a worker process
// dies its activities are retried elsewhere after HEARTBEAT_TIMEOUT, not after start-to-close.
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import { LLM_START_TO_CLOSE_MS } from '../temporal/timeouts';

export const HEARTBEAT_TIMEOUT = '10 seconds';

/** Writes to PostgreSQL / Elasticsearch / Neo4j: quick, idempotent, retried through outages of
 *  a store for about 7 minutes (20 attempts). The fault suite (`npm run faults`) saw a restarted
 *  Elasticsearch take two minutes to answer again on a loaded machine: 10 attempts (2 minutes)
 *  failed items that a longer wait would have finished. */
export const storeWrite: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 20 },
};

/** Recording an outcome already decided (a page's failed items): retried until the store is
 *  back however long it is out, since giving up would leave the list unable to report them.
 *  The backoffs are durable timers, so a long outage costs the workflow nothing. */
export const recordOutcome: ActivityOptions = {
  ...storeWrite,
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/** Model calls: slow, rate limited; 429/5xx retry (Retry-After honoured by the activity).
 *  10 attempts ride out about 4 minutes of an unreachable model server (6 gave 31 s). */
export const llmCall: ActivityOptions = {
  startToCloseTimeout: LLM_START_TO_CLOSE_MS,
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
};

/** Outbound HTTP (crawl queue): transient failures (5xx, timeouts) retry with backoff. */
export const httpFetch: ActivityOptions = {
  startToCloseTimeout: '45 seconds',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
};

/** Engagement metrics after publishing: reads the publications in PostgreSQL and asks each
 *  platform. 15 attempts (about 5 minutes): with httpFetch's 5 (15 s) a PostgreSQL outage
 *  failed whole content workflows at a monitoring checkpoint in the fault suite. */
export const metricsCollection: ActivityOptions = {
  ...httpFetch,
  retry: { ...httpFetch.retry, maximumAttempts: 15 },
};

/** Image download + sharp (crawl queue): heartbeats per image. */
export const imageWork: ActivityOptions = {
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 4 },
};

/** Pure CPU work on stored blobs (parse, clean): fails fast, few retries. */
export const localWork: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumAttempts: 3 },
};

/** The same short CPU work as a local activity: it runs on the worker that runs the workflow,
 *  inside its workflow task, so it costs no activity task round trip through the server. A
 *  worker that dies mid-way loses the workflow task, and the next worker runs it again. */
export const localCpuWork: LocalActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumAttempts: 3 },
};

/** The item's writes (store, index, graph, inventory, outcome) and the content workflow's audit
 *  events as local activities: each is a few milliseconds of idempotent work, so running it on
 *  the workflow's own worker, inside the workflow task, saves the activity task and the workflow
 *  task around it (about half the server's work per item, bench G2/G8). The retry budget is storeWrite's: 20 attempts ride out
 *  a store restart; backoffs beyond a minute become durable timers. A worker that dies mid-way
 *  loses its workflow task after WORKFLOW_TASK_TIMEOUT, and the next worker writes again. */
export const localStoreWrite: LocalActivityOptions = {
  startToCloseTimeout: storeWrite.startToCloseTimeout,
  retry: storeWrite.retry,
};

/** Long batch work over a whole list (recommendation refresh): heartbeats its position. */
export const listBatchWork: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 10 },
};

/** Publishing to a platform: heartbeats while the platform answers, so a dead worker is noticed
 *  in seconds; a platform that keeps failing is reported after the last attempt. 8 attempts
 *  (about 3 minutes): the activity records the publication in PostgreSQL around the call, and
 *  5 attempts spanned only 30 s, so a PostgreSQL outage of that length could use them all up. */
export const platformPublish: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8 },
};
