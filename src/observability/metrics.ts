// Service metrics shared by the API and the workers (prom-client): PostgreSQL queries and
// errors (so an error *rate* is computable), the memory limit the process runs under (so
// memory can alert as a fraction), and per-queue Temporal task backlog. The four alerts in
// deploy/prometheus/rules.yml are computed from these and the API's latency histogram.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import type { Client as TemporalClient } from '@temporalio/client';
import type { Pool, PoolClient } from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RateLimitObserver } from '../llm/rate-limiter';

// ---- PostgreSQL ---------------------------------------------------------------------------

export type DbErrorKind = 'connection' | 'timeout' | 'constraint' | 'other';

/** Sorts a pg error by its SQLSTATE class: constraint violations are expected control flow
 *  (idempotent inserts), not a sick database; the rest is what the error-rate alert counts. */
export function dbErrorKind(error: unknown): DbErrorKind {
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : '';
  if (code.startsWith('23')) return 'constraint';
  if (code === '57014' || /timeout/i.test(String((error as Error)?.message))) return 'timeout';
  if (code.startsWith('08') || code.startsWith('53') || code.startsWith('57') || /^E[A-Z]+$/.test(code)) return 'connection';
  return 'other';
}

export interface DbMetrics {
  queries: Counter<'store'>;
  errors: Counter<'store' | 'kind'>;
}

export function createDbMetrics(registry: Registry): DbMetrics {
  return {
    queries: new Counter({
      name: 'magicai_db_queries_total',
      help: 'Database queries issued',
      labelNames: ['store'],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'magicai_db_errors_total',
      help: 'Database queries and connection attempts that failed, by kind (constraint violations are expected control flow)',
      labelNames: ['store', 'kind'],
      registers: [registry],
    }),
  };
}

const poolMetrics = new WeakMap<Pool, Set<DbMetrics>>();
const wrappedClients = new WeakSet<object>();

/** Counts every query of the pool (pool.query and checked-out clients alike) and every failed
 *  query or connection attempt, into each registry that asked (API and worker may share a pool). */
export function instrumentPgPool(pool: Pool, metrics: DbMetrics): void {
  const existing = poolMetrics.get(pool);
  if (existing) {
    existing.add(metrics);
    return;
  }
  const all = new Set([metrics]);
  poolMetrics.set(pool, all);
  const queried = () => all.forEach((m) => m.queries.inc({ store: 'postgres' }));
  const failed = (error: unknown) => all.forEach((m) => m.errors.inc({ store: 'postgres', kind: dbErrorKind(error) }));

  const wrap = (client: PoolClient) => {
    if (wrappedClients.has(client)) return;
    wrappedClients.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      queried();
      const last = args[args.length - 1];
      if (typeof last === 'function') {
        args[args.length - 1] = (error: unknown, ...rest: unknown[]) => {
          if (error) failed(error);
          return (last as (...a: unknown[]) => unknown)(error, ...rest);
        };
        return query(...args);
      }
      let result: unknown;
      try {
        result = query(...args);
      } catch (error) {
        failed(error);
        throw error;
      }
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        (result as Promise<unknown>).then(undefined, failed);
      }
      return result;
    };
  };
  pool.on('connect', wrap);
  // Connections opened before instrumentation (schema applied at start) are in the pool already.
  for (const client of (pool as unknown as { _clients?: PoolClient[] })._clients ?? []) wrap(client);

  // A connection that cannot be made never reaches 'connect': count it at pool.connect, which
  // pool.query goes through too (one failed attempt = one failed query).
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { connect: (...args: unknown[]) => unknown }).connect = (...args: unknown[]) => {
    const callback = args[0];
    if (typeof callback === 'function') {
      return connect((error: unknown, ...rest: unknown[]) => {
        if (error) {
          queried();
          failed(error);
        }
        return (callback as (...a: unknown[]) => unknown)(error, ...rest);
      });
    }
    const pending = connect() as Promise<PoolClient>;
    pending.then(undefined, (error: unknown) => {
      queried();
      failed(error);
    });
    return pending;
  };
}

// ---- memory ---------------------------------------------------------------------------------

/** The memory this process may use: MEMORY_LIMIT_BYTES (Kubernetes passes the container's
 *  limit through the downward API), else the cgroup's limit, else the machine's memory. */
export function memoryLimitBytes(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.MEMORY_LIMIT_BYTES);
  if (Number.isFinite(fromEnv) && fromEnv > 0) return fromEnv;
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const value = Number(readFileSync(file, 'utf8').trim());
      // cgroup v1 reports "no limit" as a huge number; v2 as "max" (NaN here).
      if (Number.isFinite(value) && value > 0 && value < os.totalmem()) return value;
    } catch {
      // not in a cgroup with a memory controller
    }
  }
  return os.totalmem();
}

export function registerMemoryLimit(registry: Registry): void {
  const limit = memoryLimitBytes();
  new Gauge({
    name: 'magicai_process_memory_limit_bytes',
    help: 'Memory this process may use (container limit, cgroup limit or machine memory)',
    registers: [registry],
    collect() {
      this.set(limit);
    },
  });
}

// ---- Temporal task backlog ----------------------------------------------------------------

export interface BacklogSource {
  client: TemporalClient;
  namespace: string;
  /** task queue name -> kind (default, high, crawl, llm) */
  queues: Record<string, string>;
}

/** Approximate backlog of one task queue (workflow and activity tasks), from the server's
 *  DescribeTaskQueue statistics. */
export async function describeBacklog(client: TemporalClient, namespace: string, taskQueue: string) {
  const result: Record<'workflow' | 'activity', { count: number; ageSeconds: number }> = {
    workflow: { count: 0, ageSeconds: 0 },
    activity: { count: 0, ageSeconds: 0 },
  };
  for (const [type, taskQueueType] of [
    ['workflow', 1],
    ['activity', 2],
  ] as const) {
    const response = await client.connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue, kind: 1 },
      taskQueueType,
      reportStats: true,
    });
    const stats = response.stats;
    result[type] = {
      count: Number(stats?.approximateBacklogCount ?? 0),
      ageSeconds: Number(stats?.approximateBacklogAge?.seconds ?? 0),
    };
  }
  return result;
}

/** Registers magicai_task_queue_backlog{task_queue,kind,type}, read from Temporal at scrape
 *  time. Workers report their own queues; the API reports every queue, so a backlog stays
 *  visible when a queue's workers are all down. */
export function registerTaskQueueBacklog(registry: Registry, source: BacklogSource): void {
  const age = new Gauge({
    name: 'magicai_task_queue_backlog_age_seconds',
    help: 'Age of the oldest task waiting in the task queue',
    labelNames: ['task_queue', 'kind', 'type'],
    registers: [registry],
  });
  const scrapeErrors = new Counter({
    name: 'magicai_task_queue_describe_errors_total',
    help: 'DescribeTaskQueue calls that failed while collecting the backlog',
    registers: [registry],
  });
  new Gauge({
    name: 'magicai_task_queue_backlog',
    help: 'Approximate number of tasks waiting in the task queue (Temporal DescribeTaskQueue statistics)',
    labelNames: ['task_queue', 'kind', 'type'],
    registers: [registry],
    async collect() {
      this.reset();
      age.reset();
      await Promise.all(
        Object.entries(source.queues).map(async ([taskQueue, kind]) => {
          try {
            const backlog = await describeBacklog(source.client, source.namespace, taskQueue);
            for (const type of ['workflow', 'activity'] as const) {
              this.set({ task_queue: taskQueue, kind, type }, backlog[type].count);
              age.set({ task_queue: taskQueue, kind, type }, backlog[type].ageSeconds);
            }
          } catch {
            scrapeErrors.inc();
          }
        }),
      );
    },
  });
}

// ---- a /metrics endpoint for processes without an HTTP API (workers) -----------------------

// ---- The model provider's rate limit ----------------------------------------------------------

/** This process's calls that waited for room under LLM_RATE_LIMITS (and how long), that found
 *  none within the longest wait, and the provider's 429s: is the limit what holds work back? */
export function registerRateLimitMetrics(registry: Registry, limiter: { observe(observer: RateLimitObserver): void }): void {
  const waits = new Counter({
    name: 'magicai_llm_rate_limit_waits_total',
    help: 'Model calls that waited for room under the shared rate limit',
    labelNames: ['key'],
    registers: [registry],
  });
  const waited = new Counter({
    name: 'magicai_llm_rate_limit_wait_seconds_total',
    help: 'Time model calls spent waiting for room under the shared rate limit',
    labelNames: ['key'],
    registers: [registry],
  });
  const refused = new Counter({
    name: 'magicai_llm_rate_limit_refused_total',
    help: 'Model calls that found no room within LLM_RATE_MAX_WAIT (failed retryably as LlmRateLimited)',
    labelNames: ['key'],
    registers: [registry],
  });
  const limited = new Counter({
    name: 'magicai_llm_provider_429_total',
    help: 'Rate-limit answers (429) from the model provider',
    labelNames: ['key'],
    registers: [registry],
  });
  limiter.observe({
    waited: (key, ms) => {
      waits.inc({ key });
      waited.inc({ key }, ms / 1000);
    },
    refused: (key) => refused.inc({ key }),
    providerLimited: (key) => limited.inc({ key }),
  });
}

/** Serves the registry on /metrics, followed by the Temporal SDK's own metrics (read from its
 *  exporter on `sdkMetricsUrl`), so that one scrape target covers the whole worker process. */
export async function serveMetrics(
  registry: Registry,
  options: { host: string; port: number; sdkMetricsUrl?: string; healthy?: () => boolean },
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/healthz') {
      const healthy = options.healthy?.() ?? true;
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain' }).end(healthy ? 'ok' : 'not running');
      return;
    }
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    void (async () => {
      let body = await registry.metrics();
      if (options.sdkMetricsUrl) {
        try {
          const sdk = await fetch(options.sdkMetricsUrl, { signal: AbortSignal.timeout(2_000) });
          if (sdk.ok) body += `\n${await sdk.text()}`;
        } catch {
          body += '\n# Temporal SDK metrics unavailable\n';
        }
      }
      res.writeHead(200, { 'content-type': registry.contentType }).end(body);
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return server;
}

export function serverPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}
