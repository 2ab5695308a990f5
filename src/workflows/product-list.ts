// A product list: one child workflow per item through a sliding window, pause / resume /
// cancel, a progress query, continue-as-new every LIST_ITEMS_PER_RUN items (history stays
// bounded for any list size), and a final report. Items store their product; embedding, index
// and graph run per page of stored products beside the window (list-sink-pages.ts), and the
// similarity edges once for the whole list at its end. Items and their outcomes live in
// PostgreSQL; this workflow holds only a cursor, counters and the items in flight.
import {
  CancellationScope,
  ParentClosePolicy,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createProductListActivities, ListReport } from '../activities/product-lists';
import type { createProductStoreActivities } from '../activities/product-store';
import { SearchAttr } from '../temporal/search-attributes';
import { listBatchWork, storeWrite } from './activity-presets';
import { createSinkPages, DEFAULT_SINK_PAGE_SIZE, LIST_SINK_PAGES_PATCH } from './list-sink-pages';
import { installBudgetPause } from './llm-budget';
import { productItemWorkflow, productStages, type ListOptions, type ProductItemResult, type ProductStage } from './product-item';

export interface ProductListInput {
  listId: string;
  tenantId: string;
  total: number;
  options: ListOptions;
  itemsPerRun: number;
  /** Stored products per page of embedding, index and graph writes (list-sink-pages runs). */
  sinkPageSize?: number;
  /** Carried across continue-as-new. */
  carry?: ListCarry;
}

interface ListCarry {
  afterKey: string;
  succeeded: number;
  failed: number;
  stagesPassed: Record<ProductStage, number>;
  paused: boolean;
  runs: number;
}

export interface ListProgress {
  listId: string;
  total: number;
  status: 'running' | 'paused' | 'cancelling' | 'finishing';
  succeeded: number;
  failed: number;
  inFlight: { itemKey: string; workflowId: string }[];
  stagesPassed: Record<ProductStage, number>;
  runs: number;
}

export const pauseListSignal = defineSignal('pause');
export const resumeListSignal = defineSignal('resume');
export const cancelListSignal = defineSignal('cancel');
export const listProgressQuery = defineQuery<ListProgress>('progress');

export const productListWorkflowId = (listId: string) => `product-list/${listId}`;
export const productItemWorkflowId = (listId: string, itemKey: string) => `product-list/${listId}/${itemKey}`;

const PAGE_SIZE = 100;

export async function productListWorkflow(input: ProductListInput): Promise<ListReport> {
  const lists = proxyActivities<ReturnType<typeof createProductListActivities>>(storeWrite);
  const batch = proxyActivities<ReturnType<typeof createProductStoreActivities>>(listBatchWork);
  const carry: ListCarry = input.carry ?? {
    afterKey: '',
    succeeded: 0,
    failed: 0,
    stagesPassed: Object.fromEntries(productStages.map((s) => [s, 0])) as Record<ProductStage, number>,
    paused: false,
    runs: 0,
  };
  const state = { ...carry, cancelled: false, finishing: false, runs: carry.runs + 1 };
  const inFlight = new Map<string, string>();
  // Runs from before this patch let each item embed, index and write the graph itself.
  const sinkPages = patched(LIST_SINK_PAGES_PATCH)
    ? createSinkPages(
        {
          listId: input.listId,
          tenantId: input.tenantId,
          stages: input.options.stages,
          pageSize: input.sinkPageSize ?? DEFAULT_SINK_PAGE_SIZE,
        },
        state,
        installBudgetPause(),
      )
    : undefined;

  setHandler(pauseListSignal, () => void (state.paused = true));
  setHandler(resumeListSignal, () => void (state.paused = false));
  setHandler(cancelListSignal, () => void (state.cancelled = true));
  setHandler(listProgressQuery, () => ({
    listId: input.listId,
    total: input.total,
    status: state.cancelled ? 'cancelling' : state.finishing ? 'finishing' : state.paused ? 'paused' : 'running',
    succeeded: state.succeeded,
    failed: state.failed,
    inFlight: [...inFlight].map(([itemKey, workflowId]) => ({ itemKey, workflowId })),
    stagesPassed: { ...state.stagesPassed },
    runs: state.runs,
  }));
  upsertSearchAttributes([{ key: SearchAttr.ListStatus, value: 'running' }]);

  const children = new CancellationScope();
  const running = new Set<Promise<void>>();
  const cancelledItems: string[] = [];
  const record = (result: ProductItemResult) => {
    if (result.state === 'succeeded') state.succeeded++;
    else state.failed++;
    for (const stage of result.stagesDone) state.stagesPassed[stage]++;
    if (result.state === 'succeeded' && result.productId) sinkPages?.add(result.itemKey, result.productId);
  };
  const startChild = (itemKey: string, url: string) => {
    const workflowId = productItemWorkflowId(input.listId, itemKey);
    inFlight.set(itemKey, workflowId);
    const child = children
      .run(() =>
        executeChild(productItemWorkflow, {
          workflowId,
          args: [
            {
              listId: input.listId,
              tenantId: input.tenantId,
              itemKey,
              url,
              options: input.options,
              ...(sinkPages && { sinks: 'list' as const }),
            },
          ],
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          // The Temporal UI names the item by its page, not only by the hashed workflow id.
          staticSummary: `Product item ${itemKey} of list ${input.listId}: ${url}`,
          typedSearchAttributes: [
            { key: SearchAttr.BusinessId, value: input.listId },
            { key: SearchAttr.WorkflowKind, value: 'product-item' },
            { key: SearchAttr.TenantId, value: input.tenantId },
          ],
        }),
      )
      .then(record, (error: unknown) => {
        // A child that broke leaves its item pending for a redrive; a cancelled one may have
        // recorded its success just before (looked up before the last page).
        if (!isCancellation(error)) state.failed++;
        else if (sinkPages) cancelledItems.push(itemKey);
      })
      .finally(() => {
        inFlight.delete(itemKey);
        running.delete(child);
      });
    running.add(child);
  };

  let startedThisRun = 0;
  let page: { itemKey: string; url: string }[] = [];
  let exhausted = false;
  for (;;) {
    await condition(() => state.cancelled || (!state.paused && running.size < input.options.concurrency));
    if (state.cancelled) break;
    if (page.length === 0) {
      const room = input.itemsPerRun - startedThisRun;
      if (room <= 0 || workflowInfo().continueAsNewSuggested) break;
      page = await lists.loadPendingItems({ listId: input.listId, afterKey: state.afterKey, limit: Math.min(PAGE_SIZE, room) });
      if (page.length === 0) {
        exhausted = true;
        break;
      }
      continue; // a pause or cancel may have arrived while the page loaded
    }
    const item = page.shift()!;
    state.afterKey = item.itemKey;
    startedThisRun++;
    startChild(item.itemKey, item.url);
  }

  if (state.cancelled) children.cancel();
  state.finishing = !state.cancelled;
  await Promise.all(running);
  if (sinkPages && cancelledItems.length > 0) {
    // A child cancelled while it recorded its outcome may have recorded a success: its product
    // goes through a page like the others (and counts as the report will count it).
    for (const { itemKey, productId } of await lists.loadSucceededItems({ listId: input.listId, itemKeys: cancelledItems })) {
      state.succeeded++;
      sinkPages.add(itemKey, productId);
    }
  }
  await sinkPages?.flush(); // what was stored, cancelled list included: continue-as-new carries no page

  if (!state.cancelled && !exhausted) {
    // More items remain: hand the cursor and counters to a fresh run with an empty history.
    const { afterKey, succeeded, failed, stagesPassed, paused, runs } = state;
    await continueAsNew<typeof productListWorkflow>({ ...input, carry: { afterKey, succeeded, failed, stagesPassed, paused, runs } });
  }
  // patched(): lists already past this point when the refresh was added replay without it. With
  // sink pages the refresh is the only similarity pass, so a cancelled list's products get it too.
  const refresh = patched('list-recommendation-refresh') && (!state.cancelled || sinkPages !== undefined);
  if (refresh && !input.options.dryRun && input.options.stages.includes('graph')) {
    await batch.refreshListRecommendations({ listId: input.listId });
  }
  const report = await lists.finalizeListReport({ listId: input.listId, cancelled: state.cancelled });
  upsertSearchAttributes([{ key: SearchAttr.ListStatus, value: state.cancelled ? 'cancelled' : 'completed' }]);
  return report;
}
