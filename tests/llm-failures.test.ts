// LLM failure handling through real Temporal and PostgreSQL, against a loopback stand-in that
// answers with the provider failure codes on demand (see tests/support/openai-standin.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ActivityFailure } from '@temporalio/common';
import OpenAI from 'openai';
import { classifyLlmError, LlmErrorType } from '../src/llm/errors';
import type { TaskResult } from '../src/llm/gateway';
import type { TaskOutput } from '../src/llm/tasks';
import { clearLlmBudget, setLlmBudget } from '../src/llm/budgets';
import { SearchAttr } from '../src/temporal/search-attributes';
import { taskQueues } from '../src/temporal/task-queues';
import { llmTaskStatusQuery, llmTaskWorkflow } from '../src/workflows/llm-task';
import { startOpenAiStandIn, type OpenAiStandIn } from './support/openai-standin';
import { eventually, startWorld, type World } from './support/world';

const validSentiment = JSON.stringify({ label: 'positive', score: 0.8, aspects: ['battery life'] });

describe('LLM error classification (direct)', () => {
  let standIn: OpenAiStandIn;
  before(async () => {
    standIn = await startOpenAiStandIn();
  });
  after(async () => {
    await standIn.close();
  });

  async function failureFor(reply: Parameters<OpenAiStandIn['script']>[0][0]) {
    standIn.script([reply]);
    const client = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'x', maxRetries: 0 });
    try {
      await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    } catch (error) {
      return classifyLlmError(error);
    }
    throw new Error('expected the call to fail');
  }

  it('when the provider answers 400/401/403/404, then the failure is non-retryable with an explicit type', async () => {
    const expected: [number, string][] = [
      [400, LlmErrorType.BadRequest],
      [401, LlmErrorType.Unauthorized],
      [403, LlmErrorType.Forbidden],
      [404, LlmErrorType.NotFound],
    ];
    for (const [status, type] of expected) {
      const failure = await failureFor({ status, error: { message: `status ${status}` } });
      assert.equal(failure.type, type, `status ${status}`);
      assert.equal(failure.nonRetryable, true, `status ${status}`);
    }
  });

  it('when the provider refuses on content policy, then it is LlmContentRefused and non-retryable', async () => {
    const failure = await failureFor({ status: 400, error: { message: 'Your request was rejected', code: 'content_policy_violation' } });
    assert.equal(failure.type, LlmErrorType.ContentRefused);
    assert.equal(failure.nonRetryable, true);
  });

  it('when the provider answers 429 with Retry-After or 5xx, then the failure retries and carries the delay', async () => {
    const limited = await failureFor({ status: 429, headers: { 'retry-after': '3' }, error: { message: 'slow down' } });
    assert.equal(limited.type, LlmErrorType.RateLimited);
    assert.equal(limited.nonRetryable, false);
    assert.equal(limited.nextRetryDelay, 3000);
    const broken = await failureFor({ status: 503, error: { message: 'overloaded' } });
    assert.equal(broken.type, LlmErrorType.ServerError);
    assert.equal(broken.nonRetryable, false);
    assert.equal(broken.nextRetryDelay, undefined);
  });
});

describe('LLM activities under Temporal', () => {
  let standIn: OpenAiStandIn;
  let world: World;
  before(async () => {
    standIn = await startOpenAiStandIn();
    world = await startWorld({ OPENAI_BASE_URL: standIn.baseUrl, OPENAI_API_KEY: 'standin' });
  });
  after(async () => {
    await world?.stop();
    await standIn?.close();
  });

  function start(tenantId: string, text = 'Great battery, weak speaker.'): Promise<WorkflowHandle<typeof llmTaskWorkflow>> {
    return world.infra.temporal.workflow.start(llmTaskWorkflow, {
      workflowId: `llm-test/${randomUUID()}`,
      taskQueue: taskQueues(world.config).default,
      args: [{ tenantId, task: 'sentiment', input: { text } }],
      typedSearchAttributes: [
        { key: SearchAttr.TenantId, value: tenantId },
        { key: SearchAttr.WorkflowKind, value: 'llm-task' },
      ],
    });
  }

  const sentimentOf = async (handle: WorkflowHandle<typeof llmTaskWorkflow>) =>
    (await handle.result()) as TaskResult<TaskOutput<'sentiment'>>;

  async function failureOf(handle: WorkflowHandle): Promise<ApplicationFailure> {
    const error = await handle.result().then(
      () => assert.fail('expected the workflow to fail'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof WorkflowFailedError);
    assert.ok(error.cause instanceof ActivityFailure);
    assert.ok(error.cause.cause instanceof ApplicationFailure);
    return error.cause.cause;
  }

  it('when the provider answers 400, then the activity is tried once and the workflow fails with LlmBadRequest', async () => {
    standIn.script([], { status: 400, error: { message: 'bad model parameters' } });
    const handle = await start(`t-${randomUUID()}`);
    const failure = await failureOf(handle);
    assert.equal(failure.type, LlmErrorType.BadRequest);
    assert.equal(failure.nonRetryable, true);
    assert.equal(standIn.requests.length, 1);
    const calls = await world.infra.pg.query('SELECT status, error_type FROM llm_calls WHERE workflow_id = $1', [handle.workflowId]);
    assert.deepEqual(calls.rows, [{ status: 'error', error_type: LlmErrorType.BadRequest }]);
  });

  it('when the provider answers 500 twice, then Temporal retries and the third attempt succeeds', async () => {
    standIn.script([
      { status: 500, error: { message: 'boom' } },
      { status: 502, error: { message: 'bad gateway' } },
      { content: validSentiment },
    ]);
    const handle = await start(`t-${randomUUID()}`);
    const result = await sentimentOf(handle);
    assert.equal(result.output.label, 'positive');
    assert.equal(standIn.requests.length, 3);
    const calls = await world.infra.pg.query('SELECT status, activity_attempt FROM llm_calls WHERE workflow_id = $1 ORDER BY created_at', [
      handle.workflowId,
    ]);
    assert.deepEqual(
      calls.rows.map((r) => [r.status, r.activity_attempt]),
      [
        ['error', 1],
        ['error', 2],
        ['ok', 3],
      ],
    );
  });

  it('when the provider answers 429 with Retry-After: 3, then the next attempt waits at least that long', async () => {
    standIn.script([{ status: 429, headers: { 'retry-after': '3' }, error: { message: 'rate limited' } }, { content: validSentiment }]);
    const handle = await start(`t-${randomUUID()}`);
    await handle.result();
    assert.equal(standIn.requests.length, 2);
    const gap = standIn.requests[1]!.at - standIn.requests[0]!.at;
    // The preset's own first retry interval is 1 s; only Retry-After explains a gap of 3 s.
    assert.ok(gap >= 2_900, `retry came after ${gap} ms`);
  });

  it('when the output is invalid once, then one repair request fixes it; invalid twice is LlmInvalidOutput', async () => {
    standIn.script([{ content: '{"label":"great"}' }, { content: validSentiment }]);
    const repaired = await start(`t-${randomUUID()}`);
    assert.equal((await sentimentOf(repaired)).output.score, 0.8);
    assert.equal(standIn.requests.length, 2);
    assert.match(standIn.requests[1]!.body.messages.at(-1).content, /invalid/);

    standIn.script([], { content: 'not json at all' });
    const broken = await start(`t-${randomUUID()}`);
    const failure = await failureOf(broken);
    assert.equal(failure.type, LlmErrorType.InvalidOutput);
    assert.equal(standIn.requests.length, 2, 'one answer and one repair, no activity retry');
  });

  it('when the tenant budget is exhausted, then the work pauses and resumes once the budget is raised', async () => {
    const tenantId = `budget-${randomUUID()}`;
    standIn.script([], { content: validSentiment });
    await setLlmBudget(world.infra.pg, world.infra.temporal, tenantId, 0);
    try {
      const handle = await start(tenantId);
      await eventually(async () => ((await handle.query(llmTaskStatusQuery)) === 'paused-budget' ? true : undefined), 20_000, 'the pause');
      assert.equal(standIn.requests.length, 0, 'no provider call while paused');
      const paused = await eventually(
        async () => {
          for await (const w of world.infra.temporal.workflow.list({ query: `TenantId = '${tenantId}' AND PausedReason = 'llm-budget'` }))
            return w;
          return undefined;
        },
        15_000,
        'PausedReason in visibility',
      );
      assert.equal(paused.workflowId, handle.workflowId);

      const woken = await setLlmBudget(world.infra.pg, world.infra.temporal, tenantId, 10_000);
      assert.equal(woken, 1);
      const result = await sentimentOf(handle);
      assert.equal(result.output.label, 'positive');
      assert.equal(result.ai.generated, true);
      const used = await world.infra.pg.query('SELECT tokens_used::int AS used FROM llm_budgets WHERE tenant_id = $1', [tenantId]);
      assert.equal(used.rows[0].used, 18, 'the stand-in reports 18 tokens per call');
    } finally {
      await clearLlmBudget(world.infra.pg, tenantId);
    }
  });
});
