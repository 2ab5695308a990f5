// A test-only workflow around a list's sink pages, so their failure handling runs on the
// time-skipping server with mocked activities, without the whole product list around it.
import type { SinkCounters } from '../../src/workflows/list-sink-pages';
import { createSinkPages } from '../../src/workflows/list-sink-pages';
import type { BudgetPause } from '../../src/workflows/llm-budget';
import { productStages, type ProductStage } from '../../src/workflows/product-item';

const noBudget: BudgetPause = { paused: false, run: (call) => call() };

/** Sinks `productIds` (item key = product id) in one page and returns the list's counters. */
export async function sinkPagesProbeWorkflow(listId: string, productIds: string[]): Promise<SinkCounters> {
  const counters: SinkCounters = {
    succeeded: productIds.length,
    failed: 0,
    stagesPassed: Object.fromEntries(productStages.map((stage) => [stage, 0])) as Record<ProductStage, number>,
  };
  const pages = createSinkPages({ listId, tenantId: 't1', stages: ['index', 'graph'], pageSize: productIds.length }, counters, noBudget);
  for (const productId of productIds) pages.add(productId, productId);
  await pages.flush();
  return counters;
}
