// Per-host politeness across worker processes: two real worker processes serve the crawl queue
// of one research run; the shop must still see one request at a time, at least the configured
// gap apart, because the host's slot is leased in PostgreSQL, not in a process's memory.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSampleShop, type SampleShop } from '../fixtures/sample-shop';
import { createWorkers, type WorkerSet } from '../src/worker/workers';
import type { ResearchResult } from '../src/workflows/research-run';
import { actAsByDefault, http, startWorld, type World } from './support/world';
import { spawnWorkerProcess, stopWorkerProcesses } from './support/worker-process';

const GAP_MS = 300;

describe('research politeness with two worker processes', () => {
  let shop: SampleShop;
  let world: World;
  let workers: WorkerSet;
  let running: Promise<void>;
  const children: ChildProcess[] = [];
  const tenantId = `pol-${randomUUID().slice(0, 8)}`;
  actAsByDefault({ sub: 'researcher', tenant: tenantId, roles: ['editor'] });
  const startedAt = new Date();

  before(async () => {
    shop = await startSampleShop();
    const env = {
      FETCH_ALLOW_HOSTS: new URL(shop.baseUrl).host,
      FETCH_TIMEOUT_MS: '1500',
      BLOB_DIR: mkdtempSync(path.join(tmpdir(), 'magicai-politeness-')),
      RESEARCH_HOST_GAP_MS: String(GAP_MS),
      RESEARCH_HOST_CONCURRENCY: '1',
      // Continue-as-new after 4 pages: the crawl resumes from the frontier in PostgreSQL.
      RESEARCH_PAGES_PER_RUN: '4',
    };
    world = await startWorld(env, { workers: false });
    // Workflows, store and LLM work in this process; every page fetch in the two child processes.
    workers = await createWorkers({ config: world.config, deps: world.infra, kinds: ['default', 'high', 'llm'] });
    running = workers.run();
    for (let i = 0; i < 2; i++) {
      const worker = spawnWorkerProcess(world, env, { queues: 'crawl' });
      children.push(worker.child);
      await worker.started();
    }
  });
  after(async () => {
    await stopWorkerProcesses(children);
    workers?.shutdown();
    await running;
    await world?.stop();
    await shop?.close();
  });

  it('then every request to the shop was granted by the shared lease, the gap apart, from both processes', async () => {
    const runId = `pol-${randomUUID().slice(0, 8)}`;
    const from = shop.requests.length;
    const started = await http(world.baseUrl, 'POST', '/v1/research-runs', {
      runId,
      request: {
        startUrls: [new URL('/', shop.baseUrl).href],
        sitemap: true,
        concurrency: 8,
        report: false,
        scope: { maxDepth: 1, maxPages: 10 },
      },
    });
    assert.equal(started.status, 202, started.text);
    const result = (await world.infra.temporal.workflow.getHandle(started.json.workflowId).result()) as ResearchResult;
    assert.equal(result.pages.fetched + result.pages.failed, 10);
    const executions = [];
    for await (const execution of world.infra.temporal.workflow.list({ query: `WorkflowId = '${started.json.workflowId}'` }))
      executions.push(execution.status.name);
    assert.ok(executions.filter((status) => status === 'CONTINUED_AS_NEW').length >= 1, `continued as new: ${executions.join(', ')}`);
    const { rows: pages } = await world.infra.pg.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM research_pages WHERE run_id = $1 AND state IN ('fetched', 'failed')`,
      [runId],
    );
    assert.equal(pages[0]!.n, 10, 'no page fetched twice across runs');

    const requests = shop.requests.slice(from);
    assert.equal(requests.filter((r) => r.path === '/robots.txt').length, 1, 'robots.txt is read once per run, not once per process');
    const arrivals = requests.map((r) => r.at);
    assert.ok(arrivals.length >= 12, `${arrivals.length} requests (robots.txt, sitemap, 10 pages and their redirect hops)`);
    // The grants (PostgreSQL's clock, under the host's row lock) keep the gap exactly, across
    // both processes; and every request the shop saw was granted (none escaped the lease).
    // Arrival times at the shop are not compared with the gap: on a loaded machine they also
    // carry each request's own pre-send work (DNS vetting, connecting) after its grant.
    const { rows: grants } = await world.infra.pg.query<{ at: number }>(
      'SELECT (EXTRACT(EPOCH FROM started_at) * 1000)::float8 AS at FROM crawl_host_starts WHERE host = $1 AND started_at >= $2 ORDER BY started_at',
      [new URL(shop.baseUrl).host, startedAt],
    );
    const grantGaps = grants.slice(1).map((grant, i) => grant.at - grants[i]!.at);
    assert.equal(grants.length, arrivals.length, 'one grant per request the shop received');
    assert.ok(
      Math.min(...grantGaps) >= GAP_MS - 0.01, // float8 milliseconds since 1970 round at ~0.0002
      `smallest gap between grants ${Math.min(...grantGaps)} ms: ${grantGaps.map(Math.round).join(', ')}`,
    );

    const { rows } = await world.infra.pg.query<{ holder: string; n: number }>(
      'SELECT holder, count(*)::int AS n FROM crawl_host_starts WHERE host = $1 AND started_at >= $2 GROUP BY holder',
      [new URL(shop.baseUrl).host, startedAt],
    );
    const pids = new Set(children.map((child) => String(child.pid)));
    const childHolders = rows.filter((row) => pids.has(row.holder.split(':').pop()!));
    assert.equal(childHolders.length, 2, `requests by process: ${JSON.stringify(rows)}`);
  });
});
