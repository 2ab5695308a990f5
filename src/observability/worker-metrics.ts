// The worker process's /metrics: default process metrics, PostgreSQL queries and errors, the
// memory limit and the backlog of the queues this process polls, followed by the Temporal
// SDK's own metrics (relayed from its exporter on loopback). /healthz: 200 while every worker runs.
import type { Worker } from '@temporalio/worker';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from '../config';
import type { Infrastructure } from '../runtime/infrastructure';
import { taskQueues } from '../temporal/task-queues';
import {
  createDbMetrics,
  instrumentPgPool,
  registerMemoryLimit,
  registerRateLimitMetrics,
  registerTaskQueueBacklog,
  serveMetrics,
  serverPort,
} from './metrics';

export interface WorkerMetrics {
  registry: Registry;
  url: string;
  close(): Promise<void>;
}

export async function startWorkerMetrics({
  config,
  infra,
  workers,
}: {
  config: Config;
  infra: Pick<Infrastructure, 'pg' | 'temporal'> & Partial<Pick<Infrastructure, 'llm'>>;
  workers: Worker[];
}): Promise<WorkerMetrics> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  instrumentPgPool(infra.pg, createDbMetrics(registry));
  if (infra.llm) registerRateLimitMetrics(registry, infra.llm.limiter);
  registerMemoryLimit(registry);
  const queues = taskQueues(config);
  registerTaskQueueBacklog(registry, {
    client: infra.temporal,
    namespace: config.TEMPORAL_NAMESPACE,
    queues: Object.fromEntries(config.WORKER_TASK_QUEUES.map((kind) => [queues[kind], kind])),
  });
  const server = await serveMetrics(registry, {
    host: config.WORKER_METRICS_HOST,
    port: config.WORKER_METRICS_PORT,
    sdkMetricsUrl: config.TEMPORAL_SDK_METRICS_PORT ? `http://127.0.0.1:${config.TEMPORAL_SDK_METRICS_PORT}/metrics` : undefined,
    healthy: () => workers.every((worker) => worker.getState() === 'RUNNING'),
  });
  return {
    registry,
    url: `http://${config.WORKER_METRICS_HOST}:${serverPort(server)}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
