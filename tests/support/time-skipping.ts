import assert from 'node:assert/strict';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions } from '@temporalio/worker';

/** The time-skipping test server that deploy/local/stack.sh provisions (no download at test time). */
export function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: {
      executable: {
        type: 'existing-path',
        path: process.env.TEMPORAL_TEST_SERVER_PATH ?? assert.fail('TEMPORAL_TEST_SERVER_PATH is not set (deploy/local/stack.sh env)'),
      },
    },
  });
}

export interface TimeSkippingWorkers {
  env: TestWorkflowEnvironment;
  stop(): Promise<void>;
}

/** The server and its workers: `<prefix>-default` runs the workflows (and activities); each of
 *  `activityKinds` (the workflow routes to `<prefix>-high`, `<prefix>-llm`) runs activities. */
export async function startTimeSkippingWorkers(options: {
  queuePrefix: string;
  workflowsPath: string;
  interceptors?: WorkerOptions['interceptors'];
  activities: object;
  activityKinds: string[];
}): Promise<TimeSkippingWorkers> {
  const env = await startTimeSkippingServer();
  const { queuePrefix, workflowsPath, interceptors, activities } = options;
  const connection = env.nativeConnection;
  const workers = await Promise.all([
    Worker.create({ connection, taskQueue: `${queuePrefix}-default`, workflowsPath, interceptors, activities }),
    ...options.activityKinds.map((kind) => Worker.create({ connection, taskQueue: `${queuePrefix}-${kind}`, activities })),
  ]);
  const running = Promise.all(workers.map((worker) => worker.run()));
  return {
    env,
    async stop() {
      for (const worker of workers) worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}
