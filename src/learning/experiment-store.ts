// Experiments in PostgreSQL: the row decisions read (arms and the current allocation) and the
// record that stays once the experiment workflow has finished. The workflow owns the live state.
import type { Pool } from 'pg';
import type { DecisionOutcome } from './reward';

export type ExperimentStatus = 'running' | 'rolled-back' | 'promoted' | 'stopped';

export interface ExperimentArm {
  version: string;
  production: boolean;
}

export interface ExperimentRecord {
  experimentId: string;
  tenantId: string;
  task: string;
  status: ExperimentStatus;
  arms: ExperimentArm[];
  allocation: Record<string, number>;
  config: Record<string, unknown>;
  workflowId: string;
  createdBy: string;
  startedAt: string;
  endedAt?: string;
  outcome?: Record<string, unknown>;
}

interface ExperimentRow {
  experiment_id: string;
  scope: string;
  task: string;
  status: ExperimentStatus;
  arms: ExperimentArm[];
  allocation: Record<string, number>;
  config: Record<string, unknown>;
  workflow_id: string;
  created_by: string;
  started_at: Date;
  ended_at: Date | null;
  outcome: Record<string, unknown> | null;
}

const toRecord = (row: ExperimentRow): ExperimentRecord => ({
  experimentId: row.experiment_id,
  tenantId: row.scope,
  task: row.task,
  status: row.status,
  arms: row.arms,
  allocation: row.allocation,
  config: row.config,
  workflowId: row.workflow_id,
  createdBy: row.created_by,
  startedAt: row.started_at.toISOString(),
  endedAt: row.ended_at?.toISOString(),
  outcome: row.outcome ?? undefined,
});

/** Inserts a running experiment; false when one is already running for the tenant's task. */
export async function insertExperiment(pg: Pool, record: Omit<ExperimentRecord, 'status' | 'startedAt'>): Promise<boolean> {
  const result = await pg.query(
    `INSERT INTO experiments (experiment_id, scope, task, status, arms, allocation, config, workflow_id, created_by)
     VALUES ($1,$2,$3,'running',$4,$5,$6,$7,$8) ON CONFLICT DO NOTHING`,
    [
      record.experimentId,
      record.tenantId,
      record.task,
      JSON.stringify(record.arms),
      record.allocation,
      record.config,
      record.workflowId,
      record.createdBy,
    ],
  );
  return result.rowCount === 1;
}

export async function getExperiment(pg: Pool, experimentId: string): Promise<ExperimentRecord | undefined> {
  const { rows } = await pg.query<ExperimentRow>('SELECT * FROM experiments WHERE experiment_id = $1', [experimentId]);
  return rows[0] ? toRecord(rows[0]) : undefined;
}

export async function runningExperiment(pg: Pool, tenantId: string, task: string): Promise<ExperimentRecord | undefined> {
  const { rows } = await pg.query<ExperimentRow>(`SELECT * FROM experiments WHERE scope = $1 AND task = $2 AND status = 'running'`, [
    tenantId,
    task,
  ]);
  return rows[0] ? toRecord(rows[0]) : undefined;
}

export async function listExperiments(pg: Pool, tenantId: string, limit = 100): Promise<ExperimentRecord[]> {
  const { rows } = await pg.query<ExperimentRow>('SELECT * FROM experiments WHERE scope = $1 ORDER BY started_at DESC LIMIT $2', [
    tenantId,
    limit,
  ]);
  return rows.map(toRecord);
}

export async function setAllocation(pg: Pool, experimentId: string, allocation: Record<string, number>): Promise<void> {
  await pg.query(`UPDATE experiments SET allocation = $2 WHERE experiment_id = $1 AND status = 'running'`, [experimentId, allocation]);
}

/** Ends a running experiment; false when it had already ended (a retry, or a race with a stop). */
export async function endExperiment(
  pg: Pool,
  experimentId: string,
  status: Exclude<ExperimentStatus, 'running'>,
  outcome: Record<string, unknown>,
): Promise<boolean> {
  const result = await pg.query(
    `UPDATE experiments SET status = $2, outcome = $3, ended_at = now(), allocation = '{}' WHERE experiment_id = $1 AND status = 'running'`,
    [experimentId, status, outcome],
  );
  return result.rowCount === 1;
}

/**
 * Every decision of an experiment with its outcome and, for drafts, the reviewers' first decision
 * on the revision the call wrote (approve / request changes / reject, from the audit trail: a
 * risk-policy auto-approval or an expiry is no reviewer's verdict) and engagement.
 */
export async function outcomesOf(pg: Pool, experimentId: string): Promise<{ arm: string; outcome?: DecisionOutcome }[]> {
  const { rows } = await pg.query<{ arm: string; outcome: DecisionOutcome | null; review: string | null; engagement: number | null }>(
    `SELECT d.arm, d.outcome,
            (SELECT a.action FROM llm_calls c
               JOIN content_revisions r ON r.ai->>'callId' = c.call_id::text
               JOIN content_audit a ON a.tenant_id = r.tenant_id AND a.content_id = r.content_id AND a.revision = r.revision
                AND a.action IN ('review.approve', 'review.request-changes', 'review.reject')
              WHERE c.decision_id = d.decision_id AND c.status = 'ok' ORDER BY a.id LIMIT 1) AS review,
            (SELECT sum(lf.value) FROM llm_calls c
               JOIN content_revisions r ON r.ai->>'callId' = c.call_id::text
               JOIN learning_feedback lf ON lf.tenant_id = r.tenant_id AND lf.subject_kind = 'content' AND lf.subject_id = r.content_id AND lf.signal = 'engagement'
              WHERE c.decision_id = d.decision_id AND c.status = 'ok') AS engagement
       FROM llm_decisions d WHERE d.experiment_id = $1`,
    [experimentId],
  );
  const reviews: Record<string, DecisionOutcome['review']> = {
    'review.approve': 'approved',
    'review.request-changes': 'changes',
    'review.reject': 'rejected',
  };
  return rows.map((row) => {
    if (!row.outcome) return { arm: row.arm };
    return {
      arm: row.arm,
      outcome: {
        ...row.outcome,
        review: row.review ? reviews[row.review] : undefined,
        engagement: row.engagement === null ? undefined : Number(row.engagement),
      },
    };
  });
}
