// A list page's failed items must be recorded however long the store is out: on the
// time-skipping server, recording them fails for far longer than a store write's 20 attempts
// (about 8 minutes of backoff), and the list still ends with them counted and in the ledger.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { PageItemFailure } from '../src/activities/product-lists';
import type { PageFailure } from '../src/activities/product-store';
import { sinkPagesProbeWorkflow } from './workflows/sink-pages-probe';
import { startTimeSkippingWorkers, type TimeSkippingWorkers } from './support/time-skipping';
import './support/world'; // quiet SDK logging

const QUEUE = `sink-outage-${randomUUID().slice(0, 8)}`;
/** Attempts that find the store down: what 20 attempts with storeWrite's backoff cannot outlast. */
const ATTEMPTS_DOWN = 30;

const recorded: { attempt: number; failures: PageItemFailure[] }[] = [];
let attemptsSeen = 0;

/* eslint-disable @typescript-eslint/require-await */
const activities = {
  async embedProducts(): Promise<{ failed: PageFailure[] }> {
    return { failed: [] };
  },
  async indexProducts(): Promise<{ failed: PageFailure[] }> {
    return { failed: [] };
  },
  async writeProductPage({ productIds }: { productIds: string[] }): Promise<{ failed: PageFailure[] }> {
    return {
      failed: productIds.filter((id) => id === 'p2').map((productId) => ({ productId, errorType: 'GraphRejected', message: 'too large' })),
    };
  },
  async recordPageFailures({ failures }: { failures: PageItemFailure[] }): Promise<void> {
    const { attempt } = Context.current().info;
    attemptsSeen = Math.max(attemptsSeen, attempt);
    if (attempt <= ATTEMPTS_DOWN) throw ApplicationFailure.retryable('connect ECONNREFUSED 127.0.0.1:5432', 'PostgresUnavailable');
    recorded.push({ attempt, failures });
  },
};
/* eslint-enable @typescript-eslint/require-await */

describe('a list page whose failures meet a long store outage (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  let server: TimeSkippingWorkers | undefined;

  before(async () => {
    server = await startTimeSkippingWorkers({
      queuePrefix: QUEUE,
      workflowsPath: require.resolve('./workflows/sink-pages-probe'),
      activities,
      activityKinds: ['llm'],
    });
    env = server.env;
  });
  after(() => server?.stop());

  it('when recording a failed item outlasts 20 attempts, then it is retried until it is recorded and the list ends counting it', async () => {
    const startedAt = await env.currentTimeMs();
    const counters = await env.client.workflow.execute(sinkPagesProbeWorkflow, {
      taskQueue: `${QUEUE}-default`,
      workflowId: `sink-outage/${randomUUID()}`,
      args: ['list-1', ['p1', 'p2', 'p3']],
    });
    assert.equal(attemptsSeen, ATTEMPTS_DOWN + 1);
    assert.equal(recorded.length, 1);
    assert.deepEqual(
      recorded[0]!.failures.map(({ itemKey, stage, errorType }) => ({ itemKey, stage, errorType })),
      [{ itemKey: 'p2', stage: 'graph', errorType: 'GraphRejected' }],
    );
    assert.deepEqual({ succeeded: counters.succeeded, failed: counters.failed }, { succeeded: 2, failed: 1 });
    assert.deepEqual({ index: counters.stagesPassed.index, graph: counters.stagesPassed.graph }, { index: 3, graph: 2 });
    const outageMinutes = ((await env.currentTimeMs()) - startedAt) / 60_000;
    assert.ok(outageMinutes > 20, `the outage lasted ${outageMinutes.toFixed(1)} min of workflow time`);
  });
});
