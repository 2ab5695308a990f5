// Builds one Temporal worker per kind of work this process serves. Workflows run on the
// default and high-priority queues; every worker carries the activities, and workflows
// route each activity to the queue of its kind.
import { DefaultLogger, NativeConnection, Worker, bundleWorkflowCode, type WorkerOptions, type WorkflowBundle } from '@temporalio/worker';
import { isTracingActive, tracingWorkerOptions, workflowTracingModule } from '../observability/tracing';
import { createActivities, type ActivityDeps } from '../activities';
import type { Config } from '../config';
import { temporalDataConverter, workflowBundleConverter } from '../temporal/data-converter';
import { taskQueues, type WorkKind } from '../temporal/task-queues';
import { keepAliveHeartbeats } from './heartbeats';

const workflowsPath = require.resolve('../workflows');

/** Worker versioning (Temporal Worker Deployments), with WORKER_VERSIONING=pinned: this worker
 *  serves version MAGICAI_BUILD_ID of the deployment, and a workflow stays PINNED to the version
 *  it started on, so a change of workflow code reaches new runs only (README "Production"). */
function versioning(config: Config): Pick<WorkerOptions, 'workerDeploymentOptions'> {
  if (config.WORKER_VERSIONING !== 'pinned') return {};
  return {
    workerDeploymentOptions: {
      useWorkerVersioning: true,
      version: { deploymentName: config.WORKER_DEPLOYMENT_NAME, buildId: config.MAGICAI_BUILD_ID },
      defaultVersioningBehavior: 'PINNED',
    },
  };
}

/** Per-kind concurrency: LLM and crawl work is slow I/O; keep the default queue snappy. */
const slotsOf = (config: Config): Record<WorkKind, { activities: number; workflows: number }> => ({
  default: { activities: 50, workflows: 100 },
  high: { activities: 20, workflows: 50 },
  crawl: { activities: 16, workflows: 0 },
  llm: { activities: config.LLM_ACTIVITY_SLOTS, workflows: 0 },
});

/** Bundle once per process; bundling takes seconds, and every worker can share it. With
 *  `tracing`, the bundle carries the OpenTelemetry workflow interceptors; with
 *  `failureConverterPath` (payload encryption on), workflow failures encode their messages. */
export async function bundleWorkflows(options: { tracing?: boolean; failureConverterPath?: string } = {}): Promise<WorkflowBundle> {
  return bundleWorkflowCode({
    workflowsPath,
    logger: new DefaultLogger('WARN'),
    ...(options.tracing ? { workflowInterceptorModules: [workflowTracingModule] } : {}),
    ...(options.failureConverterPath ? { failureConverterPath: options.failureConverterPath } : {}),
  });
}

export interface WorkerSetOptions {
  config: Config;
  deps: ActivityDeps;
  kinds: readonly WorkKind[];
  bundle?: WorkflowBundle;
  /** Trace workflows and activities (OpenTelemetry; see src/observability/tracing.ts); by
   *  default when the process has started tracing. */
  tracing?: boolean;
  /** Activity implementations to serve instead of the service's own (benchmarks stub them). */
  activities?: object;
}

export interface WorkerSet {
  workers: Worker[];
  /** Runs every worker until shutdown (or until one fails), then closes the connection. */
  run(): Promise<void>;
  shutdown(): void;
}

export async function createWorkers({
  config,
  deps,
  kinds,
  bundle,
  tracing = isTracingActive(),
  activities: given,
}: WorkerSetOptions): Promise<WorkerSet> {
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const queues = taskQueues(config);
  const slots = slotsOf(config);
  const activities = given ?? createActivities(deps);
  const needsWorkflows = kinds.some((kind) => slots[kind].workflows > 0);
  const workflowBundle = needsWorkflows ? (bundle ?? (await bundleWorkflows({ tracing, ...workflowBundleConverter(config) }))) : undefined;
  const traced = tracing ? tracingWorkerOptions() : undefined;
  // The same converter as the clients': with PAYLOAD_ENCRYPTION_KEYS, every payload is encrypted.
  const dataConverter = temporalDataConverter(config);
  const workers = await Promise.all(
    kinds.map((kind) =>
      Worker.create({
        connection,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: queues[kind],
        activities,
        dataConverter,
        ...(slots[kind].workflows > 0 ? { workflowBundle } : {}),
        maxConcurrentActivityTaskExecutions: slots[kind].activities,
        ...(slots[kind].workflows > 0 ? { maxConcurrentWorkflowTaskExecutions: slots[kind].workflows } : {}),
        // Provider rate limits hold across every worker: the server enforces this per queue.
        ...(kind === 'llm' ? { maxTaskQueueActivitiesPerSecond: config.LLM_MAX_ACTIVITIES_PER_SECOND } : {}),
        identity: `${kind}@${process.pid}`,
        // SIGTERM: stop polling at once, give in-flight activities this long, then cancel them.
        shutdownGraceTime: config.WORKER_SHUTDOWN_GRACE_MS,
        ...versioning(config),
        // Tracing outermost, so an activity's span covers its heartbeats too.
        interceptors: { activity: [...(traced?.activityInterceptors ?? []), keepAliveHeartbeats] },
        ...(traced ? { sinks: traced.sinks } : {}),
      }),
    ),
  );
  const shutdown = () => workers.forEach((worker) => worker.getState() === 'RUNNING' && worker.shutdown());
  return {
    workers,
    shutdown,
    async run() {
      try {
        await Promise.all(
          workers.map((worker) =>
            worker.run().catch((error: unknown) => {
              shutdown(); // one failed worker takes the set down rather than leaving half a process
              throw error;
            }),
          ),
        );
      } finally {
        await connection.close();
      }
    },
  };
}
