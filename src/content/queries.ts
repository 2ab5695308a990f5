// Content queries: the full view of one content (stored record + live workflow state), its
// revisions and diffs, publications, metrics, audit trail, and the review inbox (a Temporal
// visibility query joined with the stored titles). Scoped to the caller's tenant.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { diffWords } from 'diff';
import { z } from 'zod';
import type { Principal } from '../auth/principal';
import type { Config } from '../config';
import { contentEstimate } from '../costs/runs';
import type { BlobStore } from '../stores/blob-store';
import { SearchAttr } from '../temporal/search-attributes';
import { contentStatusQuery } from '../workflows/content-review';
import { ContentNotFound } from './errors';
import type { ContentSnapshot, RiskAssessment } from './model';
import {
  currentTitles,
  findContentItem,
  latestRevisionText,
  listAuditRows,
  listMetricRows,
  listPublicationRows,
  listRevisionRows,
  type AuditEvent,
  type ContentRow,
  type MetricsView,
  type PublicationView,
  type RevisionView,
} from './store';

export type { AuditEvent, MetricsView, PublicationView, RevisionView } from './store';

export interface ContentDeps {
  config: Config;
  pg: Pool;
  temporal: Client;
  blobs: BlobStore;
}

/** The caller's tenant's content, or ContentNotFound (another tenant's id is simply not found). */
export async function requireContent(deps: Pick<ContentDeps, 'pg'>, principal: Principal, contentId: string): Promise<ContentRow> {
  const row = await findContentItem(deps.pg, principal.tenantId, contentId);
  if (!row) throw new ContentNotFound(`no content ${contentId}`);
  return row;
}

/** The full view of one content: stored record, current revision, and the live workflow state. */
export async function getContent(deps: ContentDeps, principal: Principal, contentId: string) {
  const row = await requireContent(deps, principal, contentId);
  const latest = await latestRevisionText(deps.pg, row.tenant_id, contentId);
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
    title: latest?.title ?? live?.title ?? '',
    body: latest?.body ?? '',
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

export async function listRevisions(deps: ContentDeps, principal: Principal, contentId: string): Promise<RevisionView[]> {
  await requireContent(deps, principal, contentId);
  return listRevisionRows(deps.pg, principal.tenantId, contentId);
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

export async function listPublications(deps: Pick<ContentDeps, 'pg'>, principal: Principal, contentId: string): Promise<PublicationView[]> {
  return listPublicationRows(deps.pg, principal.tenantId, contentId);
}

export async function listMetrics(deps: ContentDeps, principal: Principal, contentId: string): Promise<MetricsView[]> {
  await requireContent(deps, principal, contentId);
  return listMetricRows(deps.pg, principal.tenantId, contentId);
}

export async function auditTrail(deps: ContentDeps, principal: Principal, contentId: string): Promise<AuditEvent[]> {
  await requireContent(deps, principal, contentId);
  return listAuditRows(deps.pg, principal.tenantId, contentId);
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
  const found: {
    contentId: string;
    status: string;
    assignee?: string;
    dueAt?: string;
    riskScore?: number;
    platforms: string[];
    workflowId: string;
  }[] = [];
  for await (const execution of deps.temporal.workflow.list({ query: conditions.join(' AND '), pageSize: limit })) {
    if (execution.status.name !== 'RUNNING') continue;
    const attrs = execution.typedSearchAttributes;
    found.push({
      contentId: attrs.get(SearchAttr.BusinessId) ?? '',
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
  const rows = await currentTitles(
    deps.pg,
    principal.tenantId,
    found.map((item) => item.contentId),
  );
  const byId = new Map(rows.map((row) => [row.content_id, row]));
  return found
    .map((item) => ({
      ...item,
      title: byId.get(item.contentId)?.title ?? '',
      authorId: byId.get(item.contentId)?.author_id ?? '',
      revision: byId.get(item.contentId)?.revision ?? 0,
    }))
    .sort((a, b) => (a.dueAt ?? '').localeCompare(b.dueAt ?? ''));
}
