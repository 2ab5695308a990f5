// Activities of the stack-check slice: one idempotent write per store.
import { esIndices } from '../stores/elasticsearch';
import { GRAPH_CALL_TIMEOUT_MS, boundedGraphCall } from '../stores/neo4j';
import type { ActivityDeps } from './deps';

export interface StackCheckRecord {
  checkId: string;
  tenantId: string;
  note: string;
  workflowId: string;
}

export function createStackCheckActivities({ config, pg, es, neo4j }: ActivityDeps) {
  const index = esIndices(config).stackChecks;
  return {
    async recordStackCheck(check: StackCheckRecord) {
      await pg.query(
        `INSERT INTO stack_checks (check_id, tenant_id, note, workflow_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (check_id) DO UPDATE
           SET tenant_id = EXCLUDED.tenant_id, note = EXCLUDED.note,
               workflow_id = EXCLUDED.workflow_id, updated_at = now()`,
        [check.checkId, check.tenantId, check.note, check.workflowId],
      );
      return { table: 'stack_checks', key: check.checkId };
    },

    async indexStackCheck(check: StackCheckRecord) {
      await es.index({
        index,
        id: check.checkId,
        document: { ...check, createdAt: new Date().toISOString() },
        refresh: 'wait_for',
      });
      return { index, id: check.checkId };
    },

    async graphStackCheck(check: StackCheckRecord) {
      await boundedGraphCall((signal) =>
        neo4j.executeQuery(
          `MERGE (c:StackCheck {checkId: $checkId})
         SET c.tenantId = $tenantId, c.note = $note, c.workflowId = $workflowId, c.updatedAt = datetime()`,
          { ...check },
          { database: config.NEO4J_DATABASE, signal, transactionConfig: { timeout: GRAPH_CALL_TIMEOUT_MS } },
        ),
      );
      return { label: 'StackCheck', key: check.checkId };
    },
  };
}

export type StackCheckActivities = ReturnType<typeof createStackCheckActivities>;
