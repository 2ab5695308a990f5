// A list's embedding, search-index and graph writes, a page of stored products at a time: its
// items only store their product, and here one embeddings request, one _bulk and one graph
// transaction carry a whole page (bench G4: a batch of writers in flight was never more than
// the item window). A page runs beside the item window, one page at a time; the list flushes
// what waits before it continues as new and before it ends, so every stored product is indexed
// (or its item reported failed) when the list completes.
import { isCancellation, proxyActivities } from '@temporalio/workflow';
import type { createProductListActivities, PageItemFailure } from '../activities/product-lists';
import type { createProductStoreActivities, PageFailure } from '../activities/product-store';
import { llmCall, recordOutcome, storeWrite } from './activity-presets';
import { describeFailure } from './failures';
import type { BudgetPause } from './llm-budget';
import type { ProductStage } from './product-item';
import { taskQueueFor } from './task-queue';

/** Marks lists that start their items with sinks 'list' (runs recorded before replay without). */
export const LIST_SINK_PAGES_PATCH = 'list-sink-pages';

export const DEFAULT_SINK_PAGE_SIZE = 100;

/** The list's counters a page adjusts. */
export interface SinkCounters {
  succeeded: number;
  failed: number;
  stagesPassed: Record<ProductStage, number>;
}

export interface SinkPages {
  /** A succeeded item's product waits for its page; a full page starts at once (in the background). */
  add(itemKey: string, productId: string): void;
  /** Runs every waiting product through its page, after the page in flight. */
  flush(): Promise<void>;
}

type Store = ReturnType<typeof createProductStoreActivities>;
type Lists = ReturnType<typeof createProductListActivities>;
type PageStage = Extract<ProductStage, 'index' | 'graph'>;
type StageFailure = Omit<PageItemFailure, 'itemKey' | 'stage'>;

export function createSinkPages(
  list: { listId: string; tenantId: string; stages: ProductStage[]; pageSize: number },
  counters: SinkCounters,
  budget: BudgetPause,
): SinkPages {
  const llm = proxyActivities<Store>({ ...llmCall, taskQueue: taskQueueFor('llm') });
  const stores = proxyActivities<Store>(storeWrite);
  const outcomes = proxyActivities<Lists>(recordOutcome);
  const stages = (['index', 'graph'] as const).filter((stage) => list.stages.includes(stage));
  const waiting: { itemKey: string; productId: string }[] = [];
  let draining: Promise<void> | undefined;
  let broken: Error | undefined; // a page that failed for good (not a store outage: that is waited out): the list fails at its next flush

  async function runPage(page: typeof waiting): Promise<void> {
    const failedAt: Record<PageStage, Map<string, StageFailure>> = { index: new Map(), graph: new Map() };
    const productIds = [...new Set(page.map((item) => item.productId))];
    /** One stage of the page: products it answers as failed fail alone; if the activity itself
     *  fails (its retries used up), every product of the page fails at that stage. */
    const sink = async (stage: PageStage, work: () => Promise<{ failed: PageFailure[] }>) => {
      try {
        const { failed } = await work();
        for (const { productId, errorType, message } of failed) failedAt[stage].set(productId, { errorType, message, attempts: 1 });
      } catch (error) {
        if (isCancellation(error)) throw error;
        for (const productId of productIds) failedAt[stage].set(productId, describeFailure(error));
      }
    };
    const indexPage = async () => {
      const embedded = await budget.run(() => llm.embedProducts({ tenantId: list.tenantId, productIds }));
      const missing = new Set(embedded.failed.map((failure) => failure.productId));
      const rest = productIds.filter((id) => !missing.has(id));
      // A document Elasticsearch refuses for good fails its own item, not the page's hundred.
      const indexed = rest.length > 0 ? await stores.indexProducts({ productIds: rest, rejected: 'report' }) : undefined;
      return { failed: [...embedded.failed, ...(indexed?.failed ?? [])] };
    };
    await Promise.all(stages.map((stage) => sink(stage, stage === 'index' ? indexPage : () => stores.writeProductPage({ productIds }))));

    for (const stage of stages) counters.stagesPassed[stage] += page.filter((item) => !failedAt[stage].has(item.productId)).length;
    const failures = page.flatMap((item) => {
      const stage = stages.find((s) => failedAt[s].has(item.productId));
      return stage ? [{ itemKey: item.itemKey, stage, ...failedAt[stage].get(item.productId)! }] : [];
    });
    if (failures.length > 0) {
      await outcomes.recordPageFailures({ listId: list.listId, failures });
      counters.succeeded -= failures.length;
      counters.failed += failures.length;
    }
  }

  /** Runs pages while at least `min` products wait; at most one drain (so one page) at a time. */
  const drain = (min: number): Promise<void> =>
    (draining ??= (async () => {
      while (waiting.length >= min) await runPage(waiting.splice(0, list.pageSize));
    })()
      .catch((error: unknown) => void (broken ??= error as Error))
      .finally(() => (draining = undefined)));

  return {
    add(itemKey, productId) {
      if (stages.length === 0) return;
      waiting.push({ itemKey, productId });
      if (waiting.length >= list.pageSize) void drain(list.pageSize);
    },
    async flush() {
      while (broken === undefined && (draining || waiting.length > 0)) await (draining ?? drain(1));
      if (broken !== undefined) throw broken;
    },
  };
}
