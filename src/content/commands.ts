// Content commands: submit or draft content (row first, then the workflow), and review /
// revise / extend through the workflow's Updates (their validators apply content/review-rules).
// Input schemas live with the commands that parse them. Scoped to the caller's tenant.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Principal } from '../auth/principal';
import type { Config } from '../config';
import { isoInstant } from '../schemas/instant';
import { PLATFORMS } from '../publishing/adapter';
import { StrategyInput, planDraft } from '../strategy/drafting';
import { recordContentStrategy } from '../strategy/store';
import { STRUCTURES, type Strategy } from '../strategy/model';
import { taskQueues } from '../temporal/task-queues';
import {
  contentReviewWorkflow,
  contentWorkflowId,
  extendDeadlineUpdate,
  reviewUpdate,
  reviseUpdate,
  type ContentReviewInput,
} from '../workflows/content-review';
import { ContentActionRefused, ContentConflict } from './errors';
import { REFUSALS, type RefusalType, type ReviewPolicy } from './model';
import { requireContent, type ContentDeps } from './queries';
import { insertContentItem } from './store';
import { idSchema } from '../ids';

const id = idSchema('letters, digits, dot, dash, underscore; at most 100');
const locale = z
  .string()
  .regex(/^[a-z]{2,3}([_-][A-Za-z0-9]{2,8})?$/, 'a locale such as en or de-AT')
  .default('en');
// Each refinement carries its JSON-schema twin (.meta), so the OpenAPI document states the same rule.
const platforms = z
  .array(z.enum(PLATFORMS))
  .min(1)
  .max(PLATFORMS.length)
  .refine((list) => new Set(list).size === list.length, 'each platform once')
  .meta({ uniqueItems: true });
const publishAt = isoInstant.optional();

export const SubmitContentInput = z
  .object({
    contentId: id.optional(),
    title: z.string().trim().min(1).max(300),
    body: z.string().trim().min(1).max(100_000),
    locale,
    platforms,
    publishAt,
    productRefs: z.array(id).max(50).optional(),
    /** For the performance report and the strategy learners: the brand, and the strategy the author followed. */
    brand: id.optional(),
    strategy: StrategyInput.optional(),
  })
  .strict();

export const DraftContentInput = z
  .object({
    contentId: id.optional(),
    brief: z.string().trim().min(1).max(4_000).optional(),
    productId: z.string().min(1).max(200).optional(),
    /** Brand whose strategy learner is asked (per first platform); tone, maxWords, structure and publishAt
     *  the author leaves out are filled in from the learner's recommendation. */
    brand: id.default('default'),
    tone: z
      .string()
      .regex(/^[A-Za-z -]{1,40}$/)
      .optional(),
    maxWords: z.number().int().min(30).max(1_000).optional(),
    structure: z.enum(STRUCTURES).optional(),
    locale,
    platforms,
    publishAt,
  })
  .strict()
  .refine((input) => input.brief !== undefined || input.productId !== undefined, { message: 'a draft needs a brief or a productId' })
  .meta({ anyOf: [{ required: ['brief'] }, { required: ['productId'] }] });

export const ReviewInput = z
  .object({ decision: z.enum(['approve', 'reject', 'request-changes']), comment: z.string().trim().max(4_000).optional() })
  .strict();

export const ReviseInput = z
  .object({
    title: z.string().trim().min(1).max(300),
    body: z.string().trim().min(1).max(100_000),
    comment: z.string().trim().max(4_000).optional(),
  })
  .strict();

export const ExtendDeadlineInput = z.object({ dueAt: isoInstant, reason: z.string().trim().min(1).max(1_000) }).strict();

export function reviewPolicy(config: Config): ReviewPolicy {
  return {
    autoApproveBelow: config.CONTENT_AUTO_APPROVE_BELOW,
    twoReviewersAtOrAbove: config.CONTENT_TWO_REVIEWERS_AT,
    reminderAfterMs: config.CONTENT_REMINDER_AFTER,
    escalateAfterMs: config.CONTENT_ESCALATE_AFTER,
    expireAfterMs: config.CONTENT_EXPIRE_AFTER,
    expiryPolicy: config.CONTENT_EXPIRY_POLICY,
    reviewers: config.CONTENT_REVIEWERS,
    escalateTo: config.CONTENT_ESCALATE_TO,
    monitorAfterMs: config.CONTENT_MONITOR_AFTER,
  };
}

export interface StartedContent {
  contentId: string;
  workflowId: string;
  runId: string;
}

type Submission = ContentReviewInput['submission'];

async function startContent(
  deps: ContentDeps,
  author: Principal,
  fields: { contentId?: string; locale: string; platforms: ContentReviewInput['platforms']; publishAt?: string; productRefs?: string[] },
  submission: Submission,
): Promise<StartedContent> {
  const { config, pg, temporal } = deps;
  const contentId = fields.contentId ?? randomUUID();
  const workflowId = contentWorkflowId(author.tenantId, contentId);
  // The row first: if the start below fails, a retry with the same id picks it up again.
  const existing = await insertContentItem(pg, {
    tenantId: author.tenantId,
    contentId,
    authorId: author.userId,
    locale: fields.locale,
    platforms: fields.platforms,
    publishAt: fields.publishAt,
    status: submission.kind === 'brief' ? 'drafting' : 'checking',
    workflowId,
  });
  if (existing.authorId !== author.userId || existing.revision > 0) throw new ContentConflict(`content ${contentId} already exists`);
  try {
    const handle = await temporal.workflow.start(contentReviewWorkflow, {
      workflowId,
      taskQueue: taskQueues(config).default,
      args: [{ tenantId: author.tenantId, contentId, authorId: author.userId, ...fields, submission, policy: reviewPolicy(config) }],
      staticSummary: `Content ${contentId} (${submission.kind === 'brief' ? 'LLM draft' : 'submitted'}) → ${fields.platforms.join(', ')}`,
    });
    return { contentId, workflowId, runId: handle.firstExecutionRunId };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw new ContentConflict(`content ${contentId} is already in review`);
    throw error;
  }
}

export async function submitContent(deps: ContentDeps, author: Principal, input: unknown): Promise<StartedContent> {
  const { title, body, brand, strategy, ...fields } = SubmitContentInput.parse(input);
  const { key } = await deps.blobs.put(`content/${author.tenantId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`, 'txt', body);
  const started = await startContent(deps, author, fields, { kind: 'text', title, bodyKey: key });
  if (brand || strategy) {
    await recordContentStrategy(deps.pg, {
      tenantId: author.tenantId,
      contentId: started.contentId,
      brand: brand ?? 'default',
      channel: fields.platforms[0]!,
      strategy: (strategy as Strategy | undefined) ?? null,
      source: strategy ? 'author' : 'none',
    });
  }
  return started;
}

export async function draftContent(deps: ContentDeps, author: Principal, input: unknown) {
  const { brief, productId, tone, maxWords, brand, structure, ...fields } = DraftContentInput.parse(input);
  const contentId = fields.contentId ?? randomUUID();
  const plan = await planDraft(deps, {
    tenantId: author.tenantId,
    contentId,
    brand,
    platforms: fields.platforms,
    brief,
    tone,
    maxWords,
    structure,
    publishAt: fields.publishAt,
  });
  const started = await startContent(
    deps,
    author,
    { ...fields, contentId, publishAt: plan.publishAt },
    { kind: 'brief', brief: plan.brief, productId, tone: plan.tone, maxWords: plan.maxWords },
  );
  await plan.record();
  return { ...started, strategy: plan.strategy };
}

/** Update refusals come back as WorkflowUpdateFailedError with the validator's typed failure. */
async function viaUpdate<T>(
  deps: ContentDeps,
  principal: Principal,
  contentId: string,
  send: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<T>,
): Promise<T> {
  await requireContent(deps, principal, contentId);
  const handle = deps.temporal.workflow.getHandle(contentWorkflowId(principal.tenantId, contentId));
  try {
    return await send(handle);
  } catch (error) {
    if (
      error instanceof WorkflowUpdateFailedError &&
      error.cause instanceof ApplicationFailure &&
      error.cause.type &&
      error.cause.type in REFUSALS
    ) {
      throw new ContentActionRefused(error.cause.type as RefusalType, error.cause.message);
    }
    if (error instanceof WorkflowNotFoundError) throw new ContentActionRefused('ReviewClosed', `the review of ${contentId} has finished`);
    throw error;
  }
}

const asReviewer = (p: Principal) => ({ userId: p.userId, tenantId: p.tenantId, roles: [...p.roles] });

export function reviewContent(deps: ContentDeps, reviewer: Principal, contentId: string, input: unknown) {
  const { decision, comment } = ReviewInput.parse(input);
  return viaUpdate(deps, reviewer, contentId, (handle) =>
    handle.executeUpdate(reviewUpdate, { args: [{ reviewer: asReviewer(reviewer), decision, comment }] }),
  );
}

export async function reviseContent(deps: ContentDeps, author: Principal, contentId: string, input: unknown) {
  const { title, body, comment } = ReviseInput.parse(input);
  const { key } = await deps.blobs.put(`content/${author.tenantId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`, 'txt', body);
  return viaUpdate(deps, author, contentId, (handle) =>
    handle.executeUpdate(reviseUpdate, { args: [{ author: asReviewer(author), title, bodyKey: key, comment }] }),
  );
}

export function extendReviewDeadline(deps: ContentDeps, actor: Principal, contentId: string, input: unknown) {
  const { dueAt, reason } = ExtendDeadlineInput.parse(input);
  return viaUpdate(deps, actor, contentId, (handle) =>
    handle.executeUpdate(extendDeadlineUpdate, { args: [{ actor: asReviewer(actor), dueAt, reason }] }),
  );
}
