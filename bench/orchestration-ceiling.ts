// G1: the product item workflow with stubbed activities (each returns at once) against the dev
// server's own ceiling: a workflow running the same number of no-op activities in a row. Both
// run on the service's worker construction (src/worker/workers.ts: slots, queues), many
// workflows in flight, alternating rounds; the figure is the ratio of workflows per second.
import { randomUUID } from 'node:crypto';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { createWorkers } from '../src/worker/workers';
import { taskQueues } from '../src/temporal/task-queues';
import { productStages, type ListOptions } from '../src/workflows/product-item';
import { startWorld } from '../tests/support/world';
import { atLeast, type BenchReport } from './support/figures';
import { cpuPerUnit, cpuSnapshot } from './support/cpu';
import { runPool } from './support/stats';

/** Activities the item workflow calls with LLM enrichment off: every one answers at once. */
const stubActivities = {
  fetchProductPage: ({ url }: { url: string }) => Promise.resolve({ htmlKey: 'html/stub', finalUrl: url, bytes: 1 }),
  extractProduct: () => Promise.resolve({ extractKey: 'extract/stub', name: 'Stub', imageUrls: [], fieldsFound: ['name'] }),
  optimiseImages: () => Promise.resolve({ images: [], skipped: [] }),
  cleanProductText: () => Promise.resolve({ textKey: 'text/stub' }),
  storeProduct: () => Promise.resolve({ productId: 'stub' }),
  embedProduct: () => Promise.resolve({ dimensions: 1 }),
  indexProducts: () => Promise.resolve({ indexed: 1 }),
  updateProductGraph: () => Promise.resolve({ similar: 0 }),
  syncInventory: () => Promise.resolve({ target: 'table' }),
  recordItemOutcome: () => Promise.resolve(),
  noop: () => Promise.resolve(),
};
/** The item workflow's activities with enrichment off (images and text run side by side). */
export const ITEM_ACTIVITIES = 10;

export async function benchOrchestrationCeiling({ quick }: { quick: boolean }): Promise<BenchReport> {
  const perRound = quick ? 40 : 200;
  const rounds = quick ? 2 : 3;
  const inFlight = 20;
  const world = await startWorld({ LOG_LEVEL: 'error' }, { workers: false });
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), logger: new DefaultLogger('WARN') });
  const workerSet = await createWorkers({
    config: world.config,
    deps: world.infra,
    kinds: ['default', 'crawl', 'llm'],
    bundle,
    activities: stubActivities,
  });
  const running = workerSet.run();
  const { temporal } = world.infra;
  const taskQueue = taskQueues(world.config).default;
  const tag = randomUUID().slice(0, 6);
  const options: ListOptions = { concurrency: 1, llm: false, dryRun: false, stages: [...productStages] };

  const product = (i: number) =>
    temporal.workflow.execute('productItemWorkflow', {
      workflowId: `bench-g1/${tag}/item-${i}`,
      taskQueue,
      args: [{ listId: 'bench-g1', tenantId: 'bench', itemKey: `k${i}`, url: `https://shop.invalid/${i}`, options }],
    });
  const noop = (i: number) =>
    temporal.workflow.execute('noopChainWorkflow', { workflowId: `bench-g1/${tag}/noop-${i}`, taskQueue, args: [ITEM_ACTIVITIES] });

  await runPool([...Array(10).keys()], 10, (i) => product(-1 - i)); // warm-up: bundle load, connections
  await runPool([...Array(10).keys()], 10, (i) => noop(-1 - i));

  let productSeconds = 0;
  let noopSeconds = 0;
  const before = cpuSnapshot({ 'worker+bench': process.pid });
  for (let round = 0; round < rounds; round++) {
    const ids = [...Array(perRound).keys()].map((i) => round * perRound + i);
    const order: [() => Promise<number>][] = [[() => runPool(ids, inFlight, product)], [() => runPool(ids, inFlight, noop)]];
    const [first, second] = round % 2 ? [order[1]![0], order[0]![0]] : [order[0]![0], order[1]![0]];
    const a = await first();
    const b = await second();
    if (round % 2) {
      noopSeconds += a;
      productSeconds += b;
    } else {
      productSeconds += a;
      noopSeconds += b;
    }
  }
  const after = cpuSnapshot({ 'worker+bench': process.pid });
  workerSet.shutdown();
  await running;
  await world.stop();

  const total = perRound * rounds;
  const productRate = total / productSeconds;
  const noopRate = total / noopSeconds;
  return {
    figures: [
      atLeast(
        'G1',
        'stubbed item workflow / no-op chain (workflows/s)',
        productRate / noopRate,
        0.5,
        `${productRate.toFixed(1)} vs ${noopRate.toFixed(1)} workflows/s, ${ITEM_ACTIVITIES} activities each, ${inFlight} in flight, ${total} each`,
      ),
    ],
    notes: [`G1 ${cpuPerUnit(before, after, total * 2, 'workflow (both kinds)')}`],
  };
}
