// One piece of content from submission (or LLM draft) to publication and monitoring:
// checks → risk route → human review (Updates, SLA timers) → scheduled publish to every
// platform in parallel → metrics at +1 h / +24 h / +7 d. Texts live in PostgreSQL; the
// workflow holds ids, statuses and small check results only.
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ContentReviewActivities } from '../activities/content-review';
import type { ContentPublishActivities, PublishResult } from '../activities/content-publish';
import type { NotificationEvent } from '../notifications/types';
import {
  FINAL_REVIEW_STATUSES,
  assessRisk,
  assignReviewers,
  type AiRef,
  type CheckResults,
  type ContentEvent,
  type ContentSnapshot,
  type DeadlineExtension,
  type ReviewOutcome,
  type ReviewPolicy,
  type ReviewRequest,
  type ReviewStatus,
  type RefusalType,
  type Reviewer,
  type RevisionOutcome,
  type RevisionRequest,
} from '../content/model';
import type { Platform } from '../publishing/adapter';
import { SearchAttr } from '../temporal/search-attributes';
import { httpFetch, llmCall, localWork, platformPublish, storeWrite } from './activity-presets';
import { installBudgetPause } from './llm-budget';
import { taskQueueFor } from './task-queue';

export interface ContentReviewInput {
  tenantId: string;
  contentId: string;
  authorId: string;
  locale: string;
  platforms: Platform[];
  /** ISO time; publishing waits for it on a durable timer. */
  publishAt?: string;
  productRefs?: string[];
  submission: { kind: 'text'; title: string; bodyKey: string } | { kind: 'brief'; brief?: string; productId?: string; tone: string; maxWords: number };
  policy: ReviewPolicy;
}

export interface ContentReviewResult {
  contentId: string;
  status: ReviewStatus;
  revision: number;
  publications: ContentSnapshot['publications'];
}

export const contentWorkflowId = (tenantId: string, contentId: string) => `content/${tenantId}/${contentId}`;

export const contentStatusQuery = defineQuery<ContentSnapshot>('status');
export const reviewUpdate = defineUpdate<ReviewOutcome, [ReviewRequest]>('review');
export const reviseUpdate = defineUpdate<RevisionOutcome, [RevisionRequest]>('revise');
export const extendDeadlineUpdate = defineUpdate<{ dueAt: string }, [DeadlineExtension]>('extendDeadline');

const refuse = (type: RefusalType, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });
const isReviewerRole = (who: Reviewer) => who.roles.includes('reviewer') || who.roles.includes('admin');
const failureOf = (error: unknown) => {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return { type: cause instanceof ApplicationFailure ? (cause.type ?? 'Error') : 'Error', message: cause instanceof Error ? cause.message : String(cause) };
};

export async function contentReviewWorkflow(input: ContentReviewInput): Promise<ContentReviewResult> {
  const { tenantId, contentId, authorId, policy } = input;
  const review = proxyActivities<ContentReviewActivities>(storeWrite);
  // A person waits on the answer to an Update: its writes go to the high-priority queue, so they
  // do not queue behind publishing and indexing work.
  const interactive = proxyActivities<ContentReviewActivities>({ ...storeWrite, taskQueue: taskQueueFor('high') });
  const checks = proxyActivities<ContentReviewActivities>(localWork);
  const llm = proxyActivities<ContentReviewActivities>({ ...llmCall, taskQueue: taskQueueFor('llm') });
  const publishing = proxyActivities<ContentPublishActivities>(platformPublish);
  const publishStore = proxyActivities<ContentPublishActivities>(storeWrite);
  const monitoring = proxyActivities<ContentPublishActivities>(httpFetch);
  const budget = installBudgetPause();

  const state: ContentSnapshot = {
    contentId,
    tenantId,
    authorId,
    status: input.submission.kind === 'brief' ? 'drafting' : 'checking',
    stage: 'review',
    revision: 0,
    title: input.submission.kind === 'text' ? input.submission.title : '',
    aiGenerated: false,
    approvals: [],
    decisions: [],
    reminded: false,
    escalated: false,
    publishAt: input.publishAt,
    publications: input.platforms.map((platform) => ({ platform, status: 'waiting' })),
    metricsCollected: [],
  };
  let ai: AiRef | undefined;
  let sequence = 0;
  let notificationCount = 0;
  let reviewStartedAt: number | undefined;
  let assignees: string[] = [];
  /** Bumped whenever a handler changes something the SLA loop must look at again. */
  let slaVersion = 0;
  const outbox: NotificationEvent[] = [];
  let closing = false;

  setHandler(contentStatusQuery, () => ({ ...state, approvals: [...state.approvals], decisions: [...state.decisions] }));

  // ---- recording --------------------------------------------------------------------
  const sync = () => {
    // What the Temporal UI shows as the run's current details.
    setCurrentDetails(
      [`**${state.status}** · ${state.stage} · revision ${state.revision}`, state.assignee && `assignee ${state.assignee}`, state.dueAt && `due ${state.dueAt}`, state.risk && `risk ${state.risk.score} (${state.risk.route})`]
        .filter(Boolean)
        .join(' · '),
    );
    upsertSearchAttributes([
      { key: SearchAttr.ReviewStatus, value: state.status },
      { key: SearchAttr.Assignee, value: state.assignee ?? null },
      { key: SearchAttr.ReviewDueTime, value: state.dueAt ? new Date(state.dueAt) : null },
      { key: SearchAttr.RiskScore, value: state.risk?.score ?? null },
    ]);
  };

  async function transition(
    actor: string,
    action: string,
    to: Partial<Pick<ContentSnapshot, 'status' | 'stage'>>,
    extra: Partial<ContentEvent> = {},
    via: typeof review = review,
  ) {
    const from = state.status;
    Object.assign(state, to);
    sync();
    await via.recordContentEvent({
      tenantId,
      contentId,
      eventKey: `${workflowInfo().workflowId}#${++sequence}`,
      actor,
      action,
      fromStatus: from,
      toStatus: state.status,
      stage: state.stage,
      revision: state.revision,
      assignee: state.assignee ?? null,
      dueAt: state.dueAt ?? null,
      ...extra,
    });
  }

  const notify = (kind: NotificationEvent['kind'], recipients: string[], detail?: string) =>
    outbox.push({ kind, tenantId, contentId, recipients, dueAt: state.dueAt, detail, idempotencyKey: `${workflowInfo().workflowId}#notify-${++notificationCount}-${kind}` });

  /** Notifications go out in the background so that a slow webhook never delays a review. */
  async function deliverNotifications() {
    for (;;) {
      await condition(() => outbox.length > 0 || closing);
      const next = outbox.shift();
      if (!next) return;
      try {
        await publishStore.notify(next);
      } catch {
        // Retries are spent: a lost notification must not fail the content; the audit trail has the event.
      }
    }
  }
  const delivering = deliverNotifications();

  // ---- checks and routing --------------------------------------------------------------
  async function checkAndRoute(actor: string) {
    await transition(actor, 'checks.started', { status: 'checking' });
    const ref = { tenantId, contentId, revision: state.revision };
    const [style, sensitive, duplicate] = await Promise.all([
      budget.run(() => llm.checkStyle(ref)),
      checks.checkSensitiveWords(ref),
      checks.checkDuplicate(ref),
    ]);
    const results: CheckResults = { style, sensitive, duplicate };
    const risk = assessRisk(results, state.aiGenerated, policy);
    state.checks = results;
    state.risk = risk;
    state.approvals = [];
    if (risk.route === 'auto') {
      state.assignee = undefined;
      await transition('system:risk-policy', 'review.auto-approved', { status: 'approved' }, { checks: results, risk });
      return;
    }
    if (reviewStartedAt === undefined) {
      reviewStartedAt = Date.now();
      state.dueAt = new Date(reviewStartedAt + policy.expireAfterMs).toISOString();
    }
    assignees = assignReviewers(contentId, policy.reviewers.filter((id) => id !== authorId), risk.requiredApprovals);
    if (state.escalated) assignees = [policy.escalateTo];
    state.assignee = assignees[0];
    await transition('system:checks', 'review.routed', { status: 'pending' }, { checks: results, risk, detail: { route: risk.route, assignees } });
    notify('review-assigned', assignees.length ? assignees : ['reviewers'], `${risk.route}, risk ${risk.score}`);
    slaVersion++;
  }

  // ---- human review (Updates) ------------------------------------------------------------
  const closedRefusal = (): ApplicationFailure | undefined => {
    if (state.status === 'expired' || (state.dueAt && Date.now() >= Date.parse(state.dueAt) && !FINAL_REVIEW_STATUSES.includes(state.status))) {
      return refuse('ReviewExpired', `the review deadline ${state.dueAt} has passed`);
    }
    if (FINAL_REVIEW_STATUSES.includes(state.status)) return refuse('ReviewClosed', `the review is closed: content is ${state.status}`);
    return undefined;
  };

  setHandler(
    reviewUpdate,
    async ({ reviewer, decision, comment }) => {
      state.decisions.push({ reviewer: reviewer.userId, decision, comment, revision: state.revision, at: new Date().toISOString() });
      if (decision === 'approve') state.approvals.push(reviewer.userId);
      const required = state.risk?.requiredApprovals ?? 1;
      const action = `review.${decision}`;
      if (decision === 'reject') {
        state.assignee = undefined;
        await transition(reviewer.userId, action, { status: 'rejected' }, { detail: { comment } }, interactive);
      } else if (decision === 'request-changes') {
        state.approvals = [];
        state.assignee = authorId;
        await transition(reviewer.userId, action, { status: 'changes-requested' }, { detail: { comment } }, interactive);
      } else if (state.approvals.length >= required) {
        state.assignee = undefined;
        await transition(reviewer.userId, action, { status: 'approved' }, { detail: { comment, approvals: state.approvals } }, interactive);
      } else {
        // The second approval must come from someone else: hand it to the next reviewer.
        state.assignee = assignees.find((id) => !state.approvals.includes(id)) ?? policy.escalateTo;
        await transition(reviewer.userId, action, { status: 'pending' }, { detail: { comment, approvals: state.approvals } }, interactive);
      }
      notify('review-decided', [authorId], `${decision} by ${reviewer.userId}${comment ? `: ${comment}` : ''}`);
      slaVersion++;
      return { status: state.status, approvals: state.approvals.length, requiredApprovals: required };
    },
    {
      validator: ({ reviewer, decision, comment }: ReviewRequest) => {
        if (reviewer.tenantId !== tenantId) throw refuse('WrongTenant', 'the reviewer belongs to another tenant');
        if (!isReviewerRole(reviewer)) throw refuse('NotAReviewer', 'only reviewers and admins can review content');
        if (reviewer.userId === authorId) throw refuse('SelfReview', 'authors cannot review their own content');
        const closed = closedRefusal();
        if (closed) throw closed;
        if (state.status !== 'pending') throw refuse('NotAwaitingReview', `content is ${state.status}, not pending review`);
        if (state.approvals.includes(reviewer.userId)) {
          throw refuse('SameReviewerTwice', `${reviewer.userId} has already approved; the second approval must come from a different reviewer`);
        }
        if (decision !== 'approve' && !comment?.trim()) throw refuse('CommentRequired', `a ${decision} needs a comment for the author`);
      },
    },
  );

  setHandler(
    reviseUpdate,
    async ({ author, title, bodyKey, comment }) => {
      const previous = state.status;
      const revision = state.revision + 1;
      // Claim the content at once: a concurrent revision or review is refused until checks finish.
      state.status = 'checking';
      try {
        await interactive.recordRevision({ tenantId, contentId, revision, title, bodyKey, authorId: author.userId, comment });
      } catch (error) {
        state.status = previous;
        throw error;
      }
      state.revision = revision;
      state.title = title;
      await transition(author.userId, 'revision.submitted', {}, { detail: { comment } }, interactive);
      await checkAndRoute(author.userId);
      return { revision: state.revision, status: state.status, risk: state.risk };
    },
    {
      validator: ({ author, title }: RevisionRequest) => {
        if (author.tenantId !== tenantId) throw refuse('WrongTenant', 'the author belongs to another tenant');
        if (author.userId !== authorId && !author.roles.includes('admin')) throw refuse('NotTheAuthor', 'only the author (or an admin) can revise this content');
        const closed = closedRefusal();
        if (closed) throw closed;
        if (state.status === 'checking' || state.status === 'drafting') throw refuse('ChecksRunning', 'the previous revision is still being checked');
        if (!title.trim()) throw refuse('CommentRequired', 'a revision needs a title');
      },
    },
  );

  setHandler(
    extendDeadlineUpdate,
    async ({ actor, dueAt, reason }) => {
      const previous = state.dueAt;
      state.dueAt = new Date(Date.parse(dueAt)).toISOString();
      await transition(actor.userId, 'review.deadline-extended', {}, { detail: { from: previous, to: state.dueAt, reason } }, interactive);
      slaVersion++;
      return { dueAt: state.dueAt };
    },
    {
      validator: ({ actor, dueAt, reason }: DeadlineExtension) => {
        if (actor.tenantId !== tenantId) throw refuse('WrongTenant', 'another tenant');
        if (!isReviewerRole(actor)) throw refuse('NotAReviewer', 'only reviewers and admins can extend a review deadline');
        const closed = closedRefusal();
        if (closed) throw closed;
        if (!state.dueAt) throw refuse('NotAwaitingReview', 'content has no review deadline yet');
        const wanted = Date.parse(dueAt);
        if (!Number.isFinite(wanted) || wanted <= Date.parse(state.dueAt)) throw refuse('InvalidDeadline', `the new deadline must be later than ${state.dueAt}`);
        if (!reason.trim()) throw refuse('CommentRequired', 'an extension needs a reason');
      },
    },
  );

  // ---- the review phase ----------------------------------------------------------------
  upsertSearchAttributes([
    { key: SearchAttr.WorkflowKind, value: 'content-review' },
    { key: SearchAttr.BusinessId, value: contentId },
    { key: SearchAttr.ContentId, value: contentId },
    { key: SearchAttr.TenantId, value: tenantId },
    { key: SearchAttr.Platforms, value: input.platforms },
    { key: SearchAttr.ReviewStatus, value: state.status },
  ]);

  try {
    if (input.submission.kind === 'brief') {
      const { brief, productId, tone, maxWords } = input.submission;
      const draft = await budget.run(() => llm.draftContent({ tenantId, contentId, authorId, brief, productId, tone, maxWords }));
      ai = draft.ai;
      state.aiGenerated = true;
      state.title = draft.title;
      state.revision = 1;
      await transition(`model:${draft.ai.model}`, 'draft.generated', {}, { ai: draft.ai });
    } else {
      state.revision = 1;
      await review.recordRevision({ tenantId, contentId, revision: 1, title: input.submission.title, bodyKey: input.submission.bodyKey, authorId });
      await transition(authorId, 'content.submitted', {});
    }
    await checkAndRoute('system:checks');
  } catch (error) {
    const failure = failureOf(error);
    await transition('system', 'content.failed', { status: 'failed', stage: 'closed' }, { detail: failure });
    closing = true;
    await delivering;
    throw ApplicationFailure.nonRetryable(`content ${contentId} could not be prepared: ${failure.message}`, failure.type);
  }

  // SLA: reminder, escalation and expiry, measured from when review started; an extension moves expiry.
  while (!FINAL_REVIEW_STATUSES.includes(state.status)) {
    if (state.status === 'checking') {
      // A revision is being checked; SLA events wait until it is routed again.
      await condition(() => state.status !== 'checking');
      continue;
    }
    const now = Date.now();
    const started = reviewStartedAt ?? now;
    const due = state.dueAt ? Date.parse(state.dueAt) : started + policy.expireAfterMs;
    const upcoming = [
      !state.reminded && state.status === 'pending' ? { at: started + policy.reminderAfterMs, what: 'reminder' as const } : undefined,
      !state.escalated && state.status === 'pending' ? { at: started + policy.escalateAfterMs, what: 'escalation' as const } : undefined,
      { at: due, what: 'expiry' as const },
    ].filter((event) => event !== undefined);
    const next = upcoming.reduce((a, b) => (b.at < a.at ? b : a));
    const seen = slaVersion;
    const changed = await condition(() => slaVersion !== seen || FINAL_REVIEW_STATUSES.includes(state.status), Math.max(1, next.at - now));
    if (changed) continue;
    if (next.what === 'reminder') {
      state.reminded = true;
      await transition('system:sla', 'review.reminder', {});
      notify('review-reminder', state.assignee ? [state.assignee] : ['reviewers'], `due ${state.dueAt}`);
    } else if (next.what === 'escalation') {
      state.escalated = true;
      const previous = state.assignee;
      state.assignee = policy.escalateTo;
      assignees = [policy.escalateTo];
      await transition('system:sla', 'review.escalated', {}, { detail: { from: previous, to: policy.escalateTo } });
      notify('review-escalated', [policy.escalateTo, ...(previous ? [previous] : [])], `overdue since ${new Date(started + policy.reminderAfterMs).toISOString()}`);
    } else if (policy.expiryPolicy === 'auto-approve' && state.risk?.route === 'one-reviewer' && state.status === 'pending') {
      state.assignee = undefined;
      await transition('system:expiry-policy', 'review.auto-approved-at-expiry', { status: 'approved' });
    } else {
      state.assignee = undefined;
      await transition('system:sla', 'review.expired', { status: 'expired', stage: 'closed' });
      notify('review-expired', [authorId], `no decision by ${state.dueAt}`);
    }
  }
  await condition(allHandlersFinished);

  await review.recordReviewFeedback({
    tenantId,
    contentId,
    feedbackKey: `${tenantId}:${contentId}:review`,
    ai,
    signal: `review-${state.status}`,
    value: state.status === 'approved' ? 1 : 0,
    detail: { revisions: state.revision, decisions: state.decisions.length, route: state.risk?.route },
  });

  if (state.status === 'approved') {
    await review.indexContent({ tenantId, contentId, revision: state.revision, ai });
    await publishAndMonitor();
  } else if (state.stage !== 'closed') {
    await transition('system', 'content.closed', { stage: 'closed' });
  }

  closing = true;
  await delivering;
  return { contentId, status: state.status, revision: state.revision, publications: state.publications };

  // ---- publishing and monitoring -------------------------------------------------------
  async function publishAndMonitor() {
    const publishAt = input.publishAt ? Date.parse(input.publishAt) : 0;
    if (publishAt > Date.now()) {
      await transition('system', 'publish.scheduled', { stage: 'scheduled' }, { detail: { publishAt: input.publishAt } });
      await sleep(publishAt - Date.now());
    }
    await transition('system', 'publish.started', { stage: 'publishing' });
    const revision = state.revision;
    await Promise.all(
      state.publications.map(async (publication) => {
        const ref = { tenantId, contentId, platform: publication.platform, revision };
        try {
          const post: PublishResult = await publishing.publishToPlatform(ref);
          Object.assign(publication, { status: 'published', externalId: post.externalId, url: post.url });
          await transition('system', 'publish.succeeded', {}, { detail: { platform: publication.platform, externalId: post.externalId, url: post.url } });
        } catch (error) {
          const failure = failureOf(error);
          Object.assign(publication, { status: 'failed', error: failure });
          await publishStore.recordPublicationFailure({ ...ref, error: failure });
          await transition('system', 'publish.failed', {}, { detail: { platform: publication.platform, ...failure } });
          notify('publish-failed', [authorId], `${publication.platform}: ${failure.type}`);
        }
      }),
    );
    const published = state.publications.filter((p) => p.status === 'published');
    if (published.length === 0) {
      await transition('system', 'publish.all-failed', { stage: 'closed' });
      return;
    }
    notify('content-published', [authorId], published.map((p) => p.platform).join(', '));
    await transition('system', 'monitoring.started', { stage: 'monitoring' });
    const publishedAt = Date.now();
    for (const afterMs of [...policy.monitorAfterMs].sort((a, b) => a - b)) {
      await sleep(Math.max(1, publishedAt + afterMs - Date.now()));
      const collected = await monitoring.collectContentMetrics({ tenantId, contentId, afterMs });
      state.metricsCollected.push(collected.checkpoint);
    }
    await transition('system', 'content.completed', { stage: 'completed' });
  }
}
