// One piece of content from submission (or LLM draft) to publication and monitoring:
// checks → risk route → human review (Updates, SLA timers) → scheduled publish to every
// platform in parallel → metrics at +1 h / +24 h / +7 d. This file is wiring: the rules are in
// content/review-rules.ts (who may do what, what a decision does, the next SLA event), the
// recording in content-recording.ts, publishing in content-publishing.ts. Texts live in
// PostgreSQL; the workflow holds ids, statuses and small check results only.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { ContentReviewActivities } from '../activities/content-review';
import type { LearningActivities } from '../activities/learning';
import {
  assessRisk,
  assignReviewers,
  type AiRef,
  type CheckResults,
  type ContentSnapshot,
  type DeadlineExtension,
  type ReviewOutcome,
  type ReviewPolicy,
  type ReviewRequest,
  type ReviewStatus,
  type RevisionOutcome,
  type RevisionRequest,
} from '../content/model';
import { contentSubject } from '../learning/decision';
import {
  applyReview,
  atExpiry,
  isFinal,
  nextSlaEvent,
  refuseExtension,
  refuseReview,
  refuseRevision,
  type Refusal,
} from '../content/review-rules';
import type { Platform } from '../publishing/adapter';
import { SearchAttr } from '../temporal/search-attributes';
import { llmCall, localStoreWrite, localWork, storeWrite } from './activity-presets';
import { publishAndMonitor } from './content-publishing';
import { createContentRecorder } from './content-recording';
import { decisionRefOf } from './decision-ref';
import { failureOf } from './failures';
import { installBudgetPause } from './llm-budget';
import { taskQueueFor } from './task-queue';
import { UpdatableTimer } from './updatable-timer';

export interface ContentReviewInput {
  tenantId: string;
  contentId: string;
  authorId: string;
  locale: string;
  platforms: Platform[];
  /** ISO time; publishing waits for it on a durable timer. */
  publishAt?: string;
  productRefs?: string[];
  submission:
    | { kind: 'text'; title: string; bodyKey: string }
    | { kind: 'brief'; brief?: string; productId?: string; tone: string; maxWords: number };
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

/** A rolled-back prompt version wrote this draft: draft it again with production (from the experiment's redrive). */
export interface RedraftRequest {
  experimentId: string;
  fromVersion: string;
}
export const redraftSignal = defineSignal<[RedraftRequest]>('redraft');

/** Since this change a draft takes a learning-loop decision (version, model, temperature, priority) before the call. */
export const DRAFT_DECISION_PATCH = 'content-draft-decision';

/** Since this change a revision is answered once it is recorded; its checks follow in the workflow body. */
export const REVISION_ANSWERS_AT_ONCE = 'revision-answers-at-once';

/** Since this change the audit events are written by local activities (see below). */
export const LOCAL_CONTENT_EVENTS = 'content-events-local';

const throwIf = (refusal: Refusal | undefined) => {
  if (refusal) throw ApplicationFailure.create({ type: refusal.type, message: refusal.message, nonRetryable: true });
};

export async function contentReviewWorkflow(input: ContentReviewInput): Promise<ContentReviewResult> {
  const { tenantId, contentId, authorId, policy } = input;
  // Runs started before this change keep their activity tasks (their histories have them).
  const localEvents = patched(LOCAL_CONTENT_EVENTS);
  const review = proxyActivities<ContentReviewActivities>(storeWrite);
  // A person waits on the answer to an Update: its writes go to the high-priority queue, so they
  // do not queue behind publishing and indexing work.
  const interactive = proxyActivities<ContentReviewActivities>({ ...storeWrite, taskQueue: taskQueueFor('high') });
  // Audit events as local activities: a quick idempotent row, written in the workflow task that
  // decides it. An Update's effect is then written without an activity task round trip, and each
  // content costs the server fewer tasks (under a stream of approvals that publish, the Update
  // waited behind that work: p95 6.9× a no-op workflow's round trip; bench G6).
  const events = localEvents ? proxyLocalActivities<ContentReviewActivities>(localStoreWrite) : undefined;
  const eventsInUpdates = events ?? interactive;
  const checks = proxyActivities<ContentReviewActivities>(localWork);
  const llm = proxyActivities<ContentReviewActivities>({ ...llmCall, taskQueue: taskQueueFor('llm') });
  const learning = proxyActivities<LearningActivities>(storeWrite);
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
  let reviewStartedAt: number | undefined;
  let assignees: string[] = [];
  /** A revision recorded by the revise Update whose checks the body still has to run (its author). */
  let revisionToCheck: string | undefined;
  /** The revision the model drafted (the current one until a person revises it). */
  let draftedRevision: number | undefined;
  /** A redraft asked for by an experiment's redrive, once per experiment. */
  let redraft: RedraftRequest | undefined;
  const redrafts: string[] = [];
  const sla = new UpdatableTimer();

  setHandler(contentStatusQuery, () => ({ ...state, approvals: [...state.approvals], decisions: [...state.decisions] }));
  const recorder = createContentRecorder(state, events ?? review);
  const { transition, notify } = recorder;

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
    log.info('content checked', { contentId, revision: state.revision, risk: risk.score, route: risk.route });
    if (risk.route === 'auto') {
      state.assignee = undefined;
      await transition('system:risk-policy', 'review.auto-approved', { status: 'approved' }, { checks: results, risk });
      return;
    }
    if (reviewStartedAt === undefined) {
      reviewStartedAt = Date.now();
      state.dueAt = new Date(reviewStartedAt + policy.expireAfterMs).toISOString();
    }
    assignees = assignReviewers(
      contentId,
      policy.reviewers.filter((id) => id !== authorId),
      risk.requiredApprovals,
    );
    if (state.escalated) assignees = [policy.escalateTo];
    state.assignee = assignees[0];
    await transition(
      'system:checks',
      'review.routed',
      { status: 'pending' },
      { checks: results, risk, detail: { route: risk.route, assignees } },
    );
    notify('review-assigned', assignees.length ? assignees : ['reviewers'], `${risk.route}, risk ${risk.score}`);
    sla.touch();
  }

  /** Drafts a revision with the version, model and temperature the decision engine picks. */
  async function draft(revision: number) {
    if (input.submission.kind !== 'brief') throw ApplicationFailure.nonRetryable('only a brief can be drafted', 'NotADraft');
    const { brief, productId, tone, maxWords } = input.submission;
    const decision = patched(DRAFT_DECISION_PATCH)
      ? await learning.decideLlmCall({ tenantId, task: 'draft', priority: 'interactive', subject: contentSubject(contentId) })
      : undefined;
    const drafter = decision
      ? proxyActivities<ContentReviewActivities>({
          ...llmCall,
          taskQueue: taskQueueFor('llm'),
          priority: { priorityKey: decision.priorityKey },
        })
      : llm;
    const result = await budget.run(() =>
      drafter.draftContent({
        tenantId,
        contentId,
        authorId,
        brief,
        productId,
        tone,
        maxWords,
        ...(revision !== 1 ? { revision } : {}),
        ...(decision ? { decision: decisionRefOf(decision) } : {}),
      }),
    );
    ai = result.ai;
    draftedRevision = result.revision;
    state.aiGenerated = true;
    state.title = result.title;
    state.revision = result.revision;
    return result;
  }

  /**
   * The redrive of a rolled-back version: its draft, still in review and not revised by a person,
   * is drafted again and checked and routed like a revision (the review deadline stays). If the
   * model cannot draft it now, the earlier draft stays in review, flagged in the audit trail.
   */
  async function redraftIfStillTheirs(request: RedraftRequest) {
    const applies = ai?.promptVersion === request.fromVersion && draftedRevision === state.revision && !isFinal(state.status);
    if (!applies) {
      await transition(
        'system:redrive',
        'redraft.skipped',
        {},
        { detail: { ...request, reason: 'revised by a person, decided, or not drafted by that version' } },
      );
      return;
    }
    const previous = state.status;
    // Claimed first: no review decision lands on the old draft while the new one is written.
    await transition('system:redrive', 'redraft.started', { status: 'drafting' }, { detail: { ...request } });
    let drafted: Awaited<ReturnType<typeof draft>>;
    try {
      drafted = await draft(state.revision + 1);
    } catch (error) {
      await transition('system:redrive', 'redraft.failed', { status: previous }, { detail: { ...request, ...failureOf(error) } });
      return;
    }
    await transition(`model:${drafted.ai.model}`, 'draft.redriven', {}, { ai: drafted.ai, detail: { ...request } });
    await checkAndRoute('system:redrive');
  }

  async function failContent(error: unknown): Promise<never> {
    const failure = failureOf(error);
    log.error('content failed', { contentId, revision: state.revision, ...failure });
    await transition('system', 'content.failed', { status: 'failed', stage: 'closed' }, { detail: failure });
    await recorder.close();
    throw ApplicationFailure.nonRetryable(`content ${contentId} could not be prepared: ${failure.message}`, failure.type);
  }

  // ---- human review (Updates): validators apply the rules, handlers record the effect --------
  setHandler(
    reviewUpdate,
    async (request) => {
      const { reviewer, decision, comment } = request;
      const required = state.risk?.requiredApprovals ?? 1;
      const effect = applyReview(state, request, { assignees, escalateTo: policy.escalateTo });
      state.decisions.push({ reviewer: reviewer.userId, decision, comment, revision: state.revision, at: new Date().toISOString() });
      state.approvals = effect.approvals;
      state.assignee = effect.assignee;
      await transition(reviewer.userId, effect.action, { status: effect.status }, { detail: effect.detail }, eventsInUpdates);
      notify('review-decided', [authorId], `${decision} by ${reviewer.userId}${comment ? `: ${comment}` : ''}`);
      sla.touch();
      return { status: state.status, approvals: state.approvals.length, requiredApprovals: required };
    },
    { validator: (request: ReviewRequest) => throwIf(refuseReview(state, request, Date.now())) },
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
      await transition(author.userId, 'revision.submitted', {}, { detail: { comment } }, eventsInUpdates);
      if (patched(REVISION_ANSWERS_AT_ONCE)) {
        // The author gets the answer now; the checks (LLM calls, seconds) run in the body, and
        // progress follows on the content's status and event stream.
        revisionToCheck = author.userId;
        sla.touch();
        return { revision: state.revision, status: state.status };
      }
      await checkAndRoute(author.userId);
      return { revision: state.revision, status: state.status, risk: state.risk };
    },
    { validator: (request: RevisionRequest) => throwIf(refuseRevision(state, request, Date.now())) },
  );

  setHandler(
    extendDeadlineUpdate,
    async ({ actor, dueAt, reason }) => {
      const previous = state.dueAt;
      state.dueAt = new Date(Date.parse(dueAt)).toISOString();
      await transition(
        actor.userId,
        'review.deadline-extended',
        {},
        { detail: { from: previous, to: state.dueAt, reason } },
        eventsInUpdates,
      );
      sla.touch();
      return { dueAt: state.dueAt };
    },
    { validator: (request: DeadlineExtension) => throwIf(refuseExtension(state, request, Date.now())) },
  );

  setHandler(redraftSignal, (request) => {
    if (redrafts.includes(request.experimentId)) return; // a repeated signal of the same redrive
    redrafts.push(request.experimentId);
    redraft = request;
    sla.touch();
  });

  // ---- preparation: the first revision, its checks and its route ---------------------------
  upsertSearchAttributes([
    { key: SearchAttr.WorkflowKind, value: 'content-review' },
    { key: SearchAttr.BusinessId, value: contentId },
    { key: SearchAttr.TenantId, value: tenantId },
    { key: SearchAttr.Platforms, value: input.platforms },
    { key: SearchAttr.ReviewStatus, value: state.status },
  ]);
  log.info('content review started', { contentId, tenantId, kind: input.submission.kind, platforms: input.platforms });

  try {
    if (input.submission.kind === 'brief') {
      const drafted = await draft(1);
      await transition(`model:${drafted.ai.model}`, 'draft.generated', {}, { ai: drafted.ai });
    } else {
      state.revision = 1;
      await review.recordRevision({
        tenantId,
        contentId,
        revision: 1,
        title: input.submission.title,
        bodyKey: input.submission.bodyKey,
        authorId,
      });
      await transition(authorId, 'content.submitted', {});
    }
    await checkAndRoute('system:checks');
  } catch (error) {
    return failContent(error);
  }

  // ---- the review phase: SLA reminder, escalation and expiry, measured from when review started ----
  while (!isFinal(state.status)) {
    if (redraft !== undefined && state.status !== 'checking') {
      const request = redraft;
      redraft = undefined;
      try {
        await redraftIfStillTheirs(request);
      } catch (error) {
        return failContent(error); // the checks of the new draft failed
      }
      continue;
    }
    if (revisionToCheck !== undefined) {
      const actor = revisionToCheck;
      revisionToCheck = undefined;
      try {
        await checkAndRoute(actor);
      } catch (error) {
        return failContent(error);
      }
      continue;
    }
    if (state.status === 'checking') {
      // A revision is being checked; SLA events wait until it is routed again.
      await condition(() => state.status !== 'checking' || revisionToCheck !== undefined || redraft !== undefined);
      continue;
    }
    const started = reviewStartedAt ?? Date.now();
    const next = nextSlaEvent(state, policy, started);
    if ((await sla.sleepUntil(next.at, () => isFinal(state.status))) === 'changed') continue;
    log.info('review SLA event', { contentId, event: next.what, assignee: state.assignee, dueAt: state.dueAt });
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
      notify(
        'review-escalated',
        [policy.escalateTo, ...(previous ? [previous] : [])],
        `overdue since ${new Date(started + policy.reminderAfterMs).toISOString()}`,
      );
    } else if (atExpiry(state, policy) === 'auto-approve') {
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
    await publishAndMonitor(state, { publishAt: input.publishAt, monitorAfterMs: policy.monitorAfterMs }, recorder);
  } else if (state.stage !== 'closed') {
    await transition('system', 'content.closed', { stage: 'closed' });
  }

  log.info('content review finished', { contentId, status: state.status, stage: state.stage, revision: state.revision });
  await recorder.close();
  return { contentId, status: state.status, revision: state.revision, publications: state.publications };
}
