// Builds one Temporal worker per kind of work this process serves. Workflows run on the
// default and high-priority queues; every worker carries the activities, and workflows
// route each activity to the queue of its kind.
import { DefaultLogger, NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import type { Config } from '../config';
import { taskQueues, type WorkKind } from '../temporal/task-queues';
import { keepAliveHeartbeats } from './heartbeats';

const workflowsPath = require.resolve('../workflows');

/** Per-kind concurrency: LLM and crawl work is slow I/O; keep the default queue snappy. */
const slots: Record<WorkKind, { activities: number; workflows: number }> = {
  default: { activities: 50, workflows: 100 },
  high: { activities: 20, workflows: 50 },
  crawl: { activities: 16, workflows: 0 },
  llm: { activities: 4, workflows: 0 },
};

/** Bundle once per process; bundling takes seconds, and every worker can share it. */
export async function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
}

export interface WorkerSetOptions {
  config: Config;
  deps: ActivityDeps;
  kinds: readonly WorkKind[];
  bundle?: WorkflowBundle;
}

export interface WorkerSet {
  workers: Worker[];
  /** Runs every worker until shutdown (or until one fails), then closes the connection. */
  run(): Promise<void>;
  shutdown(): void;
}

export async function createWorkers({ config, deps, kinds, bundle }: WorkerSetOptions): Promise<WorkerSet> {
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const queues = taskQueues(config);
  const activities = createActivities(deps);
  const needsWorkflows = kinds.some((kind) => slots[kind].workflows > 0);
  const workflowBundle = needsWorkflows ? (bundle ?? (await bundleWorkflows())) : undefined;
  const workers = await Promise.all(
    kinds.map((kind) =>
      Worker.create({
        connection,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: queues[kind],
        activities,
        ...(slots[kind].workflows > 0 ? { workflowBundle } : {}),
        maxConcurrentActivityTaskExecutions: slots[kind].activities,
        ...(slots[kind].workflows > 0 ? { maxConcurrentWorkflowTaskExecutions: slots[kind].workflows } : {}),
        // Provider rate limits hold across every worker: the server enforces this per queue.
        ...(kind === 'llm' ? { maxTaskQueueActivitiesPerSecond: config.LLM_MAX_ACTIVITIES_PER_SECOND } : {}),
        identity: `${kind}@${process.pid}`,
        interceptors: { activity: [keepAliveHeartbeats] },
      }),
    ),
  );
  const shutdown = () => workers.forEach((worker) => worker.getState() === 'RUNNING' && worker.shutdown());
  return {
    workers,
    shutdown,
    async run() {
      try {
        await Promise.all(workers.map((worker) => worker.run().catch((error: unknown) => {
          shutdown(); // one failed worker takes the set down rather than leaving half a process
          throw error;
        })));
      } finally {
        await connection.close();
      }
    },
  };
}
