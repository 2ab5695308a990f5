// G2: what orchestration costs. One product at a time goes through the item workflow (real
// Temporal, real workers, every stage an activity) and, alternately, through the same activity
// functions called directly in the same order. The figure is the median time per product both
// ways (ratio) and the overhead per activity; the direct path also gives the wall time per stage.
// LLM enrichment is off so that model latency does not hide orchestration; the embedding
// (local model) still runs, as in every indexed product.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createActivities } from '../src/activities';
import { sampleShopCatalog, startSampleShop } from '../fixtures/sample-shop';
import { taskQueues } from '../src/temporal/task-queues';
import { productItemWorkflow, productStages, type ListOptions } from '../src/workflows/product-item';
import { startWorld } from '../tests/support/world';
import { ITEM_ACTIVITIES } from './orchestration-ceiling';
import { cpuPerUnit, cpuSnapshot } from './support/cpu';
import type { BenchReport } from './support/figures';
import { activityCaller, median } from './support/stats';

export async function benchPipelineOverhead({ quick }: { quick: boolean }): Promise<BenchReport> {
  const products = quick ? 8 : 20;
  const shop = await startSampleShop();
  const world = await startWorld({
    FETCH_ALLOW_HOSTS: new URL(shop.baseUrl).host,
    BLOB_DIR: mkdtempSync(path.join(tmpdir(), 'bench-blobs-')),
    LOG_LEVEL: 'error',
  });
  const tenantId = `bench-${randomUUID().slice(0, 6)}`;
  const options: ListOptions = { concurrency: 1, llm: false, dryRun: false, stages: [...productStages] };
  const acts = createActivities(world.infra);
  const call = activityCaller();
  const pages = sampleShopCatalog.filter((page) => page.behaviour === 'ok' && page.expected && page.expected.imageCount > 0);
  const stageMs = new Map<string, number[]>();
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    stageMs.set(name, [...(stageMs.get(name) ?? []), performance.now() - started]);
    return result;
  };

  /** The item workflow's activity sequence, called directly (images and text in parallel, as there). */
  async function direct(url: string) {
    const page = await timed('fetch', () => call(acts.fetchProductPage, { url }));
    const extracted = await timed('extract', () => call(acts.extractProduct, { htmlKey: page.htmlKey, pageUrl: page.finalUrl }));
    const [images, text] = await Promise.all([
      timed('images', () => call(acts.optimiseImages, { imageUrls: extracted.imageUrls })),
      timed('text', () => call(acts.cleanProductText, { extractKey: extracted.extractKey })),
    ]);
    const { productId } = await timed('store', () =>
      call(acts.storeProduct, {
        tenantId,
        url,
        htmlKey: page.htmlKey,
        extractKey: extracted.extractKey,
        textKey: text.textKey,
        images: images.images,
      }),
    );
    await timed('embed', () => call(acts.embedProduct, { productId }));
    await timed('index', () => call(acts.indexProducts, { productIds: [productId] }));
    await timed('graph', () => call(acts.updateProductGraph, { productId }));
    await timed('inventory', () => call(acts.syncInventory, { productId }));
    await timed('outcome', () =>
      call(acts.recordItemOutcome, { listId: 'bench', itemKey: 'direct', url, state: 'succeeded' as const, productId }),
    );
  }

  const serverMs: number[] = [];
  async function orchestrated(url: string, i: number) {
    const handle = await world.infra.temporal.workflow.start(productItemWorkflow, {
      workflowId: `bench-overhead/${tenantId}/${i}`,
      taskQueue: taskQueues(world.config).default,
      args: [{ listId: 'bench', tenantId, itemKey: `wf-${i}`, url, options }],
    });
    await handle.result();
    if (i < 0) return;
    const { startTime, closeTime } = await handle.describe();
    serverMs.push(closeTime!.getTime() - startTime.getTime());
  }

  // Warm-up: bundles, connections, JIT, caches (robots.txt) on both paths.
  await direct(new URL(pages[0]!.path, shop.baseUrl).href);
  await orchestrated(new URL(pages[0]!.path, shop.baseUrl).href, -1);
  stageMs.clear();

  const directMs: number[] = [];
  const workflowMs: number[] = [];
  const cpuBefore = cpuSnapshot({ 'worker+bench': process.pid });
  for (let i = 0; i < products; i++) {
    const url = new URL(pages[i % pages.length]!.path, shop.baseUrl).href;
    // Alternate the order so that neither path always runs on warmer caches.
    const runs: [number[], () => Promise<void>][] = [
      [directMs, () => direct(url)],
      [workflowMs, () => orchestrated(url, i)],
    ];
    if (i % 2) runs.reverse();
    for (const [into, run] of runs) {
      const started = performance.now();
      await run();
      into.push(performance.now() - started);
    }
  }
  const cpuAfter = cpuSnapshot({ 'worker+bench': process.pid });
  await world.stop();
  await shop.close();

  const d = median(directMs);
  const w = median(workflowMs);
  const perActivity = (w - d) / ITEM_ACTIVITIES;
  const ratioMet = w / d <= 1.3;
  return {
    figures: [
      {
        id: 'G2',
        name: 'one product, workflow / direct calls (or overhead per activity)',
        measured: `${(w / d).toFixed(2)} (${perActivity.toFixed(1)} ms/act)`,
        target: '≤ 1.30 or ≤ 15 ms/act',
        met: ratioMet || perActivity <= 15,
        detail: `p50 ${w.toFixed(0)} ms through the workflow vs ${d.toFixed(0)} ms direct, ${products} products at concurrency 1`,
      },
    ],
    notes: [
      `G2 wall time per stage (direct calls, p50 ms): ${[...stageMs].map(([name, values]) => `${name} ${median(values).toFixed(1)}`).join(', ')}`,
      `G2 ${cpuPerUnit(cpuBefore, cpuAfter, products * 2, 'product (both paths)')}`,
      `G2 through the workflow, p50 from its start to its close as the server recorded them: ${median(serverMs).toFixed(0)} ms (the rest of ${w.toFixed(0)} ms is the client's start and result calls)`,
    ],
  };
}
