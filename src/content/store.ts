// The content aggregate's store: the only module with SQL on the content_* tables
// (content_items, content_revisions, content_audit, content_publications, content_metrics).
// Use cases (commands, queries), activities and live channels call these functions.
import type { Pool } from 'pg';
import type { AiRef, CheckResults, ContentEvent, RevisionRef, RiskAssessment } from './model';
import type { Platform } from '../publishing/adapter';

// ---- content items ------------------------------------------------------------------------

export interface ContentRow {
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

/** Inserts the item, or returns the existing one's author and revision (a retried submission). */
export async function insertContentItem(
  pg: Pool,
  item: {
    tenantId: string;
    contentId: string;
    authorId: string;
    locale: string;
    platforms: string[];
    publishAt?: string;
    status: string;
    workflowId: string;
  },
): Promise<{ authorId: string; revision: number }> {
  const { rows } = await pg.query<{ author_id: string; revision: number }>(
    `INSERT INTO content_items (tenant_id, content_id, author_id, locale, platforms, publish_at, status, workflow_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (tenant_id, content_id) DO UPDATE SET updated_at = content_items.updated_at
     RETURNING author_id, revision`,
    [item.tenantId, item.contentId, item.authorId, item.locale, item.platforms, item.publishAt ?? null, item.status, item.workflowId],
  );
  return { authorId: rows[0]!.author_id, revision: rows[0]!.revision };
}

export async function findContentItem(pg: Pool, tenantId: string, contentId: string): Promise<ContentRow | undefined> {
  const { rows } = await pg.query<ContentRow>('SELECT * FROM content_items WHERE tenant_id = $1 AND content_id = $2', [
    tenantId,
    contentId,
  ]);
  return rows[0];
}

/** Title, author and current revision of several items (for the inbox). */
export async function currentTitles(pg: Pool, tenantId: string, contentIds: string[]) {
  const { rows } = await pg.query<{ content_id: string; title: string; author_id: string; revision: number }>(
    `SELECT c.content_id, c.author_id, c.revision, r.title FROM content_items c
       JOIN content_revisions r ON r.tenant_id = c.tenant_id AND r.content_id = c.content_id AND r.revision = c.revision
      WHERE c.tenant_id = $1 AND c.content_id = ANY($2)`,
    [tenantId, contentIds],
  );
  return rows;
}

// ---- revisions ------------------------------------------------------------------------------

export async function latestRevisionText(
  pg: Pool,
  tenantId: string,
  contentId: string,
): Promise<{ title: string; body: string } | undefined> {
  const { rows } = await pg.query<{ title: string; body: string }>(
    'SELECT title, body FROM content_revisions WHERE tenant_id = $1 AND content_id = $2 ORDER BY revision DESC LIMIT 1',
    [tenantId, contentId],
  );
  return rows[0];
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

export async function listRevisionRows(pg: Pool, tenantId: string, contentId: string): Promise<RevisionView[]> {
  const { rows } = await pg.query<RevisionView>(
    `SELECT revision, title, body, author_id AS "authorId", comment, ai IS NOT NULL AS "aiGenerated", ai, checks, risk, created_at AS "createdAt"
       FROM content_revisions WHERE tenant_id = $1 AND content_id = $2 ORDER BY revision`,
    [tenantId, contentId],
  );
  return rows;
}

/** A revision's text with the item's locale (for the checks and indexing). */
export async function loadRevision(pg: Pool, { tenantId, contentId, revision }: RevisionRef) {
  const { rows } = await pg.query<{ title: string; body: string; locale: string; ai: AiRef | null }>(
    `SELECT r.title, r.body, c.locale, r.ai FROM content_revisions r
       JOIN content_items c USING (tenant_id, content_id)
      WHERE r.tenant_id = $1 AND r.content_id = $2 AND r.revision = $3`,
    [tenantId, contentId, revision],
  );
  return rows[0];
}

/** A revision's text for publishing; the AI disclosure sticks once any revision was written by the model. */
export async function loadForPublishing(pg: Pool, { tenantId, contentId, revision }: RevisionRef) {
  const { rows } = await pg.query<{ title: string; body: string; locale: string; ai: AiRef | null }>(
    `SELECT r.title, r.body, c.locale,
            (SELECT a.ai FROM content_revisions a WHERE a.tenant_id = r.tenant_id AND a.content_id = r.content_id
                AND a.ai IS NOT NULL ORDER BY a.revision DESC LIMIT 1) AS ai
       FROM content_revisions r JOIN content_items c USING (tenant_id, content_id)
      WHERE r.tenant_id = $1 AND r.content_id = $2 AND r.revision = $3`,
    [tenantId, contentId, revision],
  );
  return rows[0];
}

/** The model draft of revision 1, if one was stored already (a retried draft activity). */
export async function findAiDraft(
  pg: Pool,
  tenantId: string,
  contentId: string,
  revision = 1,
): Promise<{ title: string; ai: AiRef } | undefined> {
  const { rows } = await pg.query<{ title: string; ai: AiRef }>(
    'SELECT title, ai FROM content_revisions WHERE tenant_id = $1 AND content_id = $2 AND revision = $3 AND ai IS NOT NULL',
    [tenantId, contentId, revision],
  );
  return rows[0];
}

/** The latest model provenance of the content (for engagement feedback). */
export async function latestAiProvenance(pg: Pool, tenantId: string, contentId: string): Promise<AiRef | null> {
  const { rows } = await pg.query<{ ai: AiRef | null }>(
    `SELECT ai FROM content_revisions WHERE tenant_id = $1 AND content_id = $2 AND ai IS NOT NULL ORDER BY revision DESC LIMIT 1`,
    [tenantId, contentId],
  );
  return rows[0]?.ai ?? null;
}

/** Stores a revision once (idempotent) and moves the item's current revision forward. */
export async function insertRevision(
  pg: Pool,
  input: RevisionRef & { title: string; body: string; authorId: string; comment?: string; ai?: AiRef },
): Promise<void> {
  await pg.query(
    `INSERT INTO content_revisions (tenant_id, content_id, revision, title, body, author_id, comment, ai)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
    [input.tenantId, input.contentId, input.revision, input.title, input.body, input.authorId, input.comment ?? null, input.ai ?? null],
  );
  await pg.query(
    `UPDATE content_items SET revision = GREATEST(revision, $3), ai_generated = ai_generated OR $4, updated_at = now()
      WHERE tenant_id = $1 AND content_id = $2`,
    [input.tenantId, input.contentId, input.revision, input.ai !== undefined],
  );
}

// ---- audit trail and current state ----------------------------------------------------------

/** One transition: an audit row (once per event key) and the item's current state; false when already applied. */
export async function applyContentEvent(pg: Pool, event: ContentEvent, workflowId: string): Promise<boolean> {
  const inserted = await pg.query(
    `INSERT INTO content_audit (event_key, tenant_id, content_id, at, actor, action, from_status, to_status, revision, model, prompt_version, detail, workflow_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (event_key) DO NOTHING`,
    [
      event.eventKey,
      event.tenantId,
      event.contentId,
      new Date(),
      event.actor,
      event.action,
      event.fromStatus ?? null,
      event.toStatus ?? null,
      event.revision ?? null,
      event.ai?.model ?? event.checks?.style.model ?? null,
      event.ai?.promptVersion ?? event.checks?.style.promptVersion ?? null,
      { ...(event.detail ?? {}), ...(event.risk ? { risk: event.risk } : {}) },
      workflowId,
    ],
  );
  if (inserted.rowCount === 0) return false;
  const sets: string[] = ['updated_at = now()'];
  const values: unknown[] = [event.tenantId, event.contentId];
  const set = (column: string, value: unknown) => {
    values.push(value);
    sets.push(`${column} = $${values.length}`);
  };
  if (event.toStatus) set('status', event.toStatus);
  if (event.stage) set('stage', event.stage);
  if (event.risk) set('risk', event.risk);
  if (event.assignee !== undefined) set('assignee', event.assignee);
  if (event.dueAt !== undefined) set('due_at', event.dueAt);
  await pg.query(`UPDATE content_items SET ${sets.join(', ')} WHERE tenant_id = $1 AND content_id = $2`, values);
  if (event.checks && event.revision) {
    await pg.query('UPDATE content_revisions SET checks = $4, risk = $5 WHERE tenant_id = $1 AND content_id = $2 AND revision = $3', [
      event.tenantId,
      event.contentId,
      event.revision,
      event.checks,
      event.risk ?? null,
    ]);
  }
  return true;
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

export async function listAuditRows(pg: Pool, tenantId: string, contentId: string): Promise<AuditEvent[]> {
  const { rows } = await pg.query<AuditEvent>(
    `SELECT at, actor, action, from_status AS "fromStatus", to_status AS "toStatus", revision, model, prompt_version AS "promptVersion", detail
       FROM content_audit WHERE tenant_id = $1 AND content_id = $2 ORDER BY id`,
    [tenantId, contentId],
  );
  return rows;
}

// ---- publications and metrics ---------------------------------------------------------------

export const publicationKey = (tenantId: string, contentId: string, platform: Platform) => `${tenantId}:${contentId}:${platform}`;

/** Record before publishing: the row exists (status 'sending') before the platform sees anything; a published row stays published. */
export async function claimPublication(pg: Pool, input: RevisionRef & { platform: Platform }) {
  const { rows } = await pg.query<{ status: string; external_id: string | null; url: string | null }>(
    `INSERT INTO content_publications (tenant_id, content_id, platform, idempotency_key, status, revision, attempts)
     VALUES ($1, $2, $3, $4, 'sending', $5, 1)
     ON CONFLICT (tenant_id, content_id, platform) DO UPDATE
       SET attempts = content_publications.attempts + CASE WHEN content_publications.status = 'published' THEN 0 ELSE 1 END,
           status = CASE WHEN content_publications.status = 'published' THEN 'published' ELSE 'sending' END,
           updated_at = now()
     RETURNING status, external_id, url`,
    [input.tenantId, input.contentId, input.platform, publicationKey(input.tenantId, input.contentId, input.platform), input.revision],
  );
  return rows[0]!;
}

/** Record after the platform accepted the post. */
export async function markPublished(
  pg: Pool,
  input: { tenantId: string; contentId: string; platform: Platform; externalId: string; url?: string },
): Promise<void> {
  await pg.query(
    `UPDATE content_publications SET status = 'published', external_id = $4, url = $5, published_at = now(), last_error = NULL, updated_at = now()
      WHERE tenant_id = $1 AND content_id = $2 AND platform = $3`,
    [input.tenantId, input.contentId, input.platform, input.externalId, input.url ?? null],
  );
}

export async function markPublicationFailed(
  pg: Pool,
  input: RevisionRef & { platform: Platform; error: { type: string; message: string } },
): Promise<void> {
  await pg.query(
    `INSERT INTO content_publications (tenant_id, content_id, platform, idempotency_key, status, revision, last_error)
     VALUES ($1, $2, $3, $4, 'failed', $5, $6)
     ON CONFLICT (tenant_id, content_id, platform) DO UPDATE SET status = 'failed', last_error = $6, updated_at = now()
       WHERE content_publications.status <> 'published'`,
    [
      input.tenantId,
      input.contentId,
      input.platform,
      publicationKey(input.tenantId, input.contentId, input.platform),
      input.revision,
      input.error,
    ],
  );
}

export async function publishedPosts(pg: Pool, tenantId: string, contentId: string) {
  const { rows } = await pg.query<{ platform: Platform; external_id: string; url: string | null }>(
    `SELECT platform, external_id, url FROM content_publications WHERE tenant_id = $1 AND content_id = $2 AND status = 'published'`,
    [tenantId, contentId],
  );
  return rows;
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

export async function listPublicationRows(pg: Pool, tenantId: string, contentId: string): Promise<PublicationView[]> {
  const { rows } = await pg.query<PublicationView>(
    `SELECT platform, status, external_id AS "externalId", url, attempts, last_error AS error, published_at AS "publishedAt"
       FROM content_publications WHERE tenant_id = $1 AND content_id = $2 ORDER BY platform`,
    [tenantId, contentId],
  );
  return rows;
}

export async function upsertMetrics(
  pg: Pool,
  input: {
    tenantId: string;
    contentId: string;
    platform: Platform;
    checkpoint: string;
    views: number;
    clicks: number;
    likes: number;
    shares: number;
    comments: number;
  },
): Promise<void> {
  await pg.query(
    `INSERT INTO content_metrics (tenant_id, content_id, platform, checkpoint, views, clicks, likes, shares, comments)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (tenant_id, content_id, platform, checkpoint) DO UPDATE
       SET views = $5, clicks = $6, likes = $7, shares = $8, comments = $9, collected_at = now()`,
    [
      input.tenantId,
      input.contentId,
      input.platform,
      input.checkpoint,
      input.views,
      input.clicks,
      input.likes,
      input.shares,
      input.comments,
    ],
  );
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

export async function listMetricRows(pg: Pool, tenantId: string, contentId: string): Promise<MetricsView[]> {
  const { rows } = await pg.query<MetricsView>(
    `SELECT platform, checkpoint, views::int, clicks::int, likes::int, shares::int, comments::int, collected_at AS "collectedAt"
       FROM content_metrics WHERE tenant_id = $1 AND content_id = $2 ORDER BY collected_at, platform`,
    [tenantId, contentId],
  );
  return rows;
}
