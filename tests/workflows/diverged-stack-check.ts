// A deliberately changed stackCheckWorkflow (graph write dropped, order changed) used to prove
// that the replay test catches a change that would break runs in flight.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { StackCheckActivities } from '../../src/activities/stack-check';
import type { StackCheckInput } from '../../src/workflows/stack-check';

const { indexStackCheck, recordStackCheck } = proxyActivities<StackCheckActivities>({ startToCloseTimeout: '30 seconds' });

export async function stackCheckWorkflow(input: StackCheckInput): Promise<unknown> {
  const record = { ...input, workflowId: workflowInfo().workflowId };
  await indexStackCheck(record);
  return recordStackCheck(record);
}
