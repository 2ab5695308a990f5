// The rules of human review, as pure functions of the content's state and a request: who may
// review, revise or extend, what a decision does, which SLA event is next and what expiry
// means. The workflow wires them to Updates and timers; the tests call them directly.
// Deterministic and I/O-free: the workflow imports this module.
import {
  FINAL_REVIEW_STATUSES,
  type ContentSnapshot,
  type DeadlineExtension,
  type RefusalType,
  type ReviewPolicy,
  type ReviewRequest,
  type ReviewStatus,
  type Reviewer,
  type RevisionRequest,
} from './model';

export interface Refusal {
  type: RefusalType;
  message: string;
}

type ReviewState = Pick<ContentSnapshot, 'tenantId' | 'authorId' | 'status' | 'dueAt' | 'approvals'>;

const refusal = (type: RefusalType, message: string): Refusal => ({ type, message });
export const isFinal = (status: ReviewStatus) => FINAL_REVIEW_STATUSES.includes(status);
const isReviewerRole = (who: Reviewer) => who.roles.includes('reviewer') || who.roles.includes('admin');

/** Nothing is accepted once the review is closed or its deadline has passed. */
function closedRefusal(state: ReviewState, now: number): Refusal | undefined {
  if (state.status === 'expired' || (state.dueAt && now >= Date.parse(state.dueAt) && !isFinal(state.status))) {
    return refusal('ReviewExpired', `the review deadline ${state.dueAt} has passed`);
  }
  if (isFinal(state.status)) return refusal('ReviewClosed', `the review is closed: content is ${state.status}`);
  return undefined;
}

/** May this reviewer decide now? (The Update validator: a refusal leaves no trace in history.) */
export function refuseReview(state: ReviewState, { reviewer, decision, comment }: ReviewRequest, now: number): Refusal | undefined {
  if (reviewer.tenantId !== state.tenantId) return refusal('WrongTenant', 'the reviewer belongs to another tenant');
  if (!isReviewerRole(reviewer)) return refusal('NotAReviewer', 'only reviewers and admins can review content');
  if (reviewer.userId === state.authorId) return refusal('SelfReview', 'authors cannot review their own content');
  const closed = closedRefusal(state, now);
  if (closed) return closed;
  if (state.status !== 'pending') return refusal('NotAwaitingReview', `content is ${state.status}, not pending review`);
  if (state.approvals.includes(reviewer.userId)) {
    return refusal('SameReviewerTwice', `${reviewer.userId} has already approved; the second approval must come from a different reviewer`);
  }
  if (decision !== 'approve' && !comment?.trim()) return refusal('CommentRequired', `a ${decision} needs a comment for the author`);
  return undefined;
}

/** May this person submit a new revision now? */
export function refuseRevision(state: ReviewState, { author, title }: RevisionRequest, now: number): Refusal | undefined {
  if (author.tenantId !== state.tenantId) return refusal('WrongTenant', 'the author belongs to another tenant');
  if (author.userId !== state.authorId && !author.roles.includes('admin'))
    return refusal('NotTheAuthor', 'only the author (or an admin) can revise this content');
  const closed = closedRefusal(state, now);
  if (closed) return closed;
  if (state.status === 'checking' || state.status === 'drafting')
    return refusal('ChecksRunning', 'the previous revision is still being checked');
  if (!title.trim()) return refusal('CommentRequired', 'a revision needs a title');
  return undefined;
}

/** May this reviewer move the deadline to the requested time? */
export function refuseExtension(state: ReviewState, { actor, dueAt, reason }: DeadlineExtension, now: number): Refusal | undefined {
  if (actor.tenantId !== state.tenantId) return refusal('WrongTenant', 'another tenant');
  if (!isReviewerRole(actor)) return refusal('NotAReviewer', 'only reviewers and admins can extend a review deadline');
  const closed = closedRefusal(state, now);
  if (closed) return closed;
  if (!state.dueAt) return refusal('NotAwaitingReview', 'content has no review deadline yet');
  const wanted = Date.parse(dueAt);
  if (!Number.isFinite(wanted) || wanted <= Date.parse(state.dueAt))
    return refusal('InvalidDeadline', `the new deadline must be later than ${state.dueAt}`);
  if (!reason.trim()) return refusal('CommentRequired', 'an extension needs a reason');
  return undefined;
}

export interface ReviewEffect {
  status: ReviewStatus;
  assignee: string | undefined;
  approvals: string[];
  /** Audit action, e.g. review.approve. */
  action: string;
  detail: Record<string, unknown>;
}

/**
 * What an accepted decision does. A reject closes; a change request goes back to the author and
 * clears approvals; an approval approves once enough distinct reviewers approved, otherwise the
 * next assignee (one who has not approved yet, else the escalation contact) is asked.
 */
export function applyReview(
  state: Pick<ContentSnapshot, 'authorId' | 'approvals' | 'risk'>,
  { reviewer, decision, comment }: ReviewRequest,
  context: { assignees: string[]; escalateTo: string },
): ReviewEffect {
  const action = `review.${decision}`;
  if (decision === 'reject') return { status: 'rejected', assignee: undefined, approvals: state.approvals, action, detail: { comment } };
  if (decision === 'request-changes')
    return { status: 'changes-requested', assignee: state.authorId, approvals: [], action, detail: { comment } };
  const approvals = [...state.approvals, reviewer.userId];
  const required = state.risk?.requiredApprovals ?? 1;
  if (approvals.length >= required) return { status: 'approved', assignee: undefined, approvals, action, detail: { comment, approvals } };
  const next = context.assignees.find((id) => !approvals.includes(id)) ?? context.escalateTo;
  return { status: 'pending', assignee: next, approvals, action, detail: { comment, approvals } };
}

export type SlaEventKind = 'reminder' | 'escalation' | 'expiry';

/**
 * The next SLA event, measured from when review started: a reminder and an escalation while the
 * content waits for a reviewer (each once), and the expiry at the (possibly extended) deadline.
 */
export function nextSlaEvent(
  state: Pick<ContentSnapshot, 'status' | 'dueAt' | 'reminded' | 'escalated'>,
  policy: Pick<ReviewPolicy, 'reminderAfterMs' | 'escalateAfterMs' | 'expireAfterMs'>,
  reviewStartedAt: number,
): { at: number; what: SlaEventKind } {
  const due = state.dueAt ? Date.parse(state.dueAt) : reviewStartedAt + policy.expireAfterMs;
  const upcoming = [
    !state.reminded && state.status === 'pending' ? { at: reviewStartedAt + policy.reminderAfterMs, what: 'reminder' as const } : undefined,
    !state.escalated && state.status === 'pending'
      ? { at: reviewStartedAt + policy.escalateAfterMs, what: 'escalation' as const }
      : undefined,
    { at: due, what: 'expiry' as const },
  ].filter((event) => event !== undefined);
  return upcoming.reduce((a, b) => (b.at < a.at ? b : a));
}

/** At the deadline: approve when the policy says so and a single reviewer was needed, else expire. */
export function atExpiry(
  state: Pick<ContentSnapshot, 'status' | 'risk'>,
  policy: Pick<ReviewPolicy, 'expiryPolicy'>,
): 'auto-approve' | 'expire' {
  return policy.expiryPolicy === 'auto-approve' && state.risk?.route === 'one-reviewer' && state.status === 'pending'
    ? 'auto-approve'
    : 'expire';
}
