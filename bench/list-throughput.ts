// Benchmark (not a test): throughput of a whole product list. A list of generated pages from
// the sample shop runs through the real pipeline, with LLM enrichment answered by a loopback
// STAND-IN that replies after a fixed delay (used only here, so that a fixed model latency
// replaces the local model's variable one). Then each stage runs alone, over the same kind of
// items at the same concurrency, to find the slowest stage's standalone ceiling; prints the
// pipeline's products/min and its ratio to that ceiling.
//   npm run bench:list -- [items=1000] [llmDelayMs=150]
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../src/activities';
import type { ListReport } from '../src/activities/product-lists';
import { createProductList, listWorkflowId } from '../src/products/lists';
import { startSampleShop } from '../fixtures/sample-shop';
import { startWorld } from '../tests/support/world';

/** Loopback stand-in for an OpenAI-compatible chat endpoint: valid answers after a fixed delay. */
async function startDelayedLlmStandIn(delayMs: number) {
  const answers: Record<string, unknown> = {
    sentiment: { label: 'positive', score: 0.6, aspects: ['quality'] },
    enhance: { seoTitle: 'Generated product, great value', metaDescription: 'A generated product for benchmarks.', bullets: ['Durable', 'Light'], tags: ['bench'] },
  };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as { response_format?: { json_schema?: { name?: string } }; model?: string };
      const task = body.response_format?.json_schema?.name ?? 'sentiment';
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({
          id: 'standin', object: 'chat.completion', created: 0, model: body.model ?? 'standin',
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: JSON.stringify(answers[task] ?? {}), refusal: null } }],
          usage: { prompt_tokens: 100, completion_tokens: 40, total_tokens: 140 },
        }));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, close: () => new Promise((r) => server.close(r)) };
}

/** Runs `work` over `inputs` with at most `concurrency` at once; returns items per minute. */
async function perMinute<T>(inputs: T[], concurrency: number, work: (input: T) => Promise<unknown>): Promise<number> {
  const queue = [...inputs];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await work(next);
    }),
  );
  return inputs.length / ((performance.now() - started) / 60_000);
}

async function main() {
  const items = Number(process.argv[2] ?? 1000);
  const llmDelayMs = Number(process.argv[3] ?? 150);
  const concurrency = 8;
  const shop = await startSampleShop();
  const llm = await startDelayedLlmStandIn(llmDelayMs);
  const world = await startWorld({
    FETCH_ALLOW_HOSTS: new URL(shop.baseUrl).host,
    OPENAI_BASE_URL: llm.baseUrl,
    BLOB_DIR: mkdtempSync(path.join(tmpdir(), 'bench-blobs-')),
    LIST_CONCURRENCY: String(concurrency),
    LOG_LEVEL: 'error',
  });
  const tenantId = `bench-${randomUUID().slice(0, 6)}`;
  const gen = (from: number, count: number) => Array.from({ length: count }, (_, i) => new URL(`/gen/${from + i}.html`, shop.baseUrl).href);

  // 1. The pipeline: a whole list through Temporal.
  const listId = `bench-${randomUUID().slice(0, 8)}`;
  const started = performance.now();
  await createProductList(world.infra, { listId, tenantId, items: gen(10_000, items).map((url) => ({ url })), options: { llm: true, concurrency } });
  const report = (await world.infra.temporal.workflow.getHandle(listWorkflowId(tenantId, listId)).result()) as ListReport;
  const pipelineMinutes = (performance.now() - started) / 60_000;
  const pipelineRate = report.succeeded / pipelineMinutes;

  // 2. Each stage alone, on items prepared by the stages before it, at the same concurrency.
  const acts = createActivities(world.infra);
  const env = new MockActivityEnvironment();
  const call = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> => env.run(fn, ...args);
  const sample = gen(50_000, 64);
  const pages = await Promise.all(sample.map((url) => call(acts.fetchProductPage, { url })));
  const extracted = await Promise.all(pages.map((page) => call(acts.extractProduct, { htmlKey: page.htmlKey, pageUrl: page.finalUrl })));
  const stored = await Promise.all(sample.map((url, i) => call(acts.storeProduct, { tenantId: `${tenantId}-s`, url, htmlKey: pages[i]!.htmlKey, extractKey: extracted[i]!.extractKey, images: [] })));
  const indices = sample.map((_, i) => i);
  const stages: [string, (i: number) => Promise<unknown>][] = [
    ['fetch', (i) => call(acts.fetchProductPage, { url: sample[i]! })],
    ['extract', (i) => call(acts.extractProduct, { htmlKey: pages[i]!.htmlKey, pageUrl: pages[i]!.finalUrl })],
    ['images', (i) => call(acts.optimiseImages, { imageUrls: extracted[i]!.imageUrls })],
    ['text', (i) => call(acts.cleanProductText, { extractKey: extracted[i]!.extractKey })],
    ['sentiment', (i) => call(acts.analyzeProductSentiment, { tenantId, extractKey: extracted[i]!.extractKey })],
    ['enhance', (i) => call(acts.enhanceProduct, { tenantId, extractKey: extracted[i]!.extractKey })],
    ['store', (i) => call(acts.storeProduct, { tenantId: `${tenantId}-s`, url: sample[i]!, htmlKey: pages[i]!.htmlKey, extractKey: extracted[i]!.extractKey, images: [] })],
    ['index', async (i) => {
      await call(acts.embedProduct, { productId: stored[i]!.productId });
      await call(acts.indexProducts, { productIds: [stored[i]!.productId] });
    }],
    ['graph', (i) => call(acts.updateProductGraph, { productId: stored[i]!.productId })],
    ['inventory', (i) => call(acts.syncInventory, { productId: stored[i]!.productId })],
  ];
  const ceilings: [string, number][] = [];
  for (const [name, work] of stages) ceilings.push([name, await perMinute(indices, concurrency, work)]);
  const [slowest, ceiling] = ceilings.reduce((a, b) => (b[1] < a[1] ? b : a));

  console.log(`list: ${items} generated pages, concurrency ${concurrency}, LLM stand-in delay ${llmDelayMs} ms`);
  console.log(`report: succeeded ${report.succeeded}, failed ${report.failed}, skipped ${report.skipped}`);
  console.log(`pipeline: ${pipelineRate.toFixed(0)} products/min (${(pipelineMinutes * 60).toFixed(1)} s)`);
  console.log('stage alone (same concurrency), products/min:');
  for (const [name, rate] of ceilings) console.log(`  ${name.padEnd(10)} ${rate.toFixed(0).padStart(7)}`);
  console.log(`slowest stage: ${slowest} at ${ceiling.toFixed(0)}/min`);
  console.log(`pipeline / slowest-stage ceiling: ${(pipelineRate / ceiling).toFixed(2)}`);
  await world.stop();
  await llm.close();
  await shop.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
