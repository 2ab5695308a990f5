// The workflow test harness: an ephemeral dev server started from the stack's `temporal`
// binary, and the time-skipping test server for timer tests.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { createLogger } from '../src/observability/logger';
import { openInfrastructure } from '../src/runtime/infrastructure';
import { applySchema } from '../src/schema/apply';
import { allSearchAttributes } from '../src/temporal/search-attributes';
import { stackCheckWorkflow } from '../src/workflows/stack-check';
import { testConfig } from './support/world';

function binary(variable: string): string {
  const value = process.env[variable];
  assert.ok(value, `${variable} must point at the binary (scripts/test.sh sets it from the local stack)`);
  return value;
}

describe('workflow test harness', () => {
  it('createLocal with the stack binary runs a workflow against real stores', async () => {
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: binary('TEMPORAL_CLI_PATH') }, searchAttributes: allSearchAttributes },
    });
    const config = testConfig();
    const infra = await openInfrastructure(config, createLogger('silent', 'test'));
    try {
      await applySchema(infra);
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'harness',
        workflowsPath: require.resolve('../src/workflows'),
        activities: createActivities(infra),
      });
      const checkId = `harness-${randomUUID()}`;
      const result = await worker.runUntil(
        env.client.workflow.execute(stackCheckWorkflow, {
          taskQueue: 'harness',
          workflowId: `stack-check/${checkId}`,
          args: [{ checkId, tenantId: 'harness', note: 'ephemeral server' }],
        }),
      );
      assert.deepEqual(result.postgres, { table: 'stack_checks', key: checkId });
      const row = await infra.pg.query('SELECT note FROM stack_checks WHERE check_id = $1', [checkId]);
      assert.equal(row.rows[0]?.note, 'ephemeral server');
    } finally {
      await infra.close();
      await env.teardown();
    }
  });

  it('createTimeSkipping skips a three-day timer', async () => {
    const env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: binary('TEMPORAL_TEST_SERVER_PATH') } },
    });
    try {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'timers',
        workflowsPath: require.resolve('./workflows/harness-timer'),
      });
      const before = await env.currentTimeMs();
      const result = await worker.runUntil(
        env.client.workflow.execute('waitDaysWorkflow', { taskQueue: 'timers', workflowId: `timer-${randomUUID()}`, args: [3] }),
      );
      assert.equal(result, 'waited 3 days');
      const skipped = (await env.currentTimeMs()) - before;
      assert.ok(skipped >= 3 * 24 * 3600 * 1000, `server time advanced ${skipped} ms`);
    } finally {
      await env.teardown();
    }
  });
});
