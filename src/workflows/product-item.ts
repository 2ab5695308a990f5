// One product of a list, end to end: fetch → extract → (images ∥ text ∥ sentiment) → AI
// enhancement → store → embed + index → graph → inventory; with sinks 'list', embedding, index
// and graph are left to the list, a page of items at a time. Each I/O is an activity on the
// queue of its kind; an item's failure is recorded (stage, type, attempts) and returned, not
// thrown, so the list carries on.
import {
  ActivityFailure,
  ApplicationFailure,
  defineQuery,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
} from '@temporalio/workflow';
import type { DecisionRef, LearningActivities } from '../activities/learning';
import type { createProductCrawlActivities } from '../activities/product-crawl';
import type { createProductEnrichActivities } from '../activities/product-enrich';
import type { createProductLlmExtractActivities } from '../activities/product-llm-extract';
import type { createProductListActivities, ItemOutcome } from '../activities/product-lists';
import type { createProductStoreActivities } from '../activities/product-store';
import { decisionRefOf } from './decision-ref';
import { httpFetch, imageWork, llmCall, localCpuWork, localStoreWrite, localWork, storeWrite } from './activity-presets';
import { installBudgetPause } from './llm-budget';
import { productItemSubject } from '../learning/decision';
import { DECISION_PATCH } from './llm-task';
import { taskQueueFor } from './task-queue';
import { activityApplicationFailure, describeFailure } from './failures';

/** Items given inline by a feed carry this pseudo-URL instead of a page to crawl. */
export const FEED_URL_PREFIX = 'feed:';

export const productStages = [
  'fetch',
  'extract',
  'images',
  'text',
  'sentiment',
  'enhance',
  'store',
  'index',
  'graph',
  'inventory',
] as const;
export type ProductStage = (typeof productStages)[number];

export interface ListOptions {
  /** Children in flight at once. */
  concurrency: number;
  /** Stages to run; fetch, extract and store always run (unless dryRun skips storing). */
  stages: ProductStage[];
  /** LLM enrichment (sentiment, enhancement) on or off. */
  llm: boolean;
  /** Crawl and extract only: nothing is written to the stores. */
  dryRun: boolean;
}

export interface ProductItemInput {
  listId: string;
  tenantId: string;
  itemKey: string;
  url: string;
  options: ListOptions;
  /** Where the stored product is embedded, indexed and written to the graph: by the item (absent,
   *  as before) or by its list, a page of items at a time (the item only stores it). */
  sinks?: 'item' | 'list';
}

export interface ProductItemResult {
  itemKey: string;
  state: 'succeeded' | 'failed';
  productId?: string;
  stagesDone: ProductStage[];
  failure?: ItemOutcome['failure'];
  warnings?: ItemOutcome['warnings'];
}

/** AI enrichment is optional: when the model cannot give a valid answer (or refuses), the
 *  product goes on without it and the item carries a warning instead of failing. */
const SKIPPABLE_ENRICHMENT_FAILURES = new Set(['LlmInvalidOutput', 'LlmContentRefused']);

/** Marks histories recorded after the LLM extraction fallback was added (replay safety). */
export const LLM_EXTRACTION_PATCH = 'llm-extraction-fallback';

/** Marks histories recorded with fewer round trips per item: extraction and text cleaning as
 *  local activities, graph and inventory side by side (items recorded before replay without). */
export const FEWER_ROUND_TRIPS_PATCH = 'item-fewer-round-trips';

/** Marks histories recorded with the item's writes as local activities, the enrichment decisions
 *  taken while the page is fetched, and sentiment and enhancement side by side. */
export const LOCAL_WRITES_PATCH = 'item-local-writes';

/** Marks histories recorded with the enrichment decisions as local activities too (a decision is
 *  a few PostgreSQL reads and one idempotent insert: two activity tasks fewer per item). */
export const LOCAL_DECISIONS_PATCH = 'item-local-decisions';

export const productItemStageQuery = defineQuery<{ stage: ProductStage; done: ProductStage[] }>('stage');

type Crawl = ReturnType<typeof createProductCrawlActivities>;
type Enrich = ReturnType<typeof createProductEnrichActivities>;
type Store = ReturnType<typeof createProductStoreActivities>;
type Lists = ReturnType<typeof createProductListActivities>;
type LlmExtract = ReturnType<typeof createProductLlmExtractActivities>;

export async function productItemWorkflow(input: ProductItemInput): Promise<ProductItemResult> {
  const fetching = proxyActivities<Crawl>({ ...httpFetch, taskQueue: taskQueueFor('crawl') });
  const imaging = proxyActivities<Crawl>({ ...imageWork, taskQueue: taskQueueFor('crawl') });
  const local = proxyActivities<Crawl & Enrich>(localWork);
  // Histories with the newest patch have all the older ones: asking for those too would only
  // add a marker and a search-attribute update per patch to every item's history.
  const localDecisions = patched(LOCAL_DECISIONS_PATCH);
  const localWrites = localDecisions || patched(LOCAL_WRITES_PATCH);
  const fewerRoundTrips = localWrites || patched(FEWER_ROUND_TRIPS_PATCH);
  /** Short CPU-only stages: local activities, or (histories from before) activity tasks. */
  const cpu = fewerRoundTrips ? proxyLocalActivities<Crawl & Enrich>(localCpuWork) : local;
  const llm = proxyActivities<Enrich & Store & LlmExtract>({ ...llmCall, taskQueue: taskQueueFor('llm') });
  const stores = localWrites ? proxyLocalActivities<Store & Lists>(localStoreWrite) : proxyActivities<Store & Lists>(storeWrite);
  const learning = localDecisions
    ? proxyLocalActivities<LearningActivities>(localStoreWrite)
    : proxyActivities<LearningActivities>(storeWrite);
  /** The LLM queue at the priority a decision chose. */
  const llmAt = (decision?: DecisionRef) =>
    decision?.priorityKey
      ? proxyActivities<Enrich & Store>({ ...llmCall, taskQueue: taskQueueFor('llm'), priority: { priorityKey: decision.priorityKey } })
      : llm;
  const budget = installBudgetPause();

  const { options, tenantId, url } = input;
  const wanted = (stage: ProductStage) => options.stages.includes(stage);
  let current: ProductStage = 'fetch';
  let failedStage: ProductStage | undefined;
  const done: ProductStage[] = [];
  setHandler(productItemStageQuery, () => ({ stage: current, done: [...done] }));

  /** Runs one stage, remembering which stage failed first (parallel stages included). */
  async function stage<T>(name: ProductStage, work: () => Promise<T>): Promise<T> {
    current = name;
    try {
      const result = await work();
      done.push(name);
      return result;
    } catch (error) {
      failedStage ??= name;
      throw error;
    }
  }

  const warnings: NonNullable<ItemOutcome['warnings']> = [];
  async function optional<T>(name: ProductStage, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await stage(name, work);
    } catch (error) {
      const cause = activityApplicationFailure(error);
      if (!cause || !SKIPPABLE_ENRICHMENT_FAILURES.has(cause.type ?? '')) throw error;
      if (failedStage === name) failedStage = undefined;
      warnings.push({ stage: name, errorType: cause.type!, message: cause.message });
      return undefined;
    }
  }

  /** An optional LLM step outside the stage list: a skippable failure becomes a warning. */
  async function skippable<T>(name: ProductStage, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      const cause = error instanceof ActivityFailure ? error.cause : undefined;
      if (!(cause instanceof ApplicationFailure) || !SKIPPABLE_ENRICHMENT_FAILURES.has(cause.type ?? '')) {
        failedStage ??= name;
        throw error;
      }
      warnings.push({ stage: name, errorType: cause.type!, message: cause.message });
      return undefined;
    }
  }

  const enrich = options.llm;
  /** The learning loop decides each enrichment call's version and model (in an activity, so in
   *  history); items recorded before it replay without (patched). */
  const decideEnrichment = async (): Promise<[DecisionRef | undefined, DecisionRef | undefined]> => {
    if (!(enrich && (localWrites || patched(DECISION_PATCH)))) return [undefined, undefined];
    const subject = productItemSubject(input.listId, input.itemKey);
    return Promise.all([
      wanted('sentiment')
        ? learning.decideLlmCall({ tenantId, task: 'sentiment', priority: 'batch', subject }).then(decisionRefOf)
        : undefined,
      wanted('enhance') ? learning.decideLlmCall({ tenantId, task: 'enhance', priority: 'batch', subject }).then(decisionRefOf) : undefined,
    ]);
  };

  let productId: string | undefined;
  try {
    // The decisions do not depend on the page: taken while it is fetched (histories before, after).
    const decisions = localWrites ? decideEnrichment() : undefined;
    decisions?.catch(() => undefined); // its failure surfaces where it is awaited, not as unhandled
    // Feed items arrive with their fields inline: nothing to fetch, their "extraction" is the feed.
    const fromFeed = url.startsWith(FEED_URL_PREFIX);
    const page = fromFeed ? undefined : await stage('fetch', () => fetching.fetchProductPage({ url }));
    let extracted = page
      ? await stage('extract', () => cpu.extractProduct({ htmlKey: page.htmlKey, pageUrl: page.finalUrl }))
      : await stage('extract', () => local.adoptFeedProduct({ listId: input.listId, itemKey: input.itemKey }));
    // Once known, the product's name joins the URL in the Temporal UI (current details: no history event).
    setCurrentDetails(`**${extracted.name}** · ${url}`);
    // Structured data missing or incomplete: the model may point at the rest on the page.
    if (page && enrich && extracted.llmFillable?.length && (localWrites || patched(LLM_EXTRACTION_PATCH))) {
      const base = extracted;
      const completed = await skippable('extract', () =>
        budget.run(() => llm.completeExtractionWithLlm({ tenantId, htmlKey: page.htmlKey, pageUrl: page.finalUrl, extraction: base })),
      );
      if (completed) extracted = completed;
    }
    const [sentimentDecision, enhanceDecision] = await (decisions ?? decideEnrichment());
    const sentimentStage = () =>
      optional('sentiment', () =>
        budget.run(() =>
          llmAt(sentimentDecision).analyzeProductSentiment({ tenantId, extractKey: extracted.extractKey, decision: sentimentDecision }),
        ),
      );
    const enhanceStage = () =>
      optional('enhance', () =>
        budget.run(() => llmAt(enhanceDecision).enhanceProduct({ tenantId, extractKey: extracted.extractKey, decision: enhanceDecision })),
      );
    // Enhancement does not read the sentiment: with local writes both run beside images and text.
    const [images, text, sentiment, enhancedAlongside] = await Promise.all([
      wanted('images') ? stage('images', () => imaging.optimiseImages({ imageUrls: extracted.imageUrls })) : undefined,
      wanted('text') ? stage('text', () => cpu.cleanProductText({ extractKey: extracted.extractKey })) : undefined,
      enrich && wanted('sentiment') ? sentimentStage() : undefined,
      localWrites && enrich && wanted('enhance') ? enhanceStage() : undefined,
    ]);
    const enhancement = localWrites ? enhancedAlongside : enrich && wanted('enhance') ? await enhanceStage() : undefined;

    if (!options.dryRun) {
      ({ productId } = await stage('store', () =>
        stores.storeProduct({
          tenantId,
          url,
          htmlKey: page?.htmlKey,
          extractKey: extracted.extractKey,
          textKey: text?.textKey,
          images: images?.images ?? [],
          sentiment,
          enhancementKey: enhancement?.enhancementKey,
        }),
      ));
      const id = productId;
      const itemSinks = input.sinks !== 'list';
      if (itemSinks && wanted('index')) {
        await stage('index', async () => {
          await budget.run(() => llm.embedProduct({ productId: id }));
          await stores.indexProducts({ productIds: [id] });
        });
      }
      const graph = () => (itemSinks && wanted('graph') ? stage('graph', () => stores.updateProductGraph({ productId: id })) : undefined);
      const inventory = () => (wanted('inventory') ? stage('inventory', () => stores.syncInventory({ productId: id })) : undefined);
      if (fewerRoundTrips) {
        await Promise.all([graph(), inventory()]); // independent writes of the stored product
      } else {
        await graph();
        await inventory();
      }
    }
    const noted = warnings.length ? warnings : undefined;
    await stores.recordItemOutcome({ listId: input.listId, itemKey: input.itemKey, url, state: 'succeeded', productId, warnings: noted });
    return { itemKey: input.itemKey, state: 'succeeded', productId, stagesDone: done, warnings: noted };
  } catch (error) {
    if (isCancellation(error)) throw error; // the list was cancelled: the item stays pending → skipped
    const failure = { stage: failedStage ?? current, ...describeFailure(error) };
    await stores.recordItemOutcome({ listId: input.listId, itemKey: input.itemKey, url, state: 'failed', productId, failure });
    return { itemKey: input.itemKey, state: 'failed', productId, stagesDone: done, failure };
  }
}
