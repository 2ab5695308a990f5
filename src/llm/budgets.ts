// Per-tenant LLM token budgets. Setting or raising a budget wakes the tenant's workflows that
// paused on an exhausted one (they also recheck on their own every few minutes).
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { llmBudgetRaisedSignal } from '../temporal/signals';

/** Sets the tenant's token limit (tokens already used are kept); returns how many workflows were woken. */
export async function setLlmBudget(pg: Pool, temporal: Client, tenantId: string, tokenLimit: number): Promise<number> {
  await pg.query(
    `INSERT INTO llm_budgets (tenant_id, token_limit) VALUES ($1, $2)
     ON CONFLICT (tenant_id) DO UPDATE SET token_limit = EXCLUDED.token_limit, updated_at = now()`,
    [tenantId, tokenLimit],
  );
  let woken = 0;
  const query = `TenantId = '${tenantId.replace(/'/g, "\\'")}' AND PausedReason = 'llm-budget' AND ExecutionStatus = 'Running'`;
  for await (const execution of temporal.workflow.list({ query })) {
    await temporal.workflow.getHandle(execution.workflowId, execution.runId).signal(llmBudgetRaisedSignal);
    woken++;
  }
  return woken;
}

/** Removes the tenant's limit (no row means unlimited). */
export async function clearLlmBudget(pg: Pool, tenantId: string): Promise<void> {
  await pg.query('DELETE FROM llm_budgets WHERE tenant_id = $1', [tenantId]);
}
