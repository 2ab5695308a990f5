// Content review over the real stack: risk routing, review Updates and their validators,
// revisions, publishing and monitoring, audit trail. The SLA, expiry policy, monitoring offsets
// and publish times at their real durations are in tests/content-timers.test.ts (time-skipping).
// The chat model is a loopback stand-in (scripted style verdicts, so routing is predictable);
// embeddings (duplicate check) come from the real local model.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Principal } from '../src/auth/principal';
import {
  ContentActionRefused,
  auditTrail,
  draftContent,
  extendReviewDeadline,
  getContent,
  listRevisions,
  reviewContent,
  reviewInbox,
  reviseContent,
  submitContent,
} from '../src/content/service';
import { contentWorkflowId } from '../src/workflows/content-review';
import { startWorldWithModelStandIn, type StandInWorld } from './support/model-standin-world';
import { bearer, eventually, http, startWorld, tokenFor, type World } from './support/world';

const tenant = `t-${Date.now().toString(36)}`;
const alice: Principal = { userId: 'alice', tenantId: tenant, roles: ['editor'] };
const bob: Principal = { userId: 'bob', tenantId: tenant, roles: ['reviewer'] };
const carol: Principal = { userId: 'carol', tenantId: tenant, roles: ['reviewer'] };
const mallory: Principal = { userId: 'mallory', tenantId: 'other-tenant', roles: ['reviewer'] };

let counter = 0;
const uniqueText = (topic: string) =>
  `${topic} ${++counter} ${Math.random().toString(36).slice(2)}. Our ${['linen', 'walnut', 'ceramic', 'copper'][counter % 4]} collection ` +
  `arrives in week ${counter}; each piece is made in small batches by the workshop team.`;

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ContentActionRefused) return error.type;
    throw error;
  }
  assert.fail('expected the action to be refused');
}

async function waitForStatus(world: World, who: Principal, contentId: string, status: string, timeoutMs = 30_000) {
  return eventually(
    async () => {
      const content = await getContent(world.infra, who, contentId);
      return content.status === status ? content : undefined;
    },
    timeoutMs,
    `content ${contentId} to be ${status}`,
  );
}

async function updateEvents(world: World, who: Principal, contentId: string) {
  const history = await world.infra.temporal.workflow.getHandle(contentWorkflowId(who.tenantId, contentId)).fetchHistory();
  const names = (history.events ?? []).map((event) => Object.keys(event).find((key) => key.endsWith('EventAttributes')) ?? '');
  return {
    accepted: names.filter((name) => name === 'workflowExecutionUpdateAcceptedEventAttributes').length,
    completed: names.filter((name) => name === 'workflowExecutionUpdateCompletedEventAttributes').length,
  };
}

describe('content review', () => {
  let world: World;
  let running: StandInWorld;

  before(async () => {
    running = await startWorldWithModelStandIn({
      CONTENT_REVIEWERS: 'bob,carol',
      CONTENT_ESCALATE_TO: 'lead',
      CONTENT_MONITOR_AFTER: '1s,2s',
    });
    world = running.world;
  });
  after(async () => running?.stop());

  it('auto-approves low-risk content, publishes it once, collects metrics and keeps an audit trail', async () => {
    const { contentId, workflowId } = await submitContent(world.infra, alice, {
      title: 'Spring collection',
      body: uniqueText('A calm note about the spring collection'),
      platforms: ['feed'],
    });
    const result = await world.infra.temporal.workflow.getHandle(workflowId).result();
    assert.equal(result.status, 'approved');
    assert.deepEqual(
      result.publications.map((p: { platform: string; status: string }) => [p.platform, p.status]),
      [['feed', 'published']],
    );

    const content = await getContent(world.infra, alice, contentId);
    assert.equal(content.risk?.route, 'auto');
    assert.equal(content.stage, 'completed');
    const { rows: metrics } = await world.infra.pg.query(
      'SELECT platform, checkpoint FROM content_metrics WHERE tenant_id = $1 AND content_id = $2 ORDER BY checkpoint',
      [tenant, contentId],
    );
    assert.deepEqual(
      metrics.map((m) => `${m.platform}@${m.checkpoint}`),
      ['feed@1s', 'feed@2s'],
    );
    const { rows: posts } = await world.infra.pg.query(
      'SELECT count(*)::int AS n FROM content_publications WHERE tenant_id = $1 AND content_id = $2',
      [tenant, contentId],
    );
    assert.equal(posts[0].n, 1);

    const audit = await auditTrail(world.infra, alice, contentId);
    const actions = audit.map((event) => event.action);
    for (const expected of [
      'content.submitted',
      'checks.started',
      'review.auto-approved',
      'publish.started',
      'publish.succeeded',
      'monitoring.started',
      'content.completed',
    ]) {
      assert.ok(actions.includes(expected), `audit has ${expected}: ${actions.join(', ')}`);
    }
    const approval = audit.find((event) => event.action === 'review.auto-approved')!;
    assert.equal(approval.actor, 'system:risk-policy');
    assert.equal(approval.promptVersion, 'styleCheck@1', 'the check that routed it is named with its prompt version');
  });

  it('routes a flagged text to one reviewer; the validator refuses self-review, wrong role and late decisions without touching history', async () => {
    const { contentId } = await submitContent(world.infra, alice, {
      title: 'Guaranteed comfort',
      body: `${uniqueText('Comfort is guaranteed')} Comfort guaranteed.`,
      platforms: ['feed'],
    });
    const pending = await waitForStatus(world, alice, contentId, 'pending');
    assert.equal(pending.risk?.route, 'one-reviewer');
    assert.ok(
      pending.risk.reasons.some((reason: string) => reason.includes('guaranteed')),
      pending.risk.reasons.join('; '),
    );
    assert.ok(['bob', 'carol'].includes(pending.assignee!), `assigned to ${pending.assignee}`);
    assert.ok(pending.dueAt, 'has a due time');

    // The inbox is a visibility query over search attributes.
    const inbox = await eventually(
      async () => {
        const items = await reviewInbox(world.infra, bob, { status: 'pending' });
        return items.find((item) => item.contentId === contentId);
      },
      15_000,
      'inbox entry',
    );
    assert.equal(inbox.assignee, pending.assignee);
    assert.equal(inbox.title, 'Guaranteed comfort');
    assert.ok(inbox.riskScore! > 0.2);
    assert.equal(inbox.dueAt, pending.dueAt);
    assert.equal(
      (await reviewInbox(world.infra, mallory, { status: 'pending' })).find((item) => item.contentId === contentId),
      undefined,
      'tenants see only their own inbox',
    );

    assert.equal(
      await refusal(reviewContent(world.infra, { ...alice, roles: ['editor', 'reviewer'] }, contentId, { decision: 'approve' })),
      'SelfReview',
    );
    assert.equal(
      await refusal(
        reviewContent(world.infra, { userId: 'dave', tenantId: tenant, roles: ['editor'] }, contentId, { decision: 'approve' }),
      ),
      'NotAReviewer',
    );
    assert.equal(await refusal(reviewContent(world.infra, bob, contentId, { decision: 'reject' })), 'CommentRequired');
    await assert.rejects(reviewContent(world.infra, mallory, contentId, { decision: 'approve' }), /no content/);
    assert.deepEqual(await updateEvents(world, alice, contentId), { accepted: 0, completed: 0 }, 'refused updates leave no events');

    const outcome = await reviewContent(world.infra, bob, contentId, { decision: 'approve', comment: 'fine' });
    assert.deepEqual(outcome, { status: 'approved', approvals: 1, requiredApprovals: 1 });
    assert.equal(await refusal(reviewContent(world.infra, carol, contentId, { decision: 'reject', comment: 'too late' })), 'ReviewClosed');
    assert.deepEqual(await updateEvents(world, alice, contentId), { accepted: 1, completed: 1 });

    const published = await waitForStatus(world, alice, contentId, 'approved');
    await eventually(
      async () => ((await getContent(world.infra, alice, contentId)).publications[0]?.status === 'published' ? true : undefined),
      30_000,
      'published',
    );
    assert.equal(published.decisions[0]!.reviewer, 'bob');
  });

  it('needs two different reviewers for high-risk content', async () => {
    const { contentId } = await submitContent(world.infra, alice, {
      title: 'A miracle cure for dry skin',
      body: `${uniqueText('This miracle cure')} It is a miracle cure.`,
      platforms: ['feed'],
    });
    const pending = await waitForStatus(world, alice, contentId, 'pending');
    assert.equal(pending.risk?.route, 'two-reviewers');
    assert.deepEqual(await reviewContent(world.infra, bob, contentId, { decision: 'approve', comment: 'ok by me' }), {
      status: 'pending',
      approvals: 1,
      requiredApprovals: 2,
    });
    assert.equal(await refusal(reviewContent(world.infra, bob, contentId, { decision: 'approve' })), 'SameReviewerTwice');
    const second = await getContent(world.infra, alice, contentId);
    assert.equal(second.assignee, 'carol', 'the second approval is assigned to the other reviewer');
    assert.deepEqual(await reviewContent(world.infra, carol, contentId, { decision: 'approve' }), {
      status: 'approved',
      approvals: 2,
      requiredApprovals: 2,
    });
    assert.deepEqual(await updateEvents(world, alice, contentId), { accepted: 2, completed: 2 });
  });

  it('request changes → the author revises → checks re-run → approve; revisions are kept', async () => {
    const { contentId } = await submitContent(world.infra, alice, {
      title: 'Guaranteed softness',
      body: `${uniqueText('Softness guaranteed')} Guaranteed.`,
      platforms: ['feed'],
    });
    await waitForStatus(world, alice, contentId, 'pending');
    const changes = await reviewContent(world.infra, bob, contentId, { decision: 'request-changes', comment: 'drop the absolute claim' });
    assert.equal(changes.status, 'changes-requested');
    assert.equal(await refusal(reviewContent(world.infra, carol, contentId, { decision: 'approve' })), 'NotAwaitingReview');
    assert.equal(await refusal(reviseContent(world.infra, bob, contentId, { title: 'x', body: 'y' })), 'NotTheAuthor');

    const revised = await reviseContent(world.infra, alice, contentId, {
      title: 'Softness you can feel',
      body: `${uniqueText('Softness, carefully described')} Claims toned down. Absolutely certain!`,
      comment: 'toned down',
    });
    assert.equal(revised.revision, 2);
    assert.equal(revised.status, 'checking', 'answered once recorded; the checks follow');
    const rechecked = await eventually(
      async () => {
        const content = await getContent(world.infra, alice, contentId);
        return content.status !== 'checking' && content.revision === 2 ? content : undefined;
      },
      30_000,
      'revision 2 checked',
    );
    assert.ok(['pending', 'approved'].includes(rechecked.status), rechecked.status);
    assert.ok(!rechecked.risk!.reasons.some((reason: string) => reason.includes('guaranteed')), 'the re-check sees the new text');

    // The live status leads the stored record by one write: wait for the checks to be stored.
    const revisions = await eventually(
      async () => {
        const stored = await listRevisions(world.infra, alice, contentId);
        return stored[1]?.checks ? stored : undefined;
      },
      15_000,
      'checks stored with revision 2',
    );
    assert.deepEqual(
      revisions.map((r) => [r.revision, r.title]),
      [
        [1, 'Guaranteed softness'],
        [2, 'Softness you can feel'],
      ],
    );
    const audit = await auditTrail(world.infra, alice, contentId);
    assert.equal(audit.filter((event) => event.action === 'checks.started').length, 2, 'checks ran for both revisions');
    assert.ok(
      audit.some(
        (event) => event.action === 'review.request-changes' && event.actor === 'bob' && event.detail.comment === 'drop the absolute claim',
      ),
    );
  });

  it('a revision is answered once recorded (202), while its LLM check is still running; progress follows', async () => {
    const { contentId } = await submitContent(world.infra, alice, {
      title: 'Guaranteed warmth',
      body: `${uniqueText('Warmth guaranteed')} Guaranteed.`,
      platforms: ['feed'],
    });
    await waitForStatus(world, alice, contentId, 'pending');
    await reviewContent(world.infra, bob, contentId, { decision: 'request-changes', comment: 'tone it down' });

    // The style check of the revision hangs in the model until released: the answer must not wait for it.
    let release!: () => void;
    const verdict = JSON.stringify({ score: 0.95, issues: [] });
    running.llm.script([{ content: verdict, holdUntil: new Promise<void>((resolve) => (release = resolve)) }], { content: verdict });
    try {
      const token = await tokenFor(world.config, { sub: alice.userId, tenant, roles: ['editor'] });
      const answer = await http(
        world.baseUrl,
        'POST',
        `/v1/content/${contentId}/revisions`,
        { title: 'Warmth, described', body: uniqueText('Warmth, carefully described') },
        bearer(token),
      );
      assert.equal(answer.status, 202, answer.text);
      assert.equal(answer.headers.get('location'), `/v1/content/${contentId}`);
      assert.deepEqual([answer.json.contentId, answer.json.revision, answer.json.status], [contentId, 2, 'checking']);
      await eventually(
        () => Promise.resolve(running.llm.requests.some((r) => r.path.endsWith('/chat/completions')) ? true : undefined),
        30_000,
        'the style check to reach the model',
      );
      assert.equal((await getContent(world.infra, alice, contentId)).status, 'checking', 'still checking while the model holds the answer');
    } finally {
      release();
    }
    // Progress follows: the checks finish and route revision 2 (the toned-down text is approved at once).
    const checked = await eventually(
      async () => {
        const content = await getContent(world.infra, alice, contentId);
        return content.status !== 'checking' ? content : undefined;
      },
      30_000,
      'revision 2 checked',
    );
    assert.equal(checked.revision, 2);
    assert.ok(['pending', 'approved'].includes(checked.status), checked.status);
    assert.ok(checked.risk, 'the checks of revision 2 set its risk');
  });

  it('a rejection closes the content without publishing', async () => {
    const { contentId, workflowId } = await submitContent(world.infra, alice, {
      title: 'Guaranteed bargain',
      body: `${uniqueText('Bargain guaranteed')} Guaranteed!`,
      platforms: ['feed'],
    });
    await waitForStatus(world, alice, contentId, 'pending');
    assert.equal((await reviewContent(world.infra, carol, contentId, { decision: 'reject', comment: 'off-brand' })).status, 'rejected');
    const result = await world.infra.temporal.workflow.getHandle(workflowId).result();
    assert.equal(result.status, 'rejected');
    const { rows } = await world.infra.pg.query(
      'SELECT count(*)::int AS n FROM content_publications WHERE tenant_id = $1 AND content_id = $2',
      [tenant, contentId],
    );
    assert.equal(rows[0].n, 0);
    const { rows: stored } = await world.infra.pg.query(
      'SELECT status, stage FROM content_items WHERE tenant_id = $1 AND content_id = $2',
      [tenant, contentId],
    );
    assert.deepEqual(stored[0], { status: 'rejected', stage: 'closed' });
  });

  it('a reviewer moves the deadline through the Update; its validator refuses the author and an earlier time', async () => {
    const { contentId } = await submitContent(world.infra, alice, {
      title: 'Guaranteed patience',
      body: `${uniqueText('Guaranteed patience')} Guaranteed.`,
      platforms: ['feed'],
    });
    const pending = await waitForStatus(world, alice, contentId, 'pending');
    const later = new Date(Date.parse(pending.dueAt!) + 60_000).toISOString();
    assert.equal(await refusal(extendReviewDeadline(world.infra, alice, contentId, { dueAt: later, reason: 'busy' })), 'NotAReviewer');
    assert.equal(
      await refusal(extendReviewDeadline(world.infra, bob, contentId, { dueAt: pending.dueAt!, reason: 'same' })),
      'InvalidDeadline',
    );
    assert.deepEqual(await extendReviewDeadline(world.infra, bob, contentId, { dueAt: later, reason: 'need legal input' }), {
      dueAt: later,
    });
    assert.equal((await getContent(world.infra, alice, contentId)).dueAt, later);
    const audit = await auditTrail(world.infra, alice, contentId);
    assert.deepEqual(audit.find((event) => event.action === 'review.deadline-extended')?.detail, {
      from: pending.dueAt,
      to: later,
      reason: 'need legal input',
    });
  });

  it('flags a near-duplicate of already published content', async () => {
    const body = uniqueText('Duplicate detection sample about hand-thrown ceramic mugs glazed in deep blue');
    const first = await submitContent(world.infra, alice, { title: 'Ceramic mugs', body, platforms: ['feed'] });
    await world.infra.temporal.workflow.getHandle(first.workflowId).result();
    const copy = await submitContent(world.infra, alice, { title: 'Ceramic mugs', body, platforms: ['feed'] });
    const pending = await waitForStatus(world, alice, copy.contentId, 'pending');
    assert.ok(pending.checks!.duplicate.score >= 0.92, `similarity ${pending.checks!.duplicate.score}`);
    assert.equal(pending.checks!.duplicate.nearest?.contentId, first.contentId);
    assert.ok(pending.risk!.reasons.some((reason: string) => reason.startsWith('near-duplicate')));
  });
});

describe('content drafted by the local LLM', () => {
  let world: World;

  before(async () => {
    world = await startWorld({ CONTENT_REVIEWERS: 'bob', CONTENT_MONITOR_AFTER: '1s' });
  });
  after(async () => {
    await world?.stop();
  });

  it('drafts revision 1 with the model, labels it AI-generated, and audits model and prompt version', async () => {
    const { contentId } = await draftContent(world.infra, alice, {
      brief: 'Announce our new linen bath towels: soft, quick-drying, made in Portugal.',
      tone: 'friendly',
      maxWords: 80,
      platforms: ['feed'],
    });
    const routed = await eventually(
      async () => {
        const content = await getContent(world.infra, alice, contentId);
        return ['pending', 'approved', 'failed'].includes(content.status) ? content : undefined;
      },
      120_000,
      'drafted content to be routed',
    );
    assert.notEqual(routed.status, 'failed', 'the draft and its checks completed');
    assert.equal(routed.aiGenerated, true);
    assert.ok(routed.risk!.reasons.includes('AI-generated text'), routed.risk!.reasons.join('; '));
    assert.ok(routed.body.length > 0 && routed.title.length > 0);

    const [revision] = await listRevisions(world.infra, alice, contentId);
    assert.equal(revision!.revision, 1);
    assert.equal(revision!.ai?.promptVersion, 'draft@1');
    assert.equal(revision!.ai?.model, world.config.LLM_MODELS.default);
    const audit = await auditTrail(world.infra, alice, contentId);
    const drafted = audit.find((event) => event.action === 'draft.generated')!;
    assert.equal(drafted.actor, `model:${world.config.LLM_MODELS.default}`);
    assert.equal(drafted.promptVersion, 'draft@1');
    const { rows: calls } = await world.infra.pg.query(
      `SELECT task FROM llm_calls WHERE workflow_id = $1 AND status = 'ok' ORDER BY created_at`,
      [contentWorkflowId(tenant, contentId)],
    );
    assert.ok(
      calls.some((call) => call.task === 'draft'),
      'the draft call is in the LLM audit',
    );
  });
});
