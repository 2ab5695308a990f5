// Decisions of the engine in PostgreSQL: one row per decision (what was chosen and why), its
// outcome once the call settled, and the recent figures per version the engine reads back.
import type { Pool } from 'pg';
import type { Decision, VersionFigures } from './decision';
import type { DecisionOutcome } from './reward';

export interface RecordedDecision extends Decision {
  decisionId: string;
}

interface DecisionRow {
  decision_id: string;
  task: string;
  prompt_version: string;
  model: string;
  temperature: number;
  max_tokens: number;
  priority_key: number;
  experiment_id: string | null;
  arm: string | null;
  reasons: string[];
}

const toDecision = (row: DecisionRow): RecordedDecision => ({
  decisionId: row.decision_id,
  task: row.task,
  promptVersion: row.prompt_version,
  model: row.model,
  temperature: Number(row.temperature),
  maxTokens: row.max_tokens,
  priorityKey: row.priority_key,
  experimentId: row.experiment_id ?? undefined,
  arm: row.arm ?? undefined,
  reasons: row.reasons,
});

/** Records a decision once: a retried activity gets back the decision first recorded. */
export async function recordDecision(
  pg: Pool,
  decisionId: string,
  tenantId: string,
  decision: Decision,
  where: { workflowId?: string; subject?: string },
): Promise<RecordedDecision> {
  await pg.query(
    `INSERT INTO llm_decisions (decision_id, tenant_id, task, prompt_version, model, temperature, max_tokens, priority_key,
       experiment_id, arm, reasons, workflow_id, subject)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) ON CONFLICT (decision_id) DO NOTHING`,
    [
      decisionId,
      tenantId,
      decision.task,
      decision.promptVersion,
      decision.model,
      decision.temperature,
      decision.maxTokens,
      decision.priorityKey,
      decision.experimentId ?? null,
      decision.arm ?? null,
      JSON.stringify(decision.reasons),
      where.workflowId ?? null,
      where.subject ?? null,
    ],
  );
  const { rows } = await pg.query<DecisionRow>('SELECT * FROM llm_decisions WHERE decision_id = $1', [decisionId]);
  return toDecision(rows[0]!);
}

/** The outcome of the call a decision chose (the last attempt's, when Temporal retried it). */
export async function settleDecision(pg: Pool, decisionId: string, outcome: DecisionOutcome): Promise<void> {
  await pg.query('UPDATE llm_decisions SET outcome = $2, settled_at = now() WHERE decision_id = $1', [decisionId, JSON.stringify(outcome)]);
}

export async function decisionsOfWorkflow(pg: Pool, tenantId: string, workflowId: string) {
  const { rows } = await pg.query<DecisionRow & { outcome: DecisionOutcome | null; created_at: Date; subject: string | null }>(
    'SELECT * FROM llm_decisions WHERE tenant_id = $1 AND workflow_id = $2 ORDER BY created_at, decision_id',
    [tenantId, workflowId],
  );
  return rows.map((row) => ({
    ...toDecision(row),
    subject: row.subject ?? undefined,
    outcome: row.outcome ?? undefined,
    decidedAt: row.created_at.toISOString(),
  }));
}

/** Recent figures per version for a tenant's task (the last `window` settled decisions of each). */
export async function recentFigures(
  pg: Pool,
  tenantId: string,
  task: string,
  versions: string[],
  window = 200,
): Promise<Record<string, VersionFigures>> {
  if (versions.length === 0) return {};
  const { rows } = await pg.query<{ prompt_version: string; calls: string; invalid: string; p95: number | null }>(
    `SELECT prompt_version, count(*) AS calls,
            count(*) FILTER (WHERE outcome->>'final' IN ('repaired', 'invalid')) AS invalid,
            percentile_disc(0.95) WITHIN GROUP (ORDER BY (outcome->>'latencyMs')::int) AS p95
       FROM (SELECT prompt_version, outcome, row_number() OVER (PARTITION BY prompt_version ORDER BY settled_at DESC) AS n
               FROM llm_decisions WHERE tenant_id = $1 AND task = $2 AND prompt_version = ANY($3) AND settled_at IS NOT NULL) recent
      WHERE n <= $4 GROUP BY prompt_version`,
    [tenantId, task, versions, window],
  );
  return Object.fromEntries(
    rows.map((row) => [
      row.prompt_version,
      {
        calls: Number(row.calls),
        invalidFirstTryRate: Number(row.invalid) / Math.max(Number(row.calls), 1),
        p95LatencyMs: Number(row.p95 ?? 0),
      },
    ]),
  );
}

export async function budgetOf(pg: Pool, tenantId: string): Promise<{ limit: number; used: number } | undefined> {
  const { rows } = await pg.query<{ token_limit: string; tokens_used: string }>(
    'SELECT token_limit, tokens_used FROM llm_budgets WHERE tenant_id = $1',
    [tenantId],
  );
  return rows[0] ? { limit: Number(rows[0].token_limit), used: Number(rows[0].tokens_used) } : undefined;
}
