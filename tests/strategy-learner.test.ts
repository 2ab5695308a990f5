// Strategy learners on the real stack: Temporal (the learner workflow, its signals, Updates and
// queries), PostgreSQL (strategies, engagement, credits, saved learners) and the API's signed
// engagement endpoint over loopback HTTP. The audience is a seeded simulation with a known
// favourite strategy.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { sign } from '../src/publishing/signing';
import { applyCredit, initialState, type Credit } from '../src/strategy/bandit';
import { askForStrategy, learnerStart, readLearner, signalCredits } from '../src/strategy/learners';
import type { Strategy } from '../src/strategy/model';
import { rewardFor } from '../src/strategy/reward';
import { simulatedAudience } from '../src/strategy/simulation';
import { recordContentStrategy } from '../src/strategy/store';
import { learnerQuery, setConstraintsUpdate, strategyLearnerId, strategyLearnerWorkflow } from '../src/workflows/strategy-learner';
import { bearer, eventually, http, startWorld, tokenFor, type World } from './support/world';
import { spawnWorkerProcess } from './support/worker-process';

const tenant = `sl-${randomUUID().slice(0, 8)}`;
const secret = `push-secret-${randomUUID()}`;
/** Tenants of their own (no sister brands, so their learners start from a flat prior). */
const solo = `${tenant}-solo`;
const durableTenant = `${tenant}-dur`;
const soloSecret = `solo-secret-${randomUUID()}`;
const favourite: Strategy = { tone: 'playful', length: 'short', structure: 'list', hourOfWeek: 42 };

/** A signed push, as a platform or analytics tool sends it. */
async function push(
  world: World,
  body: unknown,
  options: { secret?: string; at?: number; tenantId?: string; header?: string | null; contentType?: string } = {},
) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const signature: Record<string, string> =
    options.header === null ? {} : { 'x-magicai-signature': options.header ?? sign(options.secret ?? secret, raw, options.at) };
  return http(world.baseUrl, 'POST', `/v1/engagement/${options.tenantId ?? tenant}/events`, raw, {
    'content-type': options.contentType ?? 'application/json',
    ...signature,
  });
}

const event = (contentId: string, metrics: Record<string, number>, occurredAt = new Date()) => ({
  eventId: randomUUID(),
  contentId,
  platform: 'webhook',
  occurredAt: occurredAt.toISOString(),
  metrics,
});

describe('strategy learner', () => {
  let world: World;
  let admin: Record<string, string>;
  let editor: Record<string, string>;

  before(async () => {
    world = await startWorld({ ENGAGEMENT_PUSH_SECRETS: `${tenant}=${secret},${solo}=${soloSecret}`, STRATEGY_SAVE_AFTER: '200ms' });
    admin = bearer(await tokenFor(world.config, { sub: 'ada', tenant, roles: ['admin'] }));
    editor = bearer(await tokenFor(world.config, { sub: 'ed', tenant, roles: ['editor'] }));
  });
  after(async () => world?.stop());

  it('converges on what a seeded audience prefers, learning from signed engagement pushes', async () => {
    const key = { tenantId: tenant, brand: 'acme', channel: 'webhook' };
    const audience = simulatedAudience(favourite, 7);
    for (let round = 0; round < 40; round++) {
      const contentIds = Array.from({ length: 10 }, (_, i) => `acme-${round}-${i}`);
      const recommendations = await Promise.all(
        contentIds.map((contentId) => askForStrategy(world.infra.temporal, world.config, key, contentId)),
      );
      const events = [];
      for (const [i, contentId] of contentIds.entries()) {
        const { strategy } = recommendations[i]!;
        await recordContentStrategy(world.infra.pg, {
          tenantId: tenant,
          contentId,
          brand: 'acme',
          channel: 'webhook',
          strategy,
          source: 'learner',
        });
        events.push(event(contentId, { ...audience.engage(strategy) }));
      }
      const receipt = await push(world, { events });
      assert.equal(receipt.status, 200, receipt.text);
      assert.equal(receipt.json.accepted, 10);
    }
    const { learner, recommendation } = await eventually(
      async () => {
        const found = await readLearner(world.infra.temporal, key);
        return found && found.learner.observations === 400 ? found : undefined;
      },
      30_000,
      'all 400 contents credited',
    );
    assert.equal(learner.recommendations, 400);
    assert.deepEqual(
      [recommendation.strategy.tone, recommendation.strategy.length, recommendation.strategy.structure],
      [favourite.tone, favourite.length, favourite.structure],
    );
    assert.equal(recommendation.strategy.hourOfWeek, favourite.hourOfWeek);
    assert.ok(recommendation.uncertainty > 0 && recommendation.uncertainty < 0.1, `uncertainty ${recommendation.uncertainty}`);
    // The API shows the same, with a link to the learner in the Temporal UI.
    const view = await http(world.baseUrl, 'GET', '/v1/strategy/learners/acme/webhook', undefined, editor);
    assert.equal(view.status, 200);
    assert.equal(view.json.recommendation.strategy.tone, favourite.tone);
    assert.match(view.json.temporalUi, /strategy-learner/);
    // It is findable by its search attributes.
    const listed = await eventually(
      async () => {
        const ids: string[] = [];
        for await (const run of world.infra.temporal.workflow.list({
          query: `WorkflowKind = 'strategy-learner' AND TenantId = '${tenant}' AND BusinessId = 'acme/webhook'`,
        }))
          ids.push(run.workflowId);
        return ids.length ? ids : undefined;
      },
      15_000,
      'the learner in visibility',
    );
    assert.ok(listed.includes(strategyLearnerId(tenant, 'acme', 'webhook')));
  });

  it('starts a new brand from the tenant’s other brands', async () => {
    const fresh = await http(world.baseUrl, 'GET', '/v1/strategy/learners/newbie/webhook', undefined, editor);
    assert.equal(fresh.status, 404);
    await eventually(
      async () => {
        const { rows } = await world.infra.pg.query(`SELECT observations FROM strategy_learners WHERE tenant_id = $1 AND brand = 'acme'`, [
          tenant,
        ]);
        return rows[0]?.observations === 400 ? true : undefined;
      },
      15_000,
      'acme saved',
    );
    await askForStrategy(world.infra.temporal, world.config, { tenantId: tenant, brand: 'newbie', channel: 'webhook' });
    const { learner, recommendation } = (await readLearner(world.infra.temporal, {
      tenantId: tenant,
      brand: 'newbie',
      channel: 'webhook',
    }))!;
    assert.deepEqual(learner.priorFrom, ['acme']);
    assert.equal(learner.observations, 0);
    assert.equal(recommendation.strategy.tone, favourite.tone, 'the sister brand’s best tone is the new brand’s first belief');
    assert.ok(recommendation.uncertainty > 0.1, 'but held loosely');
  });

  it('refuses bad signatures, stale timestamps and bad shapes with clear 4xx, and counts duplicates and replays once', async () => {
    const contentId = `dup-${randomUUID().slice(0, 6)}`;
    const strategy: Strategy = { tone: 'bold', length: 'long', structure: 'story', hourOfWeek: 100 };
    await recordContentStrategy(world.infra.pg, {
      tenantId: solo,
      contentId,
      brand: 'dupes',
      channel: 'webhook',
      strategy,
      source: 'author',
    });
    const first = event(contentId, { views: 1000, clicks: 40, likes: 20, shares: 4 }, new Date(Date.now() - 60_000));
    const body = JSON.stringify({ events: [first] });

    const refusals = [
      [await push(world, body, { secret: 'not-the-secret-at-all', tenantId: solo }), 401, 'bad-signature'],
      [await push(world, body, { header: null, tenantId: solo }), 401, 'unsigned'],
      [await push(world, body, { header: 't=now,v1=zz', tenantId: solo }), 401, 'malformed-signature'],
      [await push(world, body, { at: Date.now() - 3_600_000, secret: soloSecret, tenantId: solo }), 401, 'stale-signature'],
      [await push(world, body, { tenantId: 'no-such-tenant', secret: soloSecret }), 401, 'unknown-tenant'],
      [await push(world, '{"events": [', { secret: soloSecret, tenantId: solo }), 400, 'not-json'],
      [await push(world, body, { contentType: 'text/plain', secret: soloSecret, tenantId: solo }), 415, 'not-json'],
      [
        await push(
          world,
          { events: [event(contentId, { views: 1 }, new Date(Date.now() + 86_400_000))] },
          { secret: soloSecret, tenantId: solo },
        ),
        400,
        'future-timestamp',
      ],
    ] as const;
    for (const [response, status, reason] of refusals) {
      assert.equal(response.status, status, `${reason}: ${response.text}`);
      assert.match(response.contentType, /application\/problem\+json/);
      assert.equal(response.json.refusal, reason);
    }
    const shape = await push(world, { events: [{ ...first, metrics: { views: -1, stars: 5 } }] }, { secret: soloSecret, tenantId: solo });
    assert.equal(shape.status, 400);
    assert.ok(shape.json.errors.length > 0, shape.text);
    const none = await world.infra.pg.query('SELECT count(*)::int AS n FROM engagement_events WHERE tenant_id = $1 AND content_id = $2', [
      solo,
      contentId,
    ]);
    assert.equal(none.rows[0].n, 0, 'nothing refused was stored');

    const accepted = await push(world, body, { secret: soloSecret, tenantId: solo });
    assert.equal(accepted.status, 200, accepted.text);
    assert.deepEqual([accepted.json.accepted, accepted.json.duplicates, accepted.json.credits.length], [1, 0, 1]);
    const replayed = await push(world, body, { secret: soloSecret, tenantId: solo }); // the same event again, freshly signed
    assert.deepEqual([replayed.status, replayed.json.accepted, replayed.json.duplicates], [200, 0, 1]);
    const stored = await world.infra.pg.query('SELECT count(*)::int AS n FROM engagement_events WHERE tenant_id = $1 AND content_id = $2', [
      solo,
      contentId,
    ]);
    assert.equal(stored.rows[0].n, 1);

    // Days later, better counts for the same content: its reward is revised, not counted twice.
    const later = await push(
      world,
      { events: [event(contentId, { views: 2000, clicks: 200, likes: 100, shares: 30 })] },
      { secret: soloSecret, tenantId: solo },
    );
    assert.equal(later.json.credits[0].version, 2);
    const key = { tenantId: solo, brand: 'dupes', channel: 'webhook' };
    const expected = initialState();
    applyCredit(expected, { contentId, strategy, reward: accepted.json.credits[0].reward, version: 1, previousReward: null });
    applyCredit(expected, {
      contentId,
      strategy,
      reward: later.json.credits[0].reward,
      version: 2,
      previousReward: accepted.json.credits[0].reward,
    });
    const { learner } = await eventually(
      async () => {
        const found = await readLearner(world.infra.temporal, key);
        return found && found.learner.signals >= 3 ? found : undefined;
      },
      15_000,
      'the learner to see the pushes',
    );
    assert.equal(learner.observations, 1, 'one content, counted once');
    assert.equal(learner.arms.tone.bold!.n, 1);
    assert.ok(Math.abs(learner.arms.tone.bold!.a - expected.arms.tone.bold!.a) < 1e-9, 'the later reward replaced the earlier');
    const unattributed = await push(world, { events: [event('never-drafted', { views: 10 })] }, { secret: soloSecret, tenantId: solo });
    assert.deepEqual([unattributed.json.accepted, unattributed.json.unattributed], [1, 1]);
  });

  it('never recommends a tone the brand does not allow, even the one its audience loves', async () => {
    const key = { tenantId: tenant, brand: 'strict', channel: 'webhook' };
    const denied = await http(
      world.baseUrl,
      'POST',
      '/v1/strategy/learners/strict/webhook/constraints',
      { allowedTones: ['professional'] },
      editor,
    );
    assert.equal(denied.status, 403);
    const badTone = await http(
      world.baseUrl,
      'POST',
      '/v1/strategy/learners/strict/webhook/constraints',
      { allowedTones: ['sarcastic'] },
      admin,
    );
    assert.equal(badTone.status, 400);
    const set = await http(
      world.baseUrl,
      'POST',
      '/v1/strategy/learners/strict/webhook/constraints',
      { allowedTones: ['professional', 'informative'], bannedPhrases: ['guaranteed'], voiceNotes: 'calm, precise' },
      admin,
    );
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(set.json.allowedTones, ['professional', 'informative']);
    // The Update's validator refuses on its own, too (e.g. from the temporal CLI): no history is written.
    const handle = world.infra.temporal.workflow.getHandle(strategyLearnerId(tenant, 'strict', 'webhook'));
    await assert.rejects(
      handle.executeUpdate(setConstraintsUpdate, {
        args: [
          {
            actor: { userId: 'ed', tenantId: tenant, roles: ['editor'] },
            constraints: { allowedTones: [], bannedPhrases: [], voiceNotes: '' },
          },
        ],
      }),
      (error: Error) => error instanceof WorkflowUpdateFailedError && (error.cause as { type?: string }).type === 'NotAnAdmin',
    );
    await assert.rejects(
      handle.executeUpdate(setConstraintsUpdate, {
        args: [
          {
            actor: { userId: 'ada', tenantId: tenant, roles: ['admin'] },
            constraints: { allowedTones: ['sarcastic' as never], bannedPhrases: [], voiceNotes: '' },
          },
        ],
      }),
      (error: Error) => error instanceof WorkflowUpdateFailedError && (error.cause as { type?: string }).type === 'InvalidConstraints',
    );
    // The audience adores playful content (credited from content made before the constraint).
    const credits: (Credit & { brand: string; channel: string })[] = Array.from({ length: 30 }, (_, i) => ({
      contentId: `strict-old-${i}`,
      strategy: { ...favourite, tone: 'playful' },
      reward: 0.95,
      version: 1,
      previousReward: null,
      brand: 'strict',
      channel: 'webhook',
    }));
    await signalCredits(world.infra.temporal, world.config, tenant, credits);
    const tones = await Promise.all(
      Array.from({ length: 40 }, () => askForStrategy(world.infra.temporal, world.config, key).then((r) => r.strategy.tone)),
    );
    assert.ok(
      tones.every((tone) => tone === 'professional' || tone === 'informative'),
      tones.join(','),
    );
    const { recommendation } = (await readLearner(world.infra.temporal, key))!;
    assert.notEqual(recommendation.strategy.tone, 'playful');
    assert.deepEqual(recommendation.constraints.bannedPhrases, ['guaranteed']);
  });
});

describe('strategy learner durability', () => {
  it('survives a killed worker and continue-as-new with its state intact', async () => {
    const world = await startWorld({ ENGAGEMENT_PUSH_SECRETS: `${tenant}=${secret}`, STRATEGY_SAVE_AFTER: '200ms' }, { workers: false });
    const startWorker = (): ChildProcess => spawnWorkerProcess(world, {}, { logLevel: 'error' }).child;
    let worker = startWorker();
    const key = { tenantId: durableTenant, brand: 'durable', channel: 'feed' };
    try {
      // A short history budget, so the learner continues as new several times during the test.
      const started = learnerStart(world.config, key, { maxHistoryEvents: 60 });
      await world.infra.temporal.workflow.start(strategyLearnerWorkflow, started);
      const audience = simulatedAudience(favourite, 3);
      const expected = initialState();
      const credits: Credit[] = [];
      for (let i = 0; i < 80; i++) {
        const strategy: Strategy = { ...favourite, tone: (['playful', 'bold', 'friendly'] as const)[i % 3]! };
        credits.push({
          contentId: `d-${i}`,
          strategy,
          reward: rewardFor('feed', audience.engage(strategy)),
          version: 1,
          previousReward: null,
        });
      }
      const send = async (from: number, to: number) => {
        for (const credit of credits.slice(from, to))
          await signalCredits(world.infra.temporal, world.config, durableTenant, [{ ...credit, brand: 'durable', channel: 'feed' }]);
      };
      await send(0, 30);
      const handle = world.infra.temporal.workflow.getHandle(started.workflowId);
      await eventually(async () => ((await handle.query(learnerQuery)).signals >= 20 ? true : undefined), 60_000, 'some signals handled');
      worker.kill('SIGKILL');
      await new Promise((resolve) => worker.once('exit', resolve));
      await send(30, 60); // while no worker runs: the signals wait in history
      worker = startWorker();
      await eventually(async () => ((await handle.query(learnerQuery)).runs >= 2 ? true : undefined), 120_000, 'a continue-as-new');
      await send(60, 80);
      const learner = await eventually(
        async () => {
          const view = await handle.query(learnerQuery);
          return view.signals === 80 ? view : undefined;
        },
        90_000,
        'every signal handled',
      );
      for (const credit of credits) applyCredit(expected, credit);
      assert.ok(learner.runs >= 2, `continued as new ${learner.runs - 1} times`);
      assert.equal(learner.observations, 80);
      assert.deepEqual(learner.arms, expected.arms, 'the statistics equal those of applying every credit once, in order');
      // The saved state caught up too.
      await eventually(
        async () => {
          const { rows } = await world.infra.pg.query(
            'SELECT observations FROM strategy_learners WHERE tenant_id = $1 AND brand = $2 AND channel = $3',
            [durableTenant, 'durable', 'feed'],
          );
          return rows[0]?.observations === 80 ? true : undefined;
        },
        15_000,
        'the saved learner',
      );
    } finally {
      worker.kill('SIGKILL');
      await world.stop();
    }
  });
});
