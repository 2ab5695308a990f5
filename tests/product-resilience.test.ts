// Durability of the product pipeline: a worker process killed mid-list loses and duplicates
// nothing; the inventory endpoint gets each product once per change, retried through a 503.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ListReport } from '../src/activities/product-lists';
import { startSampleShop, type SampleShop } from '../fixtures/sample-shop';
import { esIndices } from '../src/stores/elasticsearch';
import { listWorkflowId, tenantListKey } from '../src/products/lists';
import { listProgressQuery } from '../src/workflows/product-list';
import { actAs, eventually, http, startWorld, tokenFor, type World } from './support/world';
import { spawnWorkerProcess } from './support/worker-process';

describe('product pipeline resilience', () => {
  let shop: SampleShop;
  before(async () => {
    shop = await startSampleShop();
  });
  after(async () => {
    await shop?.close();
  });
  const generated = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({ url: new URL(`/gen/${from + i}.html`, shop.baseUrl).href }));

  it('when the worker process is killed mid-list, then a new worker finishes it with every item stored exactly once', async (t) => {
    const blobDir = mkdtempSync(path.join(tmpdir(), 'magicai-blobs-'));
    const env = { FETCH_ALLOW_HOSTS: new URL(shop.baseUrl).host, BLOB_DIR: blobDir };
    // The API in this process, the worker in a child process that can be killed for real.
    const world: World = await startWorld(env, { workers: false });
    const startWorker = (): ChildProcess => spawnWorkerProcess(world, env, { logLevel: 'error' }).child;
    let worker = startWorker();
    const tenantId = `kill-${randomUUID().slice(0, 8)}`;
    const listId = `kill-${randomUUID().slice(0, 8)}`;
    actAs(world.baseUrl, await tokenFor(world.config, { sub: 'test-editor', tenant: tenantId, roles: ['editor'] }));
    try {
      const started = await http(world.baseUrl, 'POST', '/v1/product-lists', {
        listId,
        tenantId,
        items: generated(6000, 24),
        options: { llm: false, concurrency: 4 },
      });
      assert.equal(started.status, 202);
      const handle = world.infra.temporal.workflow.getHandle(listWorkflowId(tenantId, listId));
      await eventually(async () => ((await handle.query(listProgressQuery)).succeeded >= 4 ? true : undefined), 60_000, 'a few items done');
      worker.kill('SIGKILL');
      await new Promise((resolve) => worker.once('exit', resolve));
      // Queries need a worker; the list's item states in PostgreSQL tell where the kill landed.
      const atKill = await world.infra.pg.query(
        `SELECT count(*)::int AS n FROM product_list_items WHERE list_id = $1 AND state = 'succeeded'`,
        [tenantListKey(tenantId, listId)],
      );
      assert.ok(atKill.rows[0].n < 24, 'the kill happened mid-list');

      worker = startWorker();
      const restarted = Date.now();
      const report = (await handle.result()) as ListReport;
      // A figure, not an assertion: how long the new worker took to finish (heartbeats make the
      // killed worker's activities time out in seconds instead of after their start-to-close).
      t.diagnostic(`list finished ${((Date.now() - restarted) / 1000).toFixed(1)} s after the new worker started`);

      // The killed worker's activities were retried because their heartbeats stopped, not after
      // their start-to-close timeout: every retried attempt's last failure is a HEARTBEAT timeout.
      const retried: { type: string; waitedMs: number }[] = [];
      for await (const item of world.infra.temporal.workflow.list({
        query: `BusinessId = '${tenantListKey(tenantId, listId)}' AND WorkflowKind = 'product-item'`,
      })) {
        const history = await world.infra.temporal.workflow.getHandle(item.workflowId, item.runId).fetchHistory();
        const scheduled = new Map<string, number>();
        for (const event of history.events ?? []) {
          const time = Number(event.eventTime?.seconds ?? 0) * 1_000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
          if (event.activityTaskScheduledEventAttributes) scheduled.set(String(event.eventId), time);
          const started = event.activityTaskStartedEventAttributes;
          const timeout = started?.lastFailure?.timeoutFailureInfo;
          if (started && (started.attempt ?? 1) > 1 && timeout) {
            retried.push({ type: String(timeout.timeoutType), waitedMs: time - (scheduled.get(String(started.scheduledEventId)) ?? time) });
          }
        }
      }
      t.diagnostic(
        `${retried.length} activities timed out with the killed worker; retried after ${retried.map((r) => (r.waitedMs / 1000).toFixed(1)).join(', ')} s`,
      );
      for (const { type } of retried) assert.ok(/HEARTBEAT|4/.test(type), `timed out on ${type}, not on heartbeats`);
      assert.deepEqual([report.succeeded, report.failed, report.skipped], [24, 0, 0]);
      const rows = await world.infra.pg.query('SELECT count(*)::int AS n FROM products WHERE tenant_id = $1', [tenantId]);
      assert.equal(rows.rows[0].n, 24);
      await world.infra.es.indices.refresh({ index: esIndices(world.config).products });
      const docs = await world.infra.es.count({ index: esIndices(world.config).products, query: { term: { tenantId } } });
      assert.equal(docs.count, 24);
      const nodes = await world.infra.neo4j.executeQuery('MATCH (p:Product {tenantId: $tenantId}) RETURN count(p) AS n', { tenantId });
      assert.equal(nodes.records[0]!.get('n'), 24);
    } finally {
      worker.kill('SIGKILL');
      await world.stop();
    }
  });

  it('when an inventory endpoint is configured, then each product is posted with an idempotency key, retried through a 503', async () => {
    const received: { headers: IncomingHttpHeaders; body: any }[] = [];
    // A loopback stand-in for a customer's inventory system, which answers 503 once first.
    const inventory = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(raw) });
        res.writeHead(received.length === 1 ? 503 : 204).end();
      });
    });
    await new Promise<void>((resolve) => inventory.listen(0, '127.0.0.1', resolve));
    const world = await startWorld({
      INVENTORY_ENDPOINT_URL: `http://127.0.0.1:${(inventory.address() as AddressInfo).port}/inventory`,
      FETCH_ALLOW_HOSTS: new URL(shop.baseUrl).host,
      BLOB_DIR: mkdtempSync(path.join(tmpdir(), 'magicai-blobs-')),
    });
    try {
      const listId = `inv-${randomUUID().slice(0, 8)}`;
      const tenantId = `inv-${randomUUID().slice(0, 8)}`;
      actAs(world.baseUrl, await tokenFor(world.config, { sub: 'test-editor', tenant: tenantId, roles: ['editor'] }));
      const item = { key: 'SKU-9', inline: { name: 'Trail Socks', sku: 'SKU-9', price: 12.5, currency: 'EUR', availability: 'InStock' } };
      assert.equal(
        (await http(world.baseUrl, 'POST', '/v1/product-lists', { listId, tenantId, items: [item], options: { llm: false } })).status,
        202,
      );
      const report = (await world.infra.temporal.workflow.getHandle(listWorkflowId(tenantId, listId)).result()) as ListReport;
      assert.equal(report.succeeded, 1);
      assert.equal(received.length, 2, 'one 503, one accepted retry');
      assert.equal(received[0]!.headers['idempotency-key'], received[1]!.headers['idempotency-key']);
      assert.deepEqual(
        {
          sku: received[1]!.body.sku,
          availability: received[1]!.body.availability,
          price: received[1]!.body.price,
          currency: received[1]!.body.currency,
          tenantId: received[1]!.body.tenantId,
        },
        { sku: 'SKU-9', availability: 'in_stock', price: 12.5, currency: 'EUR', tenantId },
      );
      const table = await world.infra.pg.query('SELECT count(*)::int AS n FROM inventory WHERE tenant_id = $1', [tenantId]);
      assert.equal(table.rows[0].n, 0, 'with an endpoint configured, the table is not the target');
    } finally {
      await world.stop();
      await new Promise((resolve) => inventory.close(resolve));
    }
  });
});
