// Benchmark (not a test): what orchestration costs. One product at a time goes through the
// item workflow (real Temporal, real workers, every stage an activity) and, alternately,
// through the same activity functions called directly in the same order. Prints the median
// time per product both ways, the overhead ratio, and the overhead per activity.
//   npm run bench:overhead -- [products=15]
// LLM enrichment is off so that model latency does not hide orchestration; the embedding
// (local model) still runs, as in every indexed product.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../src/activities';
import { sampleShopCatalog, startSampleShop } from '../fixtures/sample-shop';
import { taskQueues } from '../src/temporal/task-queues';
import { productItemWorkflow, productStages, type ListOptions } from '../src/workflows/product-item';
import { startWorld } from '../tests/support/world';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function main() {
  const products = Number(process.argv[2] ?? 15);
  const shop = await startSampleShop();
  const world = await startWorld({
    FETCH_ALLOW_HOSTS: new URL(shop.baseUrl).host,
    BLOB_DIR: mkdtempSync(path.join(tmpdir(), 'bench-blobs-')),
    LOG_LEVEL: 'error',
  });
  const tenantId = `bench-${randomUUID().slice(0, 6)}`;
  const options: ListOptions = { concurrency: 1, llm: false, dryRun: false, stages: [...productStages] };
  const acts = createActivities(world.infra);
  const env = new MockActivityEnvironment();
  // Runs an activity function inside an activity context (heartbeats, attempt info), typed.
  const call = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> => env.run(fn, ...args);
  const pages = sampleShopCatalog.filter((page) => page.behaviour === 'ok' && page.expected && page.expected.imageCount > 0);

  /** The item workflow's activity sequence, called directly (images and text in parallel, as there). */
  async function direct(url: string) {
    const page = await call(acts.fetchProductPage, { url });
    const extracted = await call(acts.extractProduct, { htmlKey: page.htmlKey, pageUrl: page.finalUrl });
    const [images, text] = await Promise.all([
      call(acts.optimiseImages, { imageUrls: extracted.imageUrls }),
      call(acts.cleanProductText, { extractKey: extracted.extractKey }),
    ]);
    const { productId } = await call(acts.storeProduct, { tenantId, url, htmlKey: page.htmlKey, extractKey: extracted.extractKey, textKey: text.textKey, images: images.images });
    await call(acts.embedProduct, { productId });
    await call(acts.indexProducts, { productIds: [productId] });
    await call(acts.updateProductGraph, { productId });
    await call(acts.syncInventory, { productId });
    await call(acts.recordItemOutcome, { listId: 'bench', itemKey: 'direct', url, state: 'succeeded' as const, productId });
  }
  const ACTIVITIES_PER_PRODUCT = 10;

  async function orchestrated(url: string, i: number) {
    await world.infra.temporal.workflow.execute(productItemWorkflow, {
      workflowId: `bench-overhead/${tenantId}/${i}`,
      taskQueue: taskQueues(world.config).default,
      args: [{ listId: 'bench', tenantId, itemKey: `wf-${i}`, url, options }],
    });
  }

  // Warm-up: bundles, connections, JIT, caches (robots.txt) on both paths.
  await direct(new URL(pages[0]!.path, shop.baseUrl).href);
  await orchestrated(new URL(pages[0]!.path, shop.baseUrl).href, -1);

  const directMs: number[] = [];
  const workflowMs: number[] = [];
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

  const d = median(directMs);
  const w = median(workflowMs);
  console.log(`products: ${products} (concurrency 1), activities per product: ${ACTIVITIES_PER_PRODUCT}`);
  console.log(`direct activity calls:  p50 ${d.toFixed(1)} ms per product`);
  console.log(`through the workflow:   p50 ${w.toFixed(1)} ms per product`);
  console.log(`overhead ratio (workflow / direct): ${(w / d).toFixed(2)}`);
  console.log(`orchestration overhead per activity: ${((w - d) / ACTIVITIES_PER_PRODUCT).toFixed(1)} ms`);
  await world.stop();
  await shop.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
