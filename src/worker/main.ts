// Worker entrypoint: applies the schema (in the background while a store is down), then polls the task queues named in WORKER_TASK_QUEUES
// until SIGINT/SIGTERM. On SIGTERM it stops polling, lets in-flight tasks finish for
// WORKER_SHUTDOWN_GRACE_MS, then exits. /metrics (WORKER_METRICS_PORT) serves the service's
// metrics followed by the Temporal SDK's; /healthz answers while the workers run.
import { loadConfigOrExit } from '../config';
import { createLogger, installTemporalRuntime } from '../observability/logger';
import { startWorkerMetrics } from '../observability/worker-metrics';
import { startTracing } from '../observability/tracing';
import { openInfrastructure } from '../runtime/infrastructure';
import { taskQueues } from '../temporal/task-queues';
import { applySchemaAtStart } from './schema-at-start';
import { createWorkers } from './workers';

async function main() {
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL, 'worker');
  const tracing = startTracing(config, `magicai-worker-${config.WORKER_TASK_QUEUES.join('-')}`);
  installTemporalRuntime(logger, { sdkMetricsPort: config.TEMPORAL_SDK_METRICS_PORT });
  const infra = await openInfrastructure(config, logger);
  // A store that is down does not stop the start (its activities retry); see schema-at-start.ts.
  const schema = await applySchemaAtStart(infra, {
    logger,
    onFatal: (error) => {
      process.stderr.write(`worker failed: schema: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  });

  const workerSet = await createWorkers({ config, deps: infra, kinds: config.WORKER_TASK_QUEUES, tracing: tracing.enabled });
  const metrics = await startWorkerMetrics({ config, infra, workers: workerSet.workers });
  const queues = taskQueues(config);
  logger.info(
    {
      taskQueues: config.WORKER_TASK_QUEUES.map((kind) => queues[kind]),
      metrics: metrics.url,
      buildId: config.MAGICAI_BUILD_ID || undefined,
    },
    'worker started',
  );
  // Worker.run handles SIGINT/SIGTERM itself: stop polling, drain in-flight tasks, then resolve.
  await workerSet.run();
  logger.info('worker drained');
  schema.stop();
  await metrics.close();
  await tracing.shutdown();
  await infra.close();
  logger.info('worker stopped');
  process.exit(0); // nothing else to wait for; do not let a stray handle hold the pod past its grace
}

main().catch((error) => {
  process.stderr.write(`worker failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
