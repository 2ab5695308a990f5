// The strategy learners in the content flow, on the real stack: drafting asks the learner (and
// keeps the AI label), the monitoring timers credit the learner from the metrics activity, and
// the content performance report adds up to the rows it is computed from (checked with
// independent SQL). The chat model is the loopback stand-in (scripted drafts and verdicts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Principal } from '../src/auth/principal';
import { draftContent, getContent, listRevisions, reviewContent, submitContent } from '../src/content/service';
import { readLearner, setConstraints } from '../src/strategy/learners';
import { nextPostingTime, type Strategy } from '../src/strategy/model';
import { learnerQuery, strategyLearnerId } from '../src/workflows/strategy-learner';
import { startWorldWithModelStandIn, type StandInWorld } from './support/model-standin-world';
import { bearer, eventually, http, tokenFor, type World } from './support/world';

const tenant = `sc-${randomUUID().slice(0, 8)}`;
const alice: Principal = { userId: 'alice', tenantId: tenant, roles: ['editor'] };
const bob: Principal = { userId: 'bob', tenantId: tenant, roles: ['reviewer'] };
const verdict = { content: JSON.stringify({ score: 0.95, issues: [] }) };
const calm = (topic: string) =>
  `${topic} ${randomUUID()}: our linen collection arrives next week, made in small batches by the workshop team.`;

describe('strategy learners in the content flow', () => {
  let running: StandInWorld;
  let world: World;

  before(async () => {
    running = await startWorldWithModelStandIn({
      CONTENT_REVIEWERS: 'bob',
      CONTENT_REMINDER_AFTER: '1s',
      CONTENT_ESCALATE_AFTER: '2s',
      CONTENT_EXPIRE_AFTER: '4s',
      CONTENT_MONITOR_AFTER: '1s,2s',
      CONTENT_PUBLISH_SLA: '10m',
      STRATEGY_SAVE_AFTER: '200ms',
    });
    world = running.world;
  });
  after(async () => running?.stop());

  it('drafting asks the learner unless the author decides, proposes the posting time, and keeps the AI label', async () => {
    await setConstraints(
      world.infra.temporal,
      world.config,
      { tenantId: tenant, brand: 'acme', channel: 'feed' },
      { userId: 'ada', tenantId: tenant, roles: ['admin'] },
      {
        allowedTones: ['informative'],
        bannedPhrases: ['miracle'],
        voiceNotes: 'plain words, no hype',
      },
    );
    running.llm.script(
      [
        {
          content: JSON.stringify({ title: 'Linen towels', body: 'Soft, quick-drying linen towels, made in Portugal.', summary: 'towels' }),
        },
      ],
      verdict,
    );
    const before = Date.now();
    const drafted = await draftContent(world.infra, alice, {
      brief: 'Announce our new linen bath towels.',
      brand: 'acme',
      platforms: ['feed'],
    });
    assert.equal(drafted.strategy.source, 'learner');
    assert.equal(drafted.strategy.tone, 'informative', 'only the allowed tone');
    assert.equal(drafted.strategy.proposedPublishAt, nextPostingTime(drafted.strategy.hourOfWeek, new Date(before)).toISOString());
    assert.ok(typeof drafted.strategy.uncertainty === 'number');
    // The model was asked in the learner's tone and structure, with the brand's guidance.
    const draftCall = await eventually(
      () => Promise.resolve(running.llm.requests.find((r) => JSON.stringify(r.body).includes('linen bath towels'))),
      30_000,
      'the draft call',
    );
    const prompt = JSON.stringify(draftCall.body.messages);
    assert.match(prompt, /informative tone/);
    assert.match(prompt, /no hype/);
    assert.match(prompt, /miracle/);
    const { rows } = await world.infra.pg.query(
      'SELECT brand, channel, strategy, source, recommendation FROM content_strategies WHERE tenant_id = $1 AND content_id = $2',
      [tenant, drafted.contentId],
    );
    assert.deepEqual([rows[0].brand, rows[0].channel, rows[0].source], ['acme', 'feed', 'learner']);
    assert.deepEqual(
      { ...rows[0].strategy },
      {
        tone: drafted.strategy.tone,
        length: drafted.strategy.length,
        structure: drafted.strategy.structure,
        hourOfWeek: drafted.strategy.hourOfWeek,
      },
    );
    const item = await world.infra.pg.query('SELECT publish_at FROM content_items WHERE tenant_id = $1 AND content_id = $2', [
      tenant,
      drafted.contentId,
    ]);
    assert.equal(item.rows[0].publish_at.toISOString(), drafted.strategy.proposedPublishAt);
    await eventually(
      async () => ((await getContent(world.infra, alice, drafted.contentId)).revision >= 1 ? true : undefined),
      30_000,
      'the draft',
    );
    const [revision] = await listRevisions(world.infra, alice, drafted.contentId);
    assert.ok(revision!.ai, 'the draft is labelled AI-generated');

    // An author who decides everything is not second-guessed (and the learner is not asked).
    const learner = world.infra.temporal.workflow.getHandle(strategyLearnerId(tenant, 'acme', 'feed'));
    const asked = (await learner.query(learnerQuery)).recommendations;
    running.llm.script([{ content: JSON.stringify({ title: 'Towels', body: 'Linen towels.', summary: 's' }) }], verdict);
    const publishAt = new Date(Date.now() + 3_600_000).toISOString();
    const own = await draftContent(world.infra, alice, {
      brief: 'Towels again.',
      brand: 'acme',
      platforms: ['feed'],
      tone: 'playful',
      maxWords: 60,
      structure: 'question',
      publishAt,
    });
    assert.deepEqual(
      [own.strategy.source, own.strategy.tone, own.strategy.length, own.strategy.structure],
      ['author', 'playful', 'short', 'question'],
    );
    assert.equal((await learner.query(learnerQuery)).recommendations, asked);
  });

  it('the monitoring timers credit the strategy’s learner, and the report adds up to its rows', async () => {
    const from = new Date(Date.now() - 1_000).toISOString();
    const strategy: Strategy = { tone: 'friendly', length: 'medium', structure: 'story', hourOfWeek: 30 };
    // Three calm texts are auto-approved and published; one is rejected; one expires.
    const published = [];
    for (let i = 0; i < 3; i++) {
      published.push(
        await submitContent(world.infra, alice, { title: `Calm ${i}`, body: calm('Spring'), platforms: ['feed'], brand: 'shop', strategy }),
      );
    }
    const rejected = await submitContent(world.infra, alice, {
      title: 'Guaranteed',
      body: `${calm('Guaranteed')} Guaranteed.`,
      platforms: ['feed'],
      brand: 'shop',
      strategy,
    });
    const expired = await submitContent(world.infra, alice, {
      title: 'Guaranteed too',
      body: `${calm('Guaranteed')} Guaranteed.`,
      platforms: ['feed'],
      brand: 'shop',
    });
    await eventually(
      async () => ((await getContent(world.infra, alice, rejected.contentId)).status === 'pending' ? true : undefined),
      30_000,
      'pending review',
    );
    await reviewContent(world.infra, bob, rejected.contentId, { decision: 'reject', comment: 'not our voice' });
    for (const { workflowId } of [...published, expired]) await world.infra.temporal.workflow.getHandle(workflowId).result();

    // Monitoring → engagement observations → credits → the learner of (shop, feed).
    const learner = await eventually(
      async () => {
        const found = await readLearner(world.infra.temporal, { tenantId: tenant, brand: 'shop', channel: 'feed' });
        return found && found.learner.observations === 3 ? found.learner : undefined;
      },
      30_000,
      'three contents credited',
    );
    assert.equal(learner.arms.tone.friendly!.n, 3);
    const monitored = await world.infra.pg.query(
      `SELECT count(*)::int AS n FROM engagement_events WHERE tenant_id = $1 AND source = 'monitor'`,
      [tenant],
    );
    assert.equal(monitored.rows[0].n, 6, 'two checkpoints × three published contents');

    const to = new Date(Date.now() + 1_000).toISOString();
    const token = bearer(await tokenFor(world.config, { sub: 'alice', tenant, roles: ['editor'] }));
    const response = await http(
      world.baseUrl,
      'GET',
      `/v1/strategy/report?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&brand=shop`,
      undefined,
      token,
    );
    assert.equal(response.status, 200, response.text);
    const report = response.json;
    assert.deepEqual(
      [
        report.total.submitted,
        report.total.autoApproved,
        report.total.reviewed,
        report.total.publishedWithinSla,
        report.total.rejected,
        report.total.expired,
        report.total.open,
      ],
      [5, 3, 1, 3, 1, 1, 0],
    );
    assert.equal(report.total.successRate, 0.75, '3 published within SLA of 4 settled (the rejection is a decision, not a failure)');
    assert.equal(report.total.meetsTarget, false);
    assert.equal(report.target, 0.98);
    const group = report.groups.find((g: { strategy: string }) => g.strategy === 'friendly/medium/story/h30');
    assert.ok(group, JSON.stringify(report.groups));
    assert.equal(group.submitted, 4);

    // The same figures, counted independently from the rows.
    const ids = [...published, rejected, expired].map((s) => s.contentId);
    const independent = await world.infra.pg.query(
      `SELECT count(*)::int AS submitted,
              count(*) FILTER (WHERE status = 'rejected')::int AS rejected,
              count(*) FILTER (WHERE status = 'expired')::int AS expired,
              (SELECT count(DISTINCT content_id)::int FROM content_audit WHERE tenant_id = $1 AND content_id = ANY($2) AND action = 'review.auto-approved') AS auto,
              (SELECT count(DISTINCT content_id)::int FROM content_audit WHERE tenant_id = $1 AND content_id = ANY($2) AND action LIKE 'review.%' AND actor = 'bob') AS reviewed,
              (SELECT count(*)::int FROM content_publications p JOIN content_items c USING (tenant_id, content_id)
                WHERE p.tenant_id = $1 AND p.content_id = ANY($2) AND p.status = 'published' AND p.published_at - c.created_at <= interval '10 minutes') AS in_sla,
              (SELECT sum(reads)::int FROM feed_entries WHERE tenant_id = $1 AND content_id = ANY($2)) AS reads
         FROM content_items WHERE tenant_id = $1 AND content_id = ANY($2)`,
      [tenant, ids],
    );
    const row = independent.rows[0];
    assert.deepEqual(
      [
        report.total.submitted,
        report.total.rejected,
        report.total.expired,
        report.total.autoApproved,
        report.total.reviewed,
        report.total.publishedWithinSla,
      ],
      [row.submitted, row.rejected, row.expired, row.auto, row.reviewed, row.in_sla],
    );
    // Views in the report are the latest monitoring counts; the feed has served at most `reads` since.
    assert.ok(report.total.engagement.views <= (row.reads ?? 0));
    assert.equal(report.total.engagement.rewarded, 3);
    assert.ok(report.total.engagement.meanReward !== null);

    const bad = await http(
      world.baseUrl,
      'GET',
      `/v1/strategy/report?from=${encodeURIComponent(to)}&to=${encodeURIComponent(from)}`,
      undefined,
      token,
    );
    assert.equal(bad.status, 422, 'a reversed period is well-formed but empty: 422, not 400');
  });
});
