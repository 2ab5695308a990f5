// Content use cases shared by the API, the tests and the benchmarks: submit or draft content
// (row first, then the workflow), review / revise / extend through workflow Updates, and read
// status, revisions, diffs, the inbox, publications and metrics. Every call is scoped to the
// caller's tenant; a content id of another tenant is simply not found.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { diffWords } from 'diff';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { Principal } from '../auth/principal';
import type { Config } from '../config';
import { isoInstant } from '../schemas/instant';
import { contentEstimate } from '../costs/runs';
import { PLATFORMS } from '../publishing/adapter';
import type { BlobStore } from '../stores/blob-store';
import { StrategyInput, planDraft } from '../strategy/drafting';
import { recordContentStrategy } from '../strategy/store';
import { STRUCTURES, type Strategy } from '../strategy/model';
import { SearchAttr } from '../temporal/search-attributes';
import { taskQueues } from '../temporal/task-queues';
import {
  contentReviewWorkflow,
  contentStatusQuery,
  contentWorkflowId,
  extendDeadlineUpdate,
  reviewUpdate,
  reviseUpdate,
  type ContentReviewInput,
} from '../workflows/content-review';
import { REFUSALS, type CheckResults, type ContentSnapshot, type RefusalType, type ReviewPolicy, type RiskAssessment } from './model';

export interface ContentDeps {
  config: Config;
  pg: Pool;
  temporal: Client;
  blobs: BlobStore;
}

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, dot, dash, underscore; at most 100');
const locale = z.string().regex(/^[a-z]{2,3}([_-][A-Za-z0-9]{2,8})?$/, 'a locale such as en or de-AT').default('en');
const platforms = z.array(z.enum(PLATFORMS)).min(1).max(PLATFORMS.length).refine((list) => new Set(list).size === list.length, 'each platform once');
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
    tone: z.string().regex(/^[A-Za-z -]{1,40}$/).optional(),
    maxWords: z.number().int().min(30).max(1_000).optional(),
    structure: z.enum(STRUCTURES).optional(),
    locale,
    platforms,
    publishAt,
  })
  .strict()
  .refine((input) => input.brief !== undefined || input.productId !== undefined, { message: 'a draft needs a brief or a productId' });

export const ReviewInput = z
  .object({ decision: z.enum(['approve', 'reject', 'request-changes']), comment: z.string().trim().max(4_000).optional() })
  .strict();

export const ReviseInput = z
  .object({ title: z.string().trim().min(1).max(300), body: z.string().trim().min(1).max(100_000), comment: z.string().trim().max(4_000).optional() })
  .strict();

export const ExtendDeadlineInput = z
  .object({ dueAt: isoInstant, reason: z.string().trim().min(1).max(1_000) })
  .strict();

/** The caller may not do this (validator refusal); `type` is one of REFUSALS. */
export class ContentActionRefused extends Error {
  constructor(
    readonly type: RefusalType,
    message: string,
  ) {
    super(message);
    this.name = 'ContentActionRefused';
  }
  get status(): number {
    return REFUSALS[this.type];
  }
}
export class ContentNotFound extends Error {
  readonly status = 404;
}
export class ContentConflict extends Error {
  readonly status = 409;
}

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
  const { rows } = await pg.query<{ author_id: string; revision: number }>(
    `INSERT INTO content_items (tenant_id, content_id, author_id, locale, platforms, publish_at, status, workflow_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (tenant_id, content_id) DO UPDATE SET updated_at = content_items.updated_at
     RETURNING author_id, revision`,
    [author.tenantId, contentId, author.userId, fields.locale, fields.platforms, fields.publishAt ?? null, submission.kind === 'brief' ? 'drafting' : 'checking', workflowId],
  );
  if (rows[0]!.author_id !== author.userId || rows[0]!.revision > 0) throw new ContentConflict(`content ${contentId} already exists`);
  try {
    const handle = await temporal.workflow.start(contentReviewWorkflow, {
      workflowId,
      taskQueue: taskQueues(config).default,
      args: [{ tenantId: author.tenantId, contentId, authorId: author.userId, ...fields, submission, policy: reviewPolicy(config) }],
      typedSearchAttributes: [
        { key: SearchAttr.WorkflowKind, value: 'content-review' },
        { key: SearchAttr.BusinessId, value: contentId },
        { key: SearchAttr.ContentId, value: contentId },
        { key: SearchAttr.TenantId, value: author.tenantId },
        { key: SearchAttr.Platforms, value: fields.platforms },
        { key: SearchAttr.ReviewStatus, value: submission.kind === 'brief' ? 'drafting' : 'checking' },
      ],
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
    await recordContentStrategy(deps.pg, { tenantId: author.tenantId, contentId: started.contentId, brand: brand ?? 'default', channel: fields.platforms[0]!, strategy: (strategy as Strategy | undefined) ?? null, source: strategy ? 'author' : 'none' });
  }
  return started;
}

export async function draftContent(deps: ContentDeps, author: Principal, input: unknown) {
  const { brief, productId, tone, maxWords, brand, structure, ...fields } = DraftContentInput.parse(input);
  const contentId = fields.contentId ?? randomUUID();
  const plan = await planDraft(deps, { tenantId: author.tenantId, contentId, brand, platforms: fields.platforms, brief, tone, maxWords, structure, publishAt: fields.publishAt });
  const started = await startContent(deps, author, { ...fields, contentId, publishAt: plan.publishAt }, { kind: 'brief', brief: plan.brief, productId, tone: plan.tone, maxWords: plan.maxWords });
  await plan.record();
  return { ...started, strategy: plan.strategy };
}

/** Update refusals come back as WorkflowUpdateFailedError with the validator's typed failure. */
async function viaUpdate<T>(deps: ContentDeps, principal: Principal, contentId: string, send: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<T>): Promise<T> {
  await requireContent(deps, principal, contentId);
  const handle = deps.temporal.workflow.getHandle(contentWorkflowId(principal.tenantId, contentId));
  try {
    return await send(handle);
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type && error.cause.type in REFUSALS) {
      throw new ContentActionRefused(error.cause.type as RefusalType, error.cause.message);
    }
    if (error instanceof WorkflowNotFoundError) throw new ContentActionRefused('ReviewClosed', `the review of ${contentId} has finished`);
    throw error;
  }
}

const asReviewer = (p: Principal) => ({ userId: p.userId, tenantId: p.tenantId, roles: [...p.roles] });

export function reviewContent(deps: ContentDeps, reviewer: Principal, contentId: string, input: unknown) {
  const { decision, comment } = ReviewInput.parse(input);
  return viaUpdate(deps, reviewer, contentId, (handle) => handle.executeUpdate(reviewUpdate, { args: [{ reviewer: asReviewer(reviewer), decision, comment }] }));
}

export async function reviseContent(deps: ContentDeps, author: Principal, contentId: string, input: unknown) {
  const { title, body, comment } = ReviseInput.parse(input);
  const { key } = await deps.blobs.put(`content/${author.tenantId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`, 'txt', body);
  return viaUpdate(deps, author, contentId, (handle) => handle.executeUpdate(reviseUpdate, { args: [{ author: asReviewer(author), title, bodyKey: key, comment }] }));
}

export function extendReviewDeadline(deps: ContentDeps, actor: Principal, contentId: string, input: unknown) {
  const { dueAt, reason } = ExtendDeadlineInput.parse(input);
  return viaUpdate(deps, actor, contentId, (handle) => handle.executeUpdate(extendDeadlineUpdate, { args: [{ actor: asReviewer(actor), dueAt, reason }] }));
}

interface ContentRow {
  content_id: string;
  tenant_id: string;
  author_id: string;
  locale: string;
  platforms: string[];
  publish_at: Date | null;
  status: string;
  stage: string;
  revision: number;
  ai_generated: boolean;
  risk: unknown;
  assignee: string | null;
  due_at: Date | null;
  workflow_id: string;
}

async function requireContent(deps: Pick<ContentDeps, 'pg'>, principal: Principal, contentId: string): Promise<ContentRow> {
  const { rows } = await deps.pg.query<ContentRow>('SELECT * FROM content_items WHERE tenant_id = $1 AND content_id = $2', [principal.tenantId, contentId]);
  if (!rows[0]) throw new ContentNotFound(`no content ${contentId}`);
  return rows[0];
}

/** The full view of one content: stored record, current revision, and the live workflow state. */
export async function getContent(deps: ContentDeps, principal: Principal, contentId: string) {
  const row = await requireContent(deps, principal, contentId);
  const { rows: revisions } = await deps.pg.query<{ title: string; body: string }>(
    'SELECT title, body FROM content_revisions WHERE tenant_id = $1 AND content_id = $2 ORDER BY revision DESC LIMIT 1',
    [row.tenant_id, contentId],
  );
  let live: ContentSnapshot | undefined;
  try {
    live = await deps.temporal.workflow.getHandle(row.workflow_id).query(contentStatusQuery);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  const publications = await listPublications(deps, principal, contentId);
  return {
    contentId,
    tenantId: row.tenant_id,
    authorId: row.author_id,
    locale: row.locale,
    platforms: row.platforms,
    publishAt: row.publish_at?.toISOString(),
    status: live?.status ?? row.status,
    stage: live?.stage ?? row.stage,
    revision: live?.revision ?? row.revision,
    title: revisions[0]?.title ?? live?.title ?? '',
    body: revisions[0]?.body ?? '',
    aiGenerated: live?.aiGenerated ?? row.ai_generated,
    risk: live?.risk ?? (row.risk as RiskAssessment | null) ?? undefined,
    checks: live?.checks,
    approvals: live?.approvals ?? [],
    decisions: live?.decisions ?? [],
    assignee: live ? live.assignee : (row.assignee ?? undefined),
    dueAt: live ? live.dueAt : row.due_at?.toISOString(),
    metricsCollected: live?.metricsCollected ?? [],
    publications,
    estimate: await contentEstimate(deps.pg, deps.config, row.workflow_id, live?.status ?? row.status),
    workflowId: row.workflow_id,
  };
}

export interface RevisionView {
  revision: number;
  title: string;
  body: string;
  authorId: string;
  comment: string | null;
  aiGenerated: boolean;
  ai: { model: string; promptVersion: string; callId: string } | null;
  checks: CheckResults | null;
  risk: RiskAssessment | null;
  createdAt: Date;
}

export async function listRevisions(deps: ContentDeps, principal: Principal, contentId: string): Promise<RevisionView[]> {
  await requireContent(deps, principal, contentId);
  const { rows } = await deps.pg.query<RevisionView>(
    `SELECT revision, title, body, author_id AS "authorId", comment, ai IS NOT NULL AS "aiGenerated", ai, checks, risk, created_at AS "createdAt"
       FROM content_revisions WHERE tenant_id = $1 AND content_id = $2 ORDER BY revision`,
    [principal.tenantId, contentId],
  );
  return rows;
}

/** Word diff between two revisions (title and body). */
export async function diffRevisions(deps: ContentDeps, principal: Principal, contentId: string, from: number, to: number) {
  const revisions = await listRevisions(deps, principal, contentId);
  const pick = (n: number) => {
    const found = revisions.find((r) => r.revision === n);
    if (!found) throw new ContentNotFound(`content ${contentId} has no revision ${n}`);
    return found;
  };
  const a = pick(from);
  const b = pick(to);
  const parts = diffWords(`${a.title}\n\n${a.body}`, `${b.title}\n\n${b.body}`).map((part) => ({
    value: part.value,
    ...(part.added ? { added: true } : {}),
    ...(part.removed ? { removed: true } : {}),
  }));
  return { from, to, parts };
}

export interface PublicationView {
  platform: string;
  status: 'sending' | 'published' | 'failed';
  externalId: string | null;
  url: string | null;
  attempts: number;
  error: { type: string; message: string } | null;
  publishedAt: Date | null;
}

export async function listPublications(deps: Pick<ContentDeps, 'pg'>, principal: Principal, contentId: string): Promise<PublicationView[]> {
  const { rows } = await deps.pg.query<PublicationView>(
    `SELECT platform, status, external_id AS "externalId", url, attempts, last_error AS error, published_at AS "publishedAt"
       FROM content_publications WHERE tenant_id = $1 AND content_id = $2 ORDER BY platform`,
    [principal.tenantId, contentId],
  );
  return rows;
}

export interface MetricsView {
  platform: string;
  checkpoint: string;
  views: number;
  clicks: number;
  likes: number;
  shares: number;
  comments: number;
  collectedAt: Date;
}

export async function listMetrics(deps: ContentDeps, principal: Principal, contentId: string): Promise<MetricsView[]> {
  await requireContent(deps, principal, contentId);
  const { rows } = await deps.pg.query<MetricsView>(
    `SELECT platform, checkpoint, views::int, clicks::int, likes::int, shares::int, comments::int, collected_at AS "collectedAt"
       FROM content_metrics WHERE tenant_id = $1 AND content_id = $2 ORDER BY collected_at, platform`,
    [principal.tenantId, contentId],
  );
  return rows;
}

export interface AuditEvent {
  at: Date;
  actor: string;
  action: string;
  fromStatus: string | null;
  toStatus: string | null;
  revision: number | null;
  model: string | null;
  promptVersion: string | null;
  detail: Record<string, unknown>;
}

export async function auditTrail(deps: ContentDeps, principal: Principal, contentId: string): Promise<AuditEvent[]> {
  await requireContent(deps, principal, contentId);
  const { rows } = await deps.pg.query<AuditEvent>(
    `SELECT at, actor, action, from_status AS "fromStatus", to_status AS "toStatus", revision, model, prompt_version AS "promptVersion", detail
       FROM content_audit WHERE tenant_id = $1 AND content_id = $2 ORDER BY id`,
    [principal.tenantId, contentId],
  );
  return rows;
}

export const InboxQuery = z
  .object({
    status: z.enum(['pending', 'changes-requested', 'checking', 'drafting', 'approved', 'rejected', 'expired']).default('pending'),
    assignee: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The review inbox is a Temporal visibility query over the workflows' search attributes. */
export async function reviewInbox(deps: ContentDeps, principal: Principal, query: unknown) {
  const { status, assignee, limit } = InboxQuery.parse(query);
  const conditions = [`WorkflowKind = 'content-review'`, `TenantId = ${quote(principal.tenantId)}`, `ReviewStatus = ${quote(status)}`];
  if (assignee) conditions.push(`Assignee = ${quote(assignee === 'me' ? principal.userId : assignee)}`);
  const found: { contentId: string; status: string; assignee?: string; dueAt?: string; riskScore?: number; platforms: string[]; workflowId: string }[] = [];
  for await (const execution of deps.temporal.workflow.list({ query: conditions.join(' AND '), pageSize: limit })) {
    if (execution.status.name !== 'RUNNING') continue;
    const attrs = execution.typedSearchAttributes;
    found.push({
      contentId: attrs.get(SearchAttr.ContentId) ?? '',
      status: attrs.get(SearchAttr.ReviewStatus) ?? status,
      assignee: attrs.get(SearchAttr.Assignee),
      dueAt: attrs.get(SearchAttr.ReviewDueTime)?.toISOString(),
      riskScore: attrs.get(SearchAttr.RiskScore),
      platforms: attrs.get(SearchAttr.Platforms) ?? [],
      workflowId: execution.workflowId,
    });
    if (found.length >= limit) break;
  }
  if (found.length === 0) return [];
  const { rows } = await deps.pg.query<{ content_id: string; title: string; author_id: string; revision: number }>(
    `SELECT c.content_id, c.author_id, c.revision, r.title FROM content_items c
       JOIN content_revisions r ON r.tenant_id = c.tenant_id AND r.content_id = c.content_id AND r.revision = c.revision
      WHERE c.tenant_id = $1 AND c.content_id = ANY($2)`,
    [principal.tenantId, found.map((item) => item.contentId)],
  );
  const byId = new Map(rows.map((row) => [row.content_id, row]));
  return found
    .map((item) => ({ ...item, title: byId.get(item.contentId)?.title ?? '', authorId: byId.get(item.contentId)?.author_id ?? '', revision: byId.get(item.contentId)?.revision ?? 0 }))
    .sort((a, b) => (a.dueAt ?? '').localeCompare(b.dueAt ?? ''));
}
