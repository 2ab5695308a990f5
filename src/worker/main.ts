// Worker entrypoint: applies the schema, then polls the task queues named in WORKER_TASK_QUEUES
// until SIGINT/SIGTERM, finishing in-flight tasks before it exits.
import { loadConfigOrExit } from '../config';
import { createLogger, installTemporalLogging } from '../observability/logger';
import { openInfrastructure } from '../runtime/infrastructure';
import { applySchema } from '../schema/apply';
import { taskQueues } from '../temporal/task-queues';
import { createWorkers } from './workers';

async function main() {
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL, 'worker');
  installTemporalLogging(logger);
  const infra = await openInfrastructure(config, logger);
  await applySchema(infra);

  const workerSet = await createWorkers({ config, deps: infra, kinds: config.WORKER_TASK_QUEUES });
  const queues = taskQueues(config);
  logger.info({ taskQueues: config.WORKER_TASK_QUEUES.map((kind) => queues[kind]) }, 'worker started');
  // Worker.run handles SIGINT/SIGTERM itself (graceful shutdown of every worker).
  await workerSet.run();
  await infra.close();
  logger.info('worker stopped');
}

main().catch((error) => {
  process.stderr.write(`worker failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
