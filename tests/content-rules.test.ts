// The review rules as pure functions: state + request → refusal or effect, the next SLA event
// and the expiry outcome. No Temporal, no stores.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContentSnapshot, Reviewer, ReviewPolicy } from '../src/content/model';
import { applyReview, atExpiry, nextSlaEvent, refuseExtension, refuseReview, refuseRevision } from '../src/content/review-rules';

const HOUR = 3_600_000;
const now = Date.parse('2026-03-02T10:00:00Z');
const author: Reviewer = { userId: 'alice', tenantId: 't1', roles: ['editor'] };
const bob: Reviewer = { userId: 'bob', tenantId: 't1', roles: ['reviewer'] };
const carol: Reviewer = { userId: 'carol', tenantId: 't1', roles: ['reviewer'] };

function content(overrides: Partial<ContentSnapshot> = {}): ContentSnapshot {
  return {
    contentId: 'c1',
    tenantId: 't1',
    authorId: 'alice',
    status: 'pending',
    stage: 'review',
    revision: 1,
    title: 'T',
    aiGenerated: false,
    approvals: [],
    decisions: [],
    reminded: false,
    escalated: false,
    publications: [],
    metricsCollected: [],
    dueAt: new Date(now + 24 * HOUR).toISOString(),
    risk: { score: 0.5, route: 'one-reviewer', requiredApprovals: 1, reasons: [] },
    ...overrides,
  };
}
const policy: Pick<ReviewPolicy, 'reminderAfterMs' | 'escalateAfterMs' | 'expireAfterMs' | 'expiryPolicy'> = {
  reminderAfterMs: 4 * HOUR,
  escalateAfterMs: 8 * HOUR,
  expireAfterMs: 24 * HOUR,
  expiryPolicy: 'expire',
};

describe('review rules: who may decide', () => {
  it('when a reviewer of the tenant decides on pending content, then nothing is refused', () => {
    assert.equal(refuseReview(content(), { reviewer: bob, decision: 'approve' }, now), undefined);
  });

  it('when the caller is of another tenant, not a reviewer, or the author, then the refusal names why', () => {
    const cases: [Reviewer, string][] = [
      [{ ...bob, tenantId: 't2' }, 'WrongTenant'],
      [{ ...bob, roles: ['editor'] }, 'NotAReviewer'],
      [{ ...author, roles: ['editor', 'reviewer'] }, 'SelfReview'],
    ];
    for (const [reviewer, type] of cases) assert.equal(refuseReview(content(), { reviewer, decision: 'approve' }, now)?.type, type);
  });

  it('when the deadline has passed or the content is decided, then the review is expired or closed', () => {
    assert.equal(refuseReview(content(), { reviewer: bob, decision: 'approve' }, now + 25 * HOUR)?.type, 'ReviewExpired');
    assert.equal(refuseReview(content({ status: 'approved' }), { reviewer: bob, decision: 'approve' }, now)?.type, 'ReviewClosed');
    assert.equal(
      refuseReview(content({ status: 'changes-requested' }), { reviewer: bob, decision: 'approve' }, now)?.type,
      'NotAwaitingReview',
    );
  });

  it('when the same reviewer approves twice, or rejects without a comment, then it is refused', () => {
    assert.equal(refuseReview(content({ approvals: ['bob'] }), { reviewer: bob, decision: 'approve' }, now)?.type, 'SameReviewerTwice');
    assert.equal(refuseReview(content(), { reviewer: bob, decision: 'reject', comment: '  ' }, now)?.type, 'CommentRequired');
  });
});

describe('review rules: what a decision does', () => {
  const context = { assignees: ['bob', 'carol'], escalateTo: 'lead' };

  it('when one approval is needed, then an approval approves and clears the assignee', () => {
    const effect = applyReview(content(), { reviewer: bob, decision: 'approve' }, context);
    assert.deepEqual([effect.status, effect.assignee, effect.approvals, effect.action], ['approved', undefined, ['bob'], 'review.approve']);
  });

  it('when two approvals are needed, then the first hands over to a reviewer who has not approved, the second approves', () => {
    const twoReviewers = content({ risk: { score: 0.8, route: 'two-reviewers', requiredApprovals: 2, reasons: [] } });
    const first = applyReview(twoReviewers, { reviewer: bob, decision: 'approve' }, context);
    assert.deepEqual([first.status, first.assignee, first.approvals], ['pending', 'carol', ['bob']]);
    const second = applyReview({ ...twoReviewers, approvals: first.approvals }, { reviewer: carol, decision: 'approve' }, context);
    assert.deepEqual([second.status, second.approvals], ['approved', ['bob', 'carol']]);
    const noOneLeft = applyReview(twoReviewers, { reviewer: bob, decision: 'approve' }, { assignees: ['bob'], escalateTo: 'lead' });
    assert.equal(noOneLeft.assignee, 'lead', 'the escalation contact when the pool has no one else');
  });

  it('when changes are requested, then the author is assigned and approvals are cleared; a reject closes', () => {
    const changes = applyReview(content({ approvals: ['carol'] }), { reviewer: bob, decision: 'request-changes', comment: 'fix' }, context);
    assert.deepEqual([changes.status, changes.assignee, changes.approvals], ['changes-requested', 'alice', []]);
    assert.equal(applyReview(content(), { reviewer: bob, decision: 'reject', comment: 'no' }, context).status, 'rejected');
  });
});

describe('review rules: revisions and deadline extensions', () => {
  it('when someone else than the author revises, or checks are running, then it is refused', () => {
    const request = { author, title: 'New', bodyKey: 'k' };
    assert.equal(refuseRevision(content({ status: 'changes-requested' }), request, now), undefined);
    assert.equal(refuseRevision(content(), { ...request, author: { ...bob, roles: ['editor'] } }, now)?.type, 'NotTheAuthor');
    assert.equal(refuseRevision(content(), { ...request, author: { ...bob, roles: ['admin'] } }, now), undefined, 'an admin may');
    assert.equal(refuseRevision(content({ status: 'checking' }), request, now)?.type, 'ChecksRunning');
    assert.equal(refuseRevision(content({ status: 'rejected' }), request, now)?.type, 'ReviewClosed');
  });

  it('when a deadline is moved, then it must be later and come with a reason', () => {
    const later = new Date(now + 48 * HOUR).toISOString();
    assert.equal(refuseExtension(content(), { actor: bob, dueAt: later, reason: 'holiday' }, now), undefined);
    assert.equal(refuseExtension(content(), { actor: bob, dueAt: new Date(now).toISOString(), reason: 'x' }, now)?.type, 'InvalidDeadline');
    assert.equal(refuseExtension(content(), { actor: bob, dueAt: later, reason: ' ' }, now)?.type, 'CommentRequired');
    assert.equal(refuseExtension(content(), { actor: author, dueAt: later, reason: 'x' }, now)?.type, 'NotAReviewer');
    assert.equal(refuseExtension(content({ dueAt: undefined }), { actor: bob, dueAt: later, reason: 'x' }, now)?.type, 'NotAwaitingReview');
  });
});

describe('review rules: the SLA', () => {
  it('when review starts, then reminder, escalation and expiry come in that order, each once', () => {
    const state = content();
    assert.deepEqual(nextSlaEvent(state, policy, now), { at: now + 4 * HOUR, what: 'reminder' });
    assert.deepEqual(nextSlaEvent({ ...state, reminded: true }, policy, now), { at: now + 8 * HOUR, what: 'escalation' });
    assert.deepEqual(nextSlaEvent({ ...state, reminded: true, escalated: true }, policy, now), { at: now + 24 * HOUR, what: 'expiry' });
  });

  it('when the author holds the content (changes requested), then only the expiry counts; an extension moves it', () => {
    assert.equal(nextSlaEvent(content({ status: 'changes-requested' }), policy, now).what, 'expiry');
    const extended = new Date(now + 72 * HOUR).toISOString();
    assert.deepEqual(nextSlaEvent(content({ reminded: true, escalated: true, dueAt: extended }), policy, now), {
      at: now + 72 * HOUR,
      what: 'expiry',
    });
  });

  it('at expiry: auto-approve only under that policy and for a single-reviewer route still pending', () => {
    assert.equal(atExpiry(content(), policy), 'expire');
    assert.equal(atExpiry(content(), { expiryPolicy: 'auto-approve' }), 'auto-approve');
    assert.equal(
      atExpiry(content({ risk: { score: 0.9, route: 'two-reviewers', requiredApprovals: 2, reasons: [] } }), {
        expiryPolicy: 'auto-approve',
      }),
      'expire',
    );
    assert.equal(atExpiry(content({ status: 'changes-requested' }), { expiryPolicy: 'auto-approve' }), 'expire');
  });
});
