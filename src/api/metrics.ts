// Prometheus metrics of the API process: request latency by route (buckets around the 2 s p95
// alert), workflow starts by kind, errors by status class, LLM tokens (read from the llm_calls
// audit at scrape time, so that all workers' calls count), PostgreSQL queries and errors, the
// memory limit, every task queue's backlog, and the default process metrics.
import type { RequestHandler, Router } from 'express';
import { Router as createRouter } from 'express';
import type { Pool } from 'pg';
import type { Infrastructure } from '../runtime/infrastructure';
import { taskQueues, workKinds } from '../temporal/task-queues';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import {
  createDbMetrics,
  instrumentPgPool,
  registerMemoryLimit,
  registerTaskQueueBacklog,
  type BacklogSource,
} from '../observability/metrics';

export interface ApiMetrics {
  registry: Registry;
  workflowStarts: Counter<'kind'>;
  observe: RequestHandler;
  routes(): Router;
}

export function createApiMetrics(pg: Pool, backlog?: BacklogSource): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  instrumentPgPool(pg, createDbMetrics(registry));
  registerMemoryLimit(registry);
  if (backlog) registerTaskQueueBacklog(registry, backlog);
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'API request latency',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'http_errors_total',
    help: 'API responses with 4xx/5xx status',
    labelNames: ['class'],
    registers: [registry],
  });
  const workflowStarts = new Counter({
    name: 'workflow_starts_total',
    help: 'Workflows started through the API',
    labelNames: ['kind'],
    registers: [registry],
  });
  new Gauge({
    name: 'llm_tokens_total',
    help: 'LLM tokens used by all workers (from the llm_calls audit)',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      const { rows } = await pg.query<{ prompt: string; completion: string }>(
        'SELECT coalesce(sum(prompt_tokens), 0) AS prompt, coalesce(sum(completion_tokens), 0) AS completion FROM llm_calls',
      );
      this.set({ kind: 'prompt' }, Number(rows[0]?.prompt ?? 0));
      this.set({ kind: 'completion' }, Number(rows[0]?.completion ?? 0));
    },
  });

  const observe: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      // The route template (not the URL) keeps label cardinality bounded.
      const route = req.route ? `${req.baseUrl}${String((req.route as { path: string }).path)}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
      if (res.statusCode >= 400) errors.inc({ class: `${Math.floor(res.statusCode / 100)}xx` });
    });
    next();
  };

  return {
    registry,
    workflowStarts,
    observe,
    routes() {
      const router = createRouter();
      router.get('/metrics', async (_req, res) => {
        res.type(registry.contentType).send(await registry.metrics());
      });
      return router;
    },
  };
}

/** The API reports every queue's backlog, so it stays visible when a queue's workers are down. */
export function backlogOfEveryQueue(infra: Pick<Infrastructure, 'temporal' | 'config'>): BacklogSource {
  const queues = taskQueues(infra.config);
  return {
    client: infra.temporal,
    namespace: infra.config.TEMPORAL_NAMESPACE,
    queues: Object.fromEntries(workKinds.map((kind) => [queues[kind], kind])),
  };
}
