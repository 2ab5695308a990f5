// The 10,000-item list: completes on this box with a bounded history per run (continue-as-new
// every LIST_ITEMS_PER_RUN items), the worker's RSS under 1 GB, and every item accounted for
// (succeeded + failed = items, none left pending). Prints the time and the peak RSS. The worker
// is one real worker process serving every queue, started with the memory settings the
// Kubernetes worker gets (WORKER_PROCESS_ENV); its peak RSS is the kernel's high-water mark.
import { tenantListKey } from '../src/products/lists';
import { productListWorkflowId } from '../src/workflows/product-list';
import { generatedUrls, runList, startListBench } from './list-throughput';
import { cpuPerUnit, cpuSnapshot, peakRssBytes, rssBytes } from './support/cpu';
import type { BenchReport } from './support/figures';

const GB = 1024 ** 3;
const mb = (bytes: number) => (bytes / 1024 ** 2).toFixed(0);

/** The environment of the default worker Deployment (deploy/k8s/base/workers.yaml): a V8 heap of
 *  half the 1 GiB limit, and two malloc arenas (the native threads otherwise each grow their own). */
export const WORKER_PROCESS_ENV = { NODE_OPTIONS: '--max-old-space-size=512', MALLOC_ARENA_MAX: '2' };

export async function benchLargeList({
  items,
  concurrency,
  itemsPerRun,
  dryRun = false,
}: {
  items: number;
  concurrency: number;
  itemsPerRun?: number;
  dryRun?: boolean;
}): Promise<BenchReport> {
  const bench = await startListBench(150, itemsPerRun ? { LIST_ITEMS_PER_RUN: String(itemsPerRun) } : {}, {
    workerProcess: WORKER_PROCESS_ENV,
  });
  const workerPid = bench.worker!.child.pid!;
  try {
    let ticks = 0;
    const began = Date.now();
    const sampler = setInterval(() => {
      // Progress every 20 s: a long list on a busy box should show it is moving.
      if (++ticks % 20 === 0) {
        void bench.world.infra.pg
          .query<{ n: number }>(`SELECT count(*)::int AS n FROM product_list_items WHERE list_id LIKE $1 AND state <> 'pending'`, [
            `${bench.tenantId}/%`,
          ])
          .then(({ rows }) =>
            console.log(
              `  LIST progress: ${rows[0]!.n}/${items} done after ${((Date.now() - began) / 60_000).toFixed(1)} min, worker RSS ${mb(rssBytes(workerPid))} MB (peak ${mb(peakRssBytes(workerPid))} MB)`,
            ),
          );
      }
    }, 1000);
    const cpuBefore = cpuSnapshot({ worker: workerPid, bench: process.pid });
    const run = await runList(bench, generatedUrls(bench.shop, 100_000 - items, items), {
      concurrency,
      llm: !dryRun,
      ...(dryRun ? { dryRun: true } : {}),
    });
    const cpuAfter = cpuSnapshot({ worker: workerPid, bench: process.pid });
    clearInterval(sampler);
    const peakRss = peakRssBytes(workerPid);

    const { pg, temporal } = bench.world.infra;
    const key = tenantListKey(bench.tenantId, run.listId);
    const { rows } = await pg.query<{ state: string; n: number }>(
      'SELECT state, count(*)::int AS n FROM product_list_items WHERE list_id = $1 GROUP BY state',
      [key],
    );
    const states = Object.fromEntries(rows.map((row) => [row.state, row.n]));
    const histories: number[] = [];
    let drainMs = 0; // runs that continued as new: from their last child started to their close
    for await (const execution of temporal.workflow.list({ query: `WorkflowId = '${productListWorkflowId(key)}'` })) {
      histories.push(execution.historyLength);
      if (execution.status.name !== 'CONTINUED_AS_NEW' || !execution.closeTime) continue;
      const history = await temporal.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      const starts = (history.events ?? []).filter((event) => event.startChildWorkflowExecutionInitiatedEventAttributes);
      const lastStart = starts.at(-1)?.eventTime;
      if (lastStart) drainMs += execution.closeTime.getTime() - (Number(lastStart.seconds ?? 0) * 1000 + (lastStart.nanos ?? 0) / 1e6);
    }
    const accounted =
      run.report.succeeded + run.report.failed === items && !states.pending && (states.succeeded ?? 0) + (states.failed ?? 0) === items;
    const maxHistory = Math.max(...histories);
    return {
      figures: [
        {
          id: 'LIST',
          name: `${items.toLocaleString('en')}-item list${dryRun ? ' (dry run: fetch + extract)' : ''}: completes, all accounted, history bounded, RSS < 1 GB`,
          measured: `${(run.seconds / 60).toFixed(1)} min, worker peak RSS ${mb(peakRss)} MB`,
          target: 'completes, RSS < 1024 MB',
          met: accounted && peakRss < GB,
          detail:
            `${run.report.succeeded} succeeded, ${run.report.failed} failed, item states ${JSON.stringify(states)}; ` +
            `${histories.length} runs, longest history ${maxHistory} events; ${run.perMinute.toFixed(0)} products/min at concurrency ${concurrency}`,
        },
      ],
      notes: [
        `LIST ${cpuPerUnit(cpuBefore, cpuAfter, Math.max(1, run.report.succeeded))}`,
        // The window empties before each continue-as-new (children belong to their run): the
        // time from a run's last child start to its close bounds what those drains cost.
        `LIST drains at continue-as-new: ${(drainMs / 1000).toFixed(0)} s over ${histories.length - 1} runs, ` +
          `${((drainMs / 1000 / run.seconds) * 100).toFixed(1)} % of the list's time (the window is part-full meanwhile)`,
      ],
    };
  } finally {
    await bench.close();
  }
}
