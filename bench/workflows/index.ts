// Workflows of the orchestration-ceiling bench (G1): the product item workflow as the service
// runs it, and the dev server's own ceiling: a chain of the same number of no-op activities.
import { proxyActivities } from '@temporalio/workflow';
import { storeWrite } from '../../src/workflows/activity-presets';

export { productItemWorkflow } from '../../src/workflows/product-item';

export async function noopChainWorkflow(activities: number): Promise<number> {
  const { noop } = proxyActivities<{ noop(): Promise<void> }>(storeWrite);
  for (let i = 0; i < activities; i++) await noop();
  return activities;
}
