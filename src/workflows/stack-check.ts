// Stack check: the thinnest end-to-end slice. One HTTP call starts it; its activities write
// a row to PostgreSQL, a document to Elasticsearch and a node to Neo4j. Operators run it to
// prove that API, Temporal, workers and all three stores are wired together.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { StackCheckActivities } from '../activities/stack-check';
import { storeWrite } from './activity-presets';

export interface StackCheckInput {
  checkId: string;
  tenantId: string;
  note: string;
}

export interface StackCheckResult {
  checkId: string;
  postgres: { table: string; key: string };
  elasticsearch: { index: string; id: string };
  neo4j: { label: string; key: string };
}

const { recordStackCheck, indexStackCheck, graphStackCheck } = proxyActivities<StackCheckActivities>(storeWrite);

export const stackCheckWorkflowId = (checkId: string) => `stack-check/${checkId}`;

export async function stackCheckWorkflow(input: StackCheckInput): Promise<StackCheckResult> {
  const record = { ...input, workflowId: workflowInfo().workflowId };
  // PostgreSQL is the system of record: write it first, then the derived stores.
  const postgres = await recordStackCheck(record);
  const [elasticsearch, neo4j] = await Promise.all([indexStackCheck(record), graphStackCheck(record)]);
  return { checkId: input.checkId, postgres, elasticsearch, neo4j };
}
