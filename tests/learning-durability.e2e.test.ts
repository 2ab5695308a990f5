// An experiment survives a killed worker: the worker PROCESS running the experiment workflow and
// the decided LLM tasks is SIGKILLed mid-experiment and started again; afterwards every task took
// exactly one decision, the experiment's exposures and settled outcomes per arm equal the rows they
// come from, its guardrails are tested and clear, and it has continued as new on the way. Real
// Temporal, PostgreSQL and worker processes; the chat model is the loopback OpenAI STAND-IN
// (production's first sentiment answers are invalid every other time, the candidate's never).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { taskQueues } from '../src/temporal/task-queues';
import { llmTaskWorkflow } from '../src/workflows/llm-task';
import { startOpenAiStandIn, type OpenAiStandIn } from './support/openai-standin';
import { bearer, eventually, http, startWorld, tokenFor, type World } from './support/world';
import { spawnWorkerProcess } from './support/worker-process';

const GOOD_MARKER = '[variant good]';
const sentiment = JSON.stringify({ label: 'positive', score: 0.8, aspects: ['battery'] });

/** While set, the model's answers wait: calls are in flight when the worker is killed. */
let gate: Promise<void> | undefined;

describe('learning loop durability', () => {
  let llm: OpenAiStandIn;
  let world: World;
  let worker: ChildProcess | undefined;
  const tenant = `exp-kill-${randomUUID().slice(0, 8)}`;
  let admin: Record<string, string>;

  before(async () => {
    llm = await startOpenAiStandIn();
    let n = 0;
    llm.script([], (body: any) => {
      const system = String(body?.messages?.[0]?.content ?? '');
      const invalid = body?.messages?.length === 2 && !system.includes(GOOD_MARKER) && ++n % 2 === 0;
      return { content: invalid ? '{"label": "great"}' : sentiment, holdUntil: gate };
    });
    world = await startWorld({ OPENAI_BASE_URL: llm.baseUrl, RATE_LIMIT_USER: '100000', RATE_LIMIT_TENANT: '100000' }, { workers: false });
    admin = bearer(await tokenFor(world.config, { sub: 'ada', tenant, roles: ['admin'] }));
  });
  after(async () => {
    worker?.kill('SIGKILL');
    await world?.stop();
    await llm?.close();
  });

  const startWorker = (): ChildProcess => spawnWorkerProcess(world, { OPENAI_BASE_URL: llm.baseUrl }, { logLevel: 'error' }).child;

  it('keeps allocations, counts and guardrail state intact across a SIGKILLed worker, with no decision lost or counted twice', async () => {
    worker = startWorker();
    const call = (method: string, route: string, body?: unknown) => http(world.baseUrl, method, route, body, admin);
    const created = await call('POST', '/v1/learning/prompts/sentiment/versions', {
      instructions: `${GOOD_MARKER} You classify the sentiment of product text: label, score from -1 to 1, short aspects.`,
      temperature: 0.2,
      maxTokens: 200,
      reason: 'clearer',
    });
    assert.equal(created.status, 201, created.text);
    const candidate = created.json.version as string;
    const started = await call('POST', '/v1/learning/experiments', {
      task: 'sentiment',
      candidates: [candidate],
      settings: { pollIntervalMs: 400, pollsPerRun: 4, minShare: 0.2, guardrails: { minSamples: 5 } },
      reason: 'durability',
    });
    assert.equal(started.status, 202, started.text);
    const { experimentId, workflowId } = started.json;

    const runs: string[] = [];
    const runTask = (batch: string, i: number) => {
      const id = `exp-kill-${experimentId}-${batch}-${i}`;
      runs.push(id);
      return world.infra.temporal.workflow.execute(llmTaskWorkflow, {
        workflowId: id,
        taskQueue: taskQueues(world.config).default,
        args: [{ tenantId: tenant, task: 'sentiment', input: { text: 'Great battery, weak speaker.' }, priority: 'batch' }],
      });
    };

    await Promise.all(Array.from({ length: 16 }, (_, i) => runTask('a', i)));
    const handle = world.infra.temporal.workflow.getHandle(workflowId);
    await eventually(
      async () => {
        const view = (await handle.query('status')) as any;
        return view.arms.reduce((sum: number, arm: any) => sum + arm.settled, 0) >= 16 ? view : undefined;
      },
      60_000,
      'the first outcomes in the experiment',
    );

    // Mid-experiment: decisions taken and their model calls in flight (the model holds its answers),
    // then the worker process dies without a chance to clean up.
    let release!: () => void;
    gate = new Promise((resolve) => (release = resolve));
    const asked = llm.requests.length;
    const inFlight = Array.from({ length: 16 }, (_, i) => runTask('b', i));
    await eventually(
      () => Promise.resolve(llm.requests.length >= asked + 4 ? true : undefined),
      60_000,
      'model calls of the second batch in flight',
    );
    const unsettled = async () =>
      Number(
        (
          await world.infra.pg.query<{ n: string }>(
            'SELECT count(*) AS n FROM llm_decisions WHERE experiment_id = $1 AND settled_at IS NULL',
            [experimentId],
          )
        ).rows[0]!.n,
      );
    const inFlightAtKill = await unsettled();
    const exited = new Promise((resolve) => worker!.once('exit', resolve));
    worker.kill('SIGKILL');
    await exited;
    assert.ok(inFlightAtKill >= 4, `${inFlightAtKill} decided calls in flight when the worker died`);
    const whileDown = Array.from({ length: 8 }, (_, i) => runTask('c', i)); // wait in their queues
    gate = undefined;
    release();
    worker = startWorker();
    await Promise.all([...inFlight, ...whileDown]);
    const { rows: retried } = await world.infra.pg.query<{ n: number }>(
      `SELECT count(DISTINCT workflow_id)::int AS n FROM llm_calls WHERE workflow_id = ANY($1) AND activity_attempt > 1`,
      [runs.filter((id) => id.includes('-b-'))],
    );
    assert.ok(retried[0]!.n >= 1, 'calls cut off by the kill were retried on the new worker');

    const view = await eventually(
      async () => {
        const current = await call('GET', `/v1/learning/experiments/${experimentId}`);
        const live = current.json.live;
        const settled = live?.arms.reduce((sum: number, arm: any) => sum + arm.settled, 0);
        // The experiment polls on its own clock: on a busy box it may count everything before
        // its first continue-as-new, so wait for both.
        return live && settled === runs.length && live.runs >= 2 ? live : undefined;
      },
      60_000,
      'every outcome counted after the restart, and the experiment continued as new',
      1_000,
    );

    // No decision lost or taken twice: one per task, each call of the task names it.
    const { rows: perRun } = await world.infra.pg.query<{ workflow_id: string; n: number }>(
      'SELECT workflow_id, count(*)::int AS n FROM llm_decisions WHERE tenant_id = $1 AND workflow_id = ANY($2) GROUP BY workflow_id',
      [tenant, runs],
    );
    assert.equal(perRun.length, runs.length, 'every task decided');
    assert.ok(
      perRun.every((row) => row.n === 1),
      JSON.stringify(perRun.filter((row) => row.n !== 1)),
    );
    const { rows: strayCalls } = await world.infra.pg.query(
      `SELECT c.workflow_id FROM llm_calls c JOIN llm_decisions d ON d.workflow_id = c.workflow_id WHERE c.workflow_id = ANY($1) AND c.decision_id IS DISTINCT FROM d.decision_id`,
      [runs],
    );
    assert.deepEqual(strayCalls, [], 'each call records its task’s one decision');

    // The experiment's counts equal the rows: exposures and settled outcomes per arm.
    const { rows: byArm } = await world.infra.pg.query<{ arm: string; exposures: number; settled: number }>(
      'SELECT arm, count(*)::int AS exposures, count(settled_at)::int AS settled FROM llm_decisions WHERE experiment_id = $1 GROUP BY arm',
      [experimentId],
    );
    for (const arm of view.arms) {
      const row = byArm.find((r) => r.arm === arm.version);
      assert.equal(arm.exposures, row?.exposures ?? 0, `exposures of ${arm.version}`);
      assert.equal(arm.settled, row?.settled ?? 0, `settled outcomes of ${arm.version}`);
    }
    assert.equal(
      byArm.reduce((sum, row) => sum + row.exposures, 0),
      runs.length,
    );
    const shares = view.arms.map((arm: any) => arm.share);
    assert.ok(
      Math.abs(shares.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-6 && shares.every((share: number) => share >= 0.2 - 1e-9),
      `allocation ${shares}`,
    );
    const { rows: published } = await world.infra.pg.query<{ allocation: Record<string, number> }>(
      'SELECT allocation FROM experiments WHERE experiment_id = $1',
      [experimentId],
    );
    assert.ok(Object.keys(published[0]!.allocation).length === 2, 'the allocation decisions sample from is still published');
    assert.equal(view.status, 'running');
    assert.equal(view.guardrails.length, 1);
    assert.equal(view.guardrails[0].tested, true, 'guardrails tested');
    assert.deepEqual(view.guardrails[0].breached, []);
    assert.ok(view.runs >= 2, `continued as new (${view.runs} runs)`);

    const stopped = await call('POST', `/v1/learning/experiments/${experimentId}/stop`, { reason: 'durability checked' });
    assert.equal(stopped.status, 202, stopped.text);
    await handle.result();
    // The run that lived through the kill replays against today's code.
    await Worker.runReplayHistory({ workflowsPath: require.resolve('../src/workflows') }, await handle.fetchHistory(), workflowId);
  });
});
