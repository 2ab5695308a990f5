// Timeout and retry presets per kind of activity. Workflows pick one by name instead of
// spelling out timeouts at each call site. Every preset has a heartbeat timeout: the worker
// heartbeats for each running activity (src/worker/heartbeats.ts), so when a worker process
// dies its activities are retried elsewhere after HEARTBEAT_TIMEOUT, not after start-to-close.
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import { LLM_START_TO_CLOSE_MS } from '../temporal/timeouts';

export const HEARTBEAT_TIMEOUT = '10 seconds';

/** Writes to PostgreSQL / Elasticsearch / Neo4j: quick, idempotent, retried through brief outages. */
export const storeWrite: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
};


/** Model calls: slow, rate limited; 429/5xx retry (Retry-After honoured by the activity). */
export const llmCall: ActivityOptions = {
  startToCloseTimeout: LLM_START_TO_CLOSE_MS,
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6 },
};

/** Outbound HTTP (crawl queue): transient failures (5xx, timeouts) retry with backoff. */
export const httpFetch: ActivityOptions = {
  startToCloseTimeout: '45 seconds',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
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

/** Long batch work over a whole list (recommendation refresh): heartbeats its position. */
export const listBatchWork: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 10 },
};

/** Publishing to a platform: heartbeats while the platform answers, so a dead worker is noticed
 *  in seconds; a platform that keeps failing is reported after the last attempt. */
export const platformPublish: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
};
