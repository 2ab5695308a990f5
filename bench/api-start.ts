// G7: what the API adds to starting a workflow. The same workflow (stack check) is started
// through POST /v1/stack-checks (token check, rate limit and idempotency bookkeeping in
// PostgreSQL, validation, Temporal start) and directly with the Temporal client, at the same
// concurrency, alternating rounds so both see the same load; the figure is the p99 ratio.
import { randomUUID } from 'node:crypto';
import { SearchAttr } from '../src/temporal/search-attributes';
import { taskQueues } from '../src/temporal/task-queues';
import { stackCheckWorkflow, stackCheckWorkflowId } from '../src/workflows/stack-check';
import { bearer, startWorld, tokenFor } from '../tests/support/world';
import { atMost, type BenchReport } from './support/figures';
import { percentile } from './support/stats';

export async function benchApiStart({ quick }: { quick: boolean }): Promise<BenchReport> {
  const perPath = quick ? 100 : 300;
  const concurrency = 8;
  const world = await startWorld({ LOG_LEVEL: 'error', RATE_LIMIT_USER: '1000000', RATE_LIMIT_TENANT: '1000000' });
  const tenantId = `bench-${randomUUID().slice(0, 6)}`;
  const headers = {
    ...bearer(await tokenFor(world.config, { sub: 'bench', tenant: tenantId, roles: ['admin'] })),
    'content-type': 'application/json',
  };
  const viaApi = async () => {
    const checkId = randomUUID();
    const response = await fetch(`${world.baseUrl}/v1/stack-checks`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': checkId },
      body: JSON.stringify({ checkId, note: 'bench' }),
    });
    if (response.status !== 202) throw new Error(`API answered ${response.status}: ${await response.text()}`);
  };
  const direct = async () => {
    const checkId = randomUUID();
    await world.infra.temporal.workflow.start(stackCheckWorkflow, {
      workflowId: stackCheckWorkflowId(checkId),
      taskQueue: taskQueues(world.config).default,
      args: [{ checkId, tenantId, note: 'bench' }],
      typedSearchAttributes: [
        { key: SearchAttr.BusinessId, value: checkId },
        { key: SearchAttr.WorkflowKind, value: 'stack-check' },
        { key: SearchAttr.TenantId, value: tenantId },
      ],
    });
  };
  /** `count` starts with `concurrency` in flight; returns each start's latency. */
  async function round(start: () => Promise<void>, count: number): Promise<number[]> {
    const latencies: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < count) {
          const began = performance.now();
          await start();
          latencies.push(performance.now() - began);
        }
      }),
    );
    return latencies;
  }

  await round(viaApi, 20); // warm-up both paths
  await round(direct, 20);
  const api: number[] = [];
  const client: number[] = [];
  const roundSize = 50;
  for (let done = 0; done < perPath; done += roundSize) {
    const n = Math.min(roundSize, perPath - done);
    const order: [number[], () => Promise<void>][] = [
      [api, viaApi],
      [client, direct],
    ];
    if ((done / roundSize) % 2) order.reverse();
    for (const [into, start] of order) into.push(...(await round(start, n)));
  }
  await world.stop();
  const summary = (values: number[]) => `p50 ${percentile(values, 50).toFixed(1)} / p99 ${percentile(values, 99).toFixed(1)} ms`;
  return {
    figures: [
      atMost(
        'G7',
        'API start p99 / direct client start p99',
        percentile(api, 99) / percentile(client, 99),
        1.5,
        `API ${summary(api)}, direct ${summary(client)}; ${perPath} starts each at concurrency ${concurrency}`,
      ),
    ],
    notes: [],
  };
}
