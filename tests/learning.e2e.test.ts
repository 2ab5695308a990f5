// The learning loop on the real stack (Temporal, PostgreSQL, the API over loopback). The chat
// model is the loopback OpenAI STAND-IN, because a real local model cannot be made to behave
// differently per prompt version on demand: it answers by the prompt it is sent — a bad
// candidate's first answers are invalid 3 times in 5, the production sentiment prompt's first
// answers are invalid every other time, and a good candidate always answers well.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { taskQueues } from '../src/temporal/task-queues';
import { llmTaskWorkflow } from '../src/workflows/llm-task';
import { listWorkflowId } from '../src/products/lists';
import { startWorldWithModelStandIn, type StandInWorld } from './support/model-standin-world';
import { startWebhookReceiver, type WebhookReceiver } from './support/platform-standins';
import { bearer, eventually, http, tokenFor, type World } from './support/world';

const SECRET = 'learning-notify-secret-0123456789';
const BAD_MARKER = '[variant bad]';
const GOOD_MARKER = '[variant good]';

const enhancement = (n: number) =>
  JSON.stringify({ seoTitle: `Product ${n}`, metaDescription: 'A product.', bullets: ['Sturdy', 'Light'], tags: ['gear'] });
const sentiment = JSON.stringify({ label: 'positive', score: 0.8, aspects: ['battery'] });

/** The stand-in's behaviour per prompt version (recognised by the instructions it is sent). */
function modelBehaviour() {
  const counters = new Map<string, number>();
  const next = (key: string) => {
    const n = (counters.get(key) ?? 0) + 1;
    counters.set(key, n);
    return n;
  };
  return (body: any): { content: string } | undefined => {
    const task = body?.response_format?.json_schema?.name as string | undefined;
    const system = String(body?.messages?.[0]?.content ?? '');
    const firstAnswer = body?.messages?.length === 2;
    if (task === 'enhance') {
      // Counted over first answers only: 3 in every 5 of the bad candidate's are invalid (60 %).
      // At 40 % the guardrail needed about 27 candidate calls to be sure, which is the share
      // minShare guarantees of 90 items: a slower box gave it fewer, and it never rolled back.
      const invalid = firstAnswer && system.includes(BAD_MARKER) && next('bad') % 5 < 3;
      return { content: invalid ? '{"seoTitle": ""}' : enhancement(next('enhance')) };
    }
    if (task === 'sentiment') {
      const good = system.includes(GOOD_MARKER);
      const invalid = firstAnswer && !good && next('sentiment') % 2 === 0; // production: every other first answer
      return { content: invalid ? '{"label": "great"}' : sentiment };
    }
    return undefined;
  };
}

describe('learning loop: registry, decisions, experiments, guardrails, rollback and redrive', () => {
  let running: StandInWorld;
  let world: World;
  let receiver: WebhookReceiver;
  const tenant = `learn-${randomUUID().slice(0, 8)}`;
  let admin: Record<string, string>;
  let editor: Record<string, string>;

  before(async () => {
    receiver = await startWebhookReceiver(SECRET);
    running = await startWorldWithModelStandIn({ NOTIFY_WEBHOOK_URL: receiver.notifyUrl, NOTIFY_WEBHOOK_SECRET: SECRET });
    const behaviour = modelBehaviour();
    running.llm.script([], (body) => behaviour(body) ?? { content: JSON.stringify({ score: 0.95, issues: [] }) });
    world = running.world;
    admin = bearer(await tokenFor(world.config, { sub: 'ada', tenant, roles: ['admin'] }));
    editor = bearer(await tokenFor(world.config, { sub: 'eddie', tenant, roles: ['editor'] }));
  });
  after(async () => {
    await running?.stop();
    await receiver?.close();
  });

  const call = (method: string, path: string, body?: unknown, who = admin) => http(world.baseUrl, method, path, body, who);
  const newVersion = async (task: string, instructions: string) => {
    const created = await call('POST', `/v1/learning/prompts/${task}/versions`, {
      instructions,
      temperature: 0.2,
      maxTokens: 300,
      reason: 'test variant',
    });
    assert.equal(created.status, 201, created.text);
    return created.json.version as string;
  };

  it('keeps immutable versions and movable labels per tenant, audits every move, and refuses non-admins', async () => {
    for (const [method, path] of [
      ['GET', '/v1/learning/prompts'],
      ['POST', '/v1/learning/prompts/enhance/versions'],
      ['POST', '/v1/learning/experiments'],
      ['GET', '/v1/learning/audit'],
    ] as const) {
      const refused = await call(method, path, method === 'POST' ? {} : undefined, editor);
      assert.equal(refused.status, 403, `${method} ${path} for an editor`);
      assert.match(refused.contentType, /problem\+json/);
    }
    const prompts = await call('GET', '/v1/learning/prompts');
    assert.equal(prompts.status, 200);
    const enhance = prompts.json.items.find((item: any) => item.task === 'enhance');
    assert.deepEqual(
      enhance.labels.find((label: any) => label.label === 'production')?.version,
      'enhance@1',
      'the code version is seeded as production',
    );

    const version = await newVersion('report', 'You write a short report from the facts. Use only the facts, and be brief.');
    assert.equal(version, `report@${tenant}.1`);
    const moved = await call('POST', '/v1/learning/prompts/report/labels/production', { version, reason: 'better wording' });
    assert.equal(moved.status, 200, moved.text);
    assert.deepEqual(moved.json, { task: 'report', label: 'production', from: 'report@1', to: version });
    const rolledBack = await call('POST', '/v1/learning/prompts/report/rollback', { reason: 'reviewers disliked it' });
    assert.equal(rolledBack.status, 200, rolledBack.text);
    assert.equal(rolledBack.json.to, 'report@1');

    const audit = await call('GET', '/v1/learning/audit?task=report');
    const mine = audit.json.items.filter((entry: any) => entry.scope === tenant);
    assert.deepEqual(
      mine.map((entry: any) => [entry.action, entry.actor, entry.toVersion, entry.reason]),
      [
        ['rollback', 'ada', 'report@1', 'reviewers disliked it'],
        ['label.moved', 'ada', version, 'better wording'],
        ['version.created', 'ada', version, 'test variant'],
      ],
    );
    await assert.rejects(world.infra.pg.query(`UPDATE prompt_versions SET instructions = 'x' WHERE version = $1`, [version]), /immutable/);
    const unknown = await call('POST', '/v1/learning/prompts/report/labels/production', {
      version: 'report@nobody.9',
      reason: 'typo test',
    });
    assert.equal(unknown.status, 404);
    const otherTenant = bearer(await tokenFor(world.config, { sub: 'zed', tenant: `${tenant}-other`, roles: ['admin'] }));
    const foreign = await call('POST', '/v1/learning/prompts/report/labels/production', { version, reason: 'not mine' }, otherTenant);
    assert.equal(foreign.status, 404, 'another tenant cannot use the version');
  });

  it('rolls a bad candidate back automatically within a bounded number of calls, and redrives its items once each', async () => {
    const candidate = await newVersion(
      'enhance',
      `${BAD_MARKER} You write e-commerce SEO copy: an SEO title, a meta description, bullets and tags.`,
    );
    const started = await call('POST', '/v1/learning/experiments', {
      task: 'enhance',
      candidates: [candidate],
      settings: { pollIntervalMs: 500, minShare: 0.3, guardrails: { minSamples: 15 } },
      reason: 'try the shorter prompt',
    });
    assert.equal(started.status, 202, started.text);
    const { experimentId } = started.json;
    const again = await call('POST', '/v1/learning/experiments', { task: 'enhance', candidates: [candidate], reason: 'second one' });
    assert.equal(again.status, 409, 'one running experiment per task and tenant');

    const items = Array.from({ length: 90 }, (_, i) => ({
      key: `p${i}`,
      inline: { name: `Product ${i}`, description: `A sturdy product number ${i}.` },
    }));
    const listId = `learn-${randomUUID().slice(0, 8)}`;
    const list = await http(
      world.baseUrl,
      'POST',
      '/v1/product-lists',
      { listId, tenantId: tenant, items, options: { concurrency: 8, stages: ['enhance'] } },
      admin,
    );
    assert.equal(list.status, 202, list.text);
    await world.infra.temporal.workflow.getHandle(listWorkflowId(tenant, listId)).result();

    const record = await eventually(
      async () => {
        const status = await call('GET', `/v1/learning/experiments/${experimentId}`);
        return status.json.status === 'rolled-back' ? status.json : undefined;
      },
      60_000,
      'the automatic rollback',
      1_000,
    );
    const exposures = await world.infra.pg.query<{ n: string }>(
      `SELECT count(*) AS n FROM llm_decisions WHERE experiment_id = $1 AND arm = $2`,
      [experimentId, candidate],
    );
    const candidateCalls = Number(exposures.rows[0]!.n);
    assert.ok(candidateCalls >= 15 && candidateCalls <= 90, `rolled back after ${candidateCalls} candidate calls`);
    assert.match(String(record.outcome.reason), /invalid-output/);

    const audit = await call('GET', `/v1/learning/audit?experimentId=${experimentId}`);
    const rollback = audit.json.items.find((entry: any) => entry.action === 'rollback');
    assert.ok(rollback, JSON.stringify(audit.json.items));
    assert.equal(rollback.actor, 'system:guardrail');
    assert.equal(rollback.label, 'candidate');
    assert.equal(rollback.fromVersion, candidate);
    assert.ok(audit.json.items.some((entry: any) => entry.action === 'experiment.started' && entry.actor === 'ada'));
    const labels = await call('GET', '/v1/learning/prompts/enhance');
    assert.ok(!labels.json.labels.some((label: any) => label.label === 'candidate'), 'the candidate label is gone');
    await eventually(
      () =>
        Promise.resolve(
          receiver.notifications.some((n) => n.body.kind === 'experiment-rolled-back' && n.body.experimentId === experimentId)
            ? true
            : undefined,
        ),
      15_000,
      'the rollback notification',
    );

    // Redrive: every item the candidate enriched runs again with production, once.
    const { rows: used } = await world.infra.pg.query<{ subject: string }>(
      `SELECT DISTINCT subject FROM llm_decisions WHERE tenant_id = $1 AND prompt_version = $2`,
      [tenant, candidate],
    );
    assert.equal(used.length, candidateCalls);
    const redriven = await eventually(
      async () => {
        const { rows } = await world.infra.pg.query<{ workflow_id: string; status: string }>(
          `SELECT workflow_id, status FROM learning_redrives WHERE experiment_id = $1 AND subject_kind = 'product'`,
          [experimentId],
        );
        return rows.length === used.length && rows.every((row) => row.status === 'started') ? rows : undefined;
      },
      60_000,
      'redrives registered and started',
    );
    for (const row of redriven) await world.infra.temporal.workflow.getHandle(row.workflow_id).result();

    const { rows: products } = await world.infra.pg.query<{ url: string; version: string | null }>(
      `SELECT url, enhancement->'ai'->>'promptVersion' AS version FROM products WHERE tenant_id = $1`,
      [tenant],
    );
    assert.equal(products.length, items.length, 'one product per item: nothing lost, nothing duplicated');
    assert.deepEqual([...new Set(products.map((product) => product.version))], ['enhance@1'], 'every enhancement is production’s now');
    const { rows: redriveDecisions } = await world.infra.pg.query<{ workflow_id: string; n: string; version: string }>(
      `SELECT workflow_id, count(*) AS n, min(prompt_version) AS version FROM llm_decisions WHERE workflow_id LIKE $1 GROUP BY workflow_id`,
      [`redrive/${experimentId}/%`],
    );
    assert.equal(redriveDecisions.length, used.length, 'each redriven item ran once');
    assert.ok(redriveDecisions.every((row) => row.n === '1' && row.version === 'enhance@1'));
    const report = await http(world.baseUrl, 'GET', `/v1/product-lists/${listId}/report`, undefined, admin);
    assert.equal(report.status, 200);
  });

  it('gives a better candidate the larger share, keeps its state across continue-as-new, and its decisions replay', async () => {
    const candidate = await newVersion(
      'sentiment',
      `${GOOD_MARKER} You classify the sentiment of product text: label, score from -1 to 1, short aspects.`,
    );
    const started = await call('POST', '/v1/learning/experiments', {
      task: 'sentiment',
      candidates: [candidate],
      settings: { pollIntervalMs: 400, pollsPerRun: 3, minShare: 0.05 },
      reason: 'clearer instructions',
    });
    assert.equal(started.status, 202, started.text);
    const { experimentId, workflowId } = started.json;

    const runs: string[] = [];
    for (let batch = 0; batch < 8; batch++) {
      await Promise.all(
        Array.from({ length: 8 }, async (_, i) => {
          const id = `learn-sentiment-${experimentId}-${batch}-${i}`;
          runs.push(id);
          await world.infra.temporal.workflow.execute(llmTaskWorkflow, {
            workflowId: id,
            taskQueue: taskQueues(world.config).default,
            args: [{ tenantId: tenant, task: 'sentiment', input: { text: 'Great battery, weak speaker.' }, priority: 'batch' }],
          });
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 400));
    }

    const live = await eventually(
      async () => {
        const status = await call('GET', `/v1/learning/experiments/${experimentId}`);
        const view = status.json.live;
        const settled = view?.arms.reduce((sum: number, arm: any) => sum + arm.settled, 0);
        return view && settled === runs.length && view.runs >= 2 ? view : undefined;
      },
      30_000,
      'all outcomes seen after continue-as-new',
      1_000,
    );
    const production = live.arms.find((arm: any) => arm.production);
    const better = live.arms.find((arm: any) => !arm.production);
    assert.ok(better.share > production.share, `shares: candidate ${better.share}, production ${production.share}`);
    assert.ok(better.posteriorMean > production.posteriorMean);
    const { rows } = await world.infra.pg.query<{ arm: string; n: string }>(
      `SELECT arm, count(*) AS n FROM llm_decisions WHERE experiment_id = $1 GROUP BY arm`,
      [experimentId],
    );
    for (const arm of live.arms)
      assert.equal(
        arm.exposures,
        Number(rows.find((row) => row.arm === arm.version)?.n ?? 0),
        `exposures of ${arm.version} carried intact`,
      );
    assert.ok(live.runs >= 2 && live.events.some((event: any) => String(event.what).startsWith('continued as new')), 'continued as new');

    const decisions = await call('GET', `/v1/learning/decisions?workflowId=${encodeURIComponent(runs[0]!)}`, undefined, editor);
    assert.equal(decisions.status, 200);
    assert.equal(decisions.json.items.length, 1);
    assert.ok(
      decisions.json.items[0].reasons.some((reason: string) => reason.includes(experimentId)),
      JSON.stringify(decisions.json.items[0]),
    );
    const { rows: calls } = await world.infra.pg.query<{ decision_id: string; prompt_version: string }>(
      `SELECT decision_id, prompt_version FROM llm_calls WHERE workflow_id = $1`,
      [runs[0]],
    );
    assert.ok(
      calls.length >= 1 &&
        calls.every(
          (c) => c.decision_id === decisions.json.items[0].decisionId && c.prompt_version === decisions.json.items[0].promptVersion,
        ),
      'calls record their decision',
    );

    const stopped = await call('POST', `/v1/learning/experiments/${experimentId}/stop`, { reason: 'enough seen' });
    assert.equal(stopped.status, 202, stopped.text);
    await world.infra.temporal.workflow.getHandle(workflowId).result();
    const ended = await call('GET', `/v1/learning/experiments/${experimentId}`);
    assert.equal(ended.json.status, 'stopped');
    const visible = await eventually(
      async () => {
        for await (const execution of world.infra.temporal.workflow.list({
          query: `WorkflowKind = 'experiment' AND PromptTask = 'sentiment' AND TenantId = '${tenant}' AND ExperimentStatus = 'stopped'`,
        }))
          return execution.workflowId;
        return undefined;
      },
      20_000,
      'the experiment in visibility',
    );
    assert.equal(visible, workflowId);

    // The decisions replay: the histories of a decided LLM task and of the experiment's last run.
    for (const id of [runs[0]!, workflowId as string]) {
      const history = await world.infra.temporal.workflow.getHandle(id).fetchHistory();
      await Worker.runReplayHistory({ workflowsPath: require.resolve('../src/workflows') }, history, id);
    }
  });
});
