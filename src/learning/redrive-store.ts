// Redrive after a rollback: what a rolled-back version produced, found through its recorded
// decisions (product items) and content revisions (drafts), each registered once in
// learning_redrives so that it is re-run (or flagged for review) exactly once.
import type { Pool } from 'pg';
import { PRODUCT_SUBJECT_PREFIX } from './decision';

export interface ProductRedrive {
  listId: string;
  itemKey: string;
  url: string;
  options: Record<string, unknown>;
  workflowId: string;
}

export const redriveWorkflowId = (experimentId: string, listId: string, itemKey: string) => `redrive/${experimentId}/${listId}/${itemKey}`;

/** Decisions of the version whose call has not settled yet (an item still in flight). */
export async function unsettledDecisions(pg: Pool, tenantId: string, task: string, version: string): Promise<number> {
  const { rows } = await pg.query<{ n: string }>(
    `SELECT count(*) AS n FROM llm_decisions WHERE tenant_id = $1 AND task = $2 AND prompt_version = $3 AND settled_at IS NULL
       AND created_at > now() - interval '15 minutes'`,
    [tenantId, task, version],
  );
  return Number(rows[0]!.n);
}

/** Registers every product item the version enriched (once) and returns those not yet re-run. */
export async function planProductRedrives(
  pg: Pool,
  experimentId: string,
  tenantId: string,
  task: string,
  version: string,
): Promise<ProductRedrive[]> {
  const { rows: subjects } = await pg.query<{ subject: string }>(
    `SELECT DISTINCT subject FROM llm_decisions WHERE tenant_id = $1 AND task = $2 AND prompt_version = $3
       AND subject LIKE $4 AND workflow_id NOT LIKE 'redrive/%'`,
    [tenantId, task, version, `${PRODUCT_SUBJECT_PREFIX}%`],
  );
  for (const { subject } of subjects) {
    const rest = subject.slice(PRODUCT_SUBJECT_PREFIX.length);
    const slash = rest.lastIndexOf('/'); // list ids may hold a '/' (tenant/list), item keys never do
    if (slash < 0) continue;
    const listId = rest.slice(0, slash);
    const itemKey = rest.slice(slash + 1);
    await pg.query(
      `INSERT INTO learning_redrives (experiment_id, subject_kind, subject_id, tenant_id, from_version, action, workflow_id)
       VALUES ($1, 'product', $2, $3, $4, 'rerun', $5) ON CONFLICT DO NOTHING`,
      [experimentId, `${listId}/${itemKey}`, tenantId, version, redriveWorkflowId(experimentId, listId, itemKey)],
    );
  }
  const { rows } = await pg.query<{ subject_id: string; workflow_id: string; url: string; options: Record<string, unknown> }>(
    `SELECT r.subject_id, r.workflow_id, i.url, l.options FROM learning_redrives r
       JOIN product_list_items i ON i.list_id || '/' || i.item_key = r.subject_id
       JOIN product_lists l ON l.list_id = i.list_id AND l.tenant_id = r.tenant_id
      WHERE r.experiment_id = $1 AND r.from_version = $2 AND r.subject_kind = 'product' AND r.status = 'pending'
      ORDER BY r.subject_id`,
    [experimentId, version],
  );
  return rows.map((row) => {
    const slash = row.subject_id.lastIndexOf('/');
    return {
      listId: row.subject_id.slice(0, slash),
      itemKey: row.subject_id.slice(slash + 1),
      url: row.url,
      options: row.options,
      workflowId: row.workflow_id,
    };
  });
}

export async function markRedrivesStarted(pg: Pool, experimentId: string, workflowIds: string[]): Promise<void> {
  await pg.query(`UPDATE learning_redrives SET status = 'started', done_at = now() WHERE experiment_id = $1 AND workflow_id = ANY($2)`, [
    experimentId,
    workflowIds,
  ]);
}

export interface ContentRedraft {
  contentId: string;
  workflowId: string;
}

/** Content statuses in which a draft has not been decided on yet: these are drafted again rather than flagged. */
export const REDRAFTABLE_STATUSES = ['drafting', 'checking', 'pending', 'changes-requested'] as const;

/**
 * Drafts the version wrote that are still in review and still the content's current revision
 * (no person has revised them): registered once to be drafted again with production, through the
 * content's own workflow. Returns those whose redraft has not been asked for yet.
 */
export async function planContentRedrafts(pg: Pool, experimentId: string, tenantId: string, version: string): Promise<ContentRedraft[]> {
  await pg.query(
    `INSERT INTO learning_redrives (experiment_id, subject_kind, subject_id, tenant_id, from_version, action, workflow_id)
     SELECT $1, 'content', i.content_id, i.tenant_id, $3, 'redraft', i.workflow_id
       FROM content_items i JOIN content_revisions r ON r.tenant_id = i.tenant_id AND r.content_id = i.content_id AND r.revision = i.revision
      WHERE i.tenant_id = $2 AND i.status = ANY($4) AND r.ai->>'promptVersion' = $3
     ON CONFLICT DO NOTHING`,
    [experimentId, tenantId, version, REDRAFTABLE_STATUSES],
  );
  const { rows } = await pg.query<{ subject_id: string; workflow_id: string }>(
    `SELECT subject_id, workflow_id FROM learning_redrives
      WHERE experiment_id = $1 AND from_version = $2 AND subject_kind = 'content' AND action = 'redraft' AND status = 'pending' ORDER BY subject_id`,
    [experimentId, version],
  );
  return rows.map((row) => ({ contentId: row.subject_id, workflowId: row.workflow_id }));
}

/** Content the version wrote and a person has decided on or revised: flagged for review once (published text is never replaced silently). */
export async function flagContent(
  pg: Pool,
  experimentId: string,
  tenantId: string,
  version: string,
): Promise<{ contentId: string; published: boolean }[]> {
  const { rows } = await pg.query<{ content_id: string; published: boolean }>(
    `INSERT INTO learning_redrives (experiment_id, subject_kind, subject_id, tenant_id, from_version, action, status, done_at)
     SELECT DISTINCT $1, 'content', r.content_id, r.tenant_id, $3, 'flagged-for-review', 'flagged', now()
       FROM content_revisions r WHERE r.tenant_id = $2 AND r.ai->>'promptVersion' = $3
     ON CONFLICT DO NOTHING
     RETURNING subject_id AS content_id,
       EXISTS (SELECT 1 FROM content_publications p WHERE p.tenant_id = $2 AND p.content_id = subject_id AND p.status = 'published') AS published`,
    [experimentId, tenantId, version],
  );
  return rows.map((row) => ({ contentId: row.content_id, published: row.published }));
}

export interface RedriveRow {
  subjectKind: string;
  subjectId: string;
  fromVersion: string;
  action: string;
  workflowId: string | null;
  status: string;
}

export async function redrivesOf(pg: Pool, experimentId: string): Promise<RedriveRow[]> {
  const { rows } = await pg.query<RedriveRow>(
    `SELECT subject_kind AS "subjectKind", subject_id AS "subjectId", from_version AS "fromVersion", action, workflow_id AS "workflowId", status
       FROM learning_redrives WHERE experiment_id = $1 ORDER BY subject_kind, subject_id`,
    [experimentId],
  );
  return rows;
}
