// Keep-alive heartbeats (src/worker/heartbeats.ts) on the real Temporal server: an activity that
// runs far longer than its heartbeat timeout is kept alive by its worker, and an activity's own
// progress details survive the keep-alive into the next attempt. (That a killed worker's work is
// retried within the heartbeat timeout is shown by the kill test in product-resilience.test.ts.)
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { activityInfo, heartbeat } from '@temporalio/activity';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { keepAliveHeartbeats } from '../src/worker/heartbeats';
import { testConfig } from './support/world';

describe('keep-alive heartbeats', () => {
  const config = testConfig();
  const taskQueue = `heartbeats-${randomUUID().slice(0, 8)}`;
  let client: Client;
  let connection: Connection;
  let native: NativeConnection;
  const workers: { worker: Worker; running: Promise<void> }[] = [];

  const activities = {
    async longStep({ runMs, failFirstAttempt }: { runMs: number; failFirstAttempt: boolean }) {
      const { attempt, heartbeatDetails } = activityInfo();
      if (attempt === 1) heartbeat({ step: 'halfway' });
      await new Promise((resolve) => setTimeout(resolve, runMs));
      if (failFirstAttempt && attempt === 1) throw new Error('transient failure after progress');
      return { attempt, resumedFrom: heartbeatDetails ?? null };
    },
  };

  async function startWorker(interceptors: boolean) {
    const worker = await Worker.create({
      connection: native,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: `${taskQueue}-${interceptors ? 'with' : 'without'}`,
      workflowsPath: require.resolve('./workflows/heartbeat-probe'),
      activities,
      ...(interceptors ? { interceptors: { activity: [keepAliveHeartbeats] } } : {}),
    });
    workers.push({ worker, running: worker.run() });
  }

  before(async () => {
    connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    native = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    await startWorker(true);
    await startWorker(false);
  });
  after(async () => {
    for (const { worker } of workers) worker.shutdown();
    await Promise.all(workers.map(({ running }) => running));
    await native?.close();
    await connection?.close();
  });

  const run = (queue: 'with' | 'without', input: { runMs: number; failFirstAttempt: boolean }) =>
    client.workflow.execute('heartbeatProbeWorkflow', {
      taskQueue: `${taskQueue}-${queue}`,
      workflowId: `heartbeat-probe-${randomUUID()}`,
      args: [input],
      workflowExecutionTimeout: '2 minutes',
    });

  it('an activity running 4 s with a 1 s heartbeat timeout completes on its first attempt', async () => {
    const result = (await run('with', { runMs: 4_000, failFirstAttempt: false })) as { attempt: number };
    assert.equal(result.attempt, 1);
  });

  it('without the keep-alive the same activity times out on heartbeats (the control)', async () => {
    await assert.rejects(run('without', { runMs: 4_000, failFirstAttempt: false }), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      assert.match(String((error.cause?.cause as Error | undefined)?.message ?? error.cause?.message), /heartbeat|Heartbeat/i);
      return true;
    });
  });

  it("the activity's own progress details reach the next attempt (the keep-alive repeats them)", async () => {
    const result = (await run('with', { runMs: 2_500, failFirstAttempt: true })) as { attempt: number; resumedFrom: unknown };
    assert.deepEqual(result, { attempt: 2, resumedFrom: { step: 'halfway' } });
  });
});
