// A list's embedding, search-index and graph writes run per page of stored products, not per
// item: the items only store; each page is one embeddings request, one _bulk and one graph
// transaction; the similarity edges come from the list's refresh at its end. Real Temporal,
// PostgreSQL, Elasticsearch, Neo4j and local embedding model, the sample shop over loopback.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../src/activities';
import type { ListReport } from '../src/activities/product-lists';
import { productIdFor } from '../src/activities/product-store';
import { listWorkflowId, tenantListKey } from '../src/products/lists';
import { startSampleShop, type SampleShop } from '../fixtures/sample-shop';
import { esIndices } from '../src/stores/elasticsearch';
import { createNeo4jDriver } from '../src/stores/neo4j';
import { listProgressQuery } from '../src/workflows/product-list';
import { actAsByDefault, eventually, http, startWorld, type World } from './support/world';

const PAGE_SIZE = 5;

describe('product list: sinks a page at a time', () => {
  let shop: SampleShop;
  let world: World;
  let inventory: Server;
  const tenantId = `sinks-${randomUUID().slice(0, 8)}`;
  actAsByDefault({ sub: 'test-editor', tenant: tenantId, roles: ['editor'] });
  /** Its product disappears while its item syncs inventory: the item succeeds, its page cannot find it. */
  const DOOMED_SKU = 'GEN-05003';

  before(async () => {
    shop = await startSampleShop();
    // The inventory target: takes every product, and deletes the doomed one from PostgreSQL first.
    inventory = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const { productId, sku } = JSON.parse(body) as { productId: string; sku: string };
        const gone = sku === DOOMED_SKU ? world.infra.pg.query('DELETE FROM products WHERE product_id = $1', [productId]) : undefined;
        void Promise.resolve(gone).then(() => response.writeHead(200).end('{}'));
      });
    });
    await new Promise<void>((resolve) => inventory.listen(0, '127.0.0.1', resolve));
    world = await startWorld({
      FETCH_ALLOW_HOSTS: new URL(shop.baseUrl).host,
      BLOB_DIR: mkdtempSync(path.join(tmpdir(), 'magicai-blobs-')),
      LIST_SINK_PAGE_SIZE: String(PAGE_SIZE),
      INVENTORY_ENDPOINT_URL: `http://127.0.0.1:${(inventory.address() as AddressInfo).port}/inventory`,
    });
  });
  after(async () => {
    await world?.infra.neo4j.executeQuery('MATCH (n) WHERE n.tenantId = $tenantId DETACH DELETE n', { tenantId });
    await world?.stop();
    await shop?.close();
    inventory?.close();
  });

  const generated = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({ url: new URL(`/gen/${from + i}.html`, shop.baseUrl).href }));

  /** The products of a list's succeeded items, and those of them with an embedding, a search
   *  document and a graph node with brand, category and similarity edges. */
  async function sunk(w: World, listId: string) {
    const { rows } = await w.infra.pg.query<{ product_id: string; embedded: boolean }>(
      `SELECT i.product_id, p.embedding IS NOT NULL AS embedded FROM product_list_items i JOIN products p USING (product_id)
        WHERE i.list_id = $1 AND i.state = 'succeeded'`,
      [tenantListKey(tenantId, listId)],
    );
    const ids = rows.map((row) => row.product_id);
    const index = esIndices(w.config).products;
    await w.infra.es.indices.refresh({ index });
    const documents = await w.infra.es.count({ index, query: { ids: { values: ids } } });
    const nodes = await w.infra.neo4j.executeQuery(
      `MATCH (p:Product)-[:MADE_BY]->(:Brand) WHERE p.productId IN $ids AND (p)-[:IN_CATEGORY]->() AND (p)-[:SIMILAR_TO]->()
       RETURN count(DISTINCT p) AS n`,
      { ids },
    );
    return {
      succeeded: ids.length,
      embedded: rows.filter((row) => row.embedded).length,
      indexed: documents.count,
      inGraph: Number(nodes.records[0]!.get('n')),
    };
  }

  it('when a list is cancelled, then what its items stored is still embedded, indexed and in the graph with similarity edges', async () => {
    const listId = `cancel-${randomUUID().slice(0, 8)}`;
    const options = { llm: false, concurrency: 2, stages: ['fetch', 'extract', 'store', 'index', 'graph'] };
    const started = await http(world.baseUrl, 'POST', '/v1/product-lists', { listId, tenantId, items: generated(5_100, 40), options });
    assert.equal(started.status, 202, started.text);
    const handle = world.infra.temporal.workflow.getHandle(listWorkflowId(tenantId, listId));
    await eventually(async () => ((await handle.query(listProgressQuery)).succeeded >= 2 ? true : undefined), 30_000, 'two items done');
    assert.equal((await http(world.baseUrl, 'POST', `/v1/product-lists/${listId}/cancel`)).status, 202);
    const report = (await handle.result()) as ListReport;
    assert.equal(report.cancelled, true);
    assert.ok(report.skipped > 0, 'the cancel came before the end');
    const after = await sunk(world, listId);
    assert.equal(after.succeeded, report.succeeded);
    assert.deepEqual(after, {
      succeeded: report.succeeded,
      embedded: report.succeeded,
      indexed: report.succeeded,
      inGraph: report.succeeded,
    });
    const progress = await handle.query(listProgressQuery);
    assert.deepEqual([progress.stagesPassed.index, progress.stagesPassed.graph], [report.succeeded, report.succeeded]);
  });

  it('when a list continues as new, then each run leaves nothing waiting: every product is indexed and in the graph', async () => {
    const listId = `can-${randomUUID().slice(0, 8)}`;
    const small = await startWorld({
      LIST_ITEMS_PER_RUN: '4',
      LIST_SINK_PAGE_SIZE: '3',
      FETCH_ALLOW_HOSTS: new URL(shop.baseUrl).host,
      BLOB_DIR: world.config.BLOB_DIR,
    });
    try {
      const options = { llm: false, concurrency: 2, stages: ['fetch', 'extract', 'store', 'index', 'graph'] };
      const started = await http(small.baseUrl, 'POST', '/v1/product-lists', { listId, tenantId, items: generated(5_200, 9), options });
      assert.equal(started.status, 202, started.text);
      const handle = small.infra.temporal.workflow.getHandle(listWorkflowId(tenantId, listId));
      const report = (await handle.result()) as ListReport;
      assert.equal(report.succeeded, 9);
      const progress = await handle.query(listProgressQuery);
      assert.equal(progress.runs, 3, 'two continue-as-new');
      assert.deepEqual([progress.stagesPassed.index, progress.stagesPassed.graph], [9, 9]);
      assert.deepEqual(await sunk(small, listId), { succeeded: 9, embedded: 9, indexed: 9, inGraph: 9 });
    } finally {
      await small.stop();
    }
  });

  it('when a list of 12 stored products runs in pages of 5, then each is embedded, indexed and in the graph; a product gone before its page fails at "index"', async () => {
    const listId = `pages-${randomUUID().slice(0, 8)}`;
    const items = [
      ...generated(5_000, 12),
      { url: new URL('/products/old-model-x100.html', shop.baseUrl).href }, // 404: fails at fetch, never stored
    ];
    const options = { llm: false, concurrency: 4, stages: ['fetch', 'extract', 'text', 'store', 'index', 'graph', 'inventory'] };
    const started = await http(world.baseUrl, 'POST', '/v1/product-lists', { listId, tenantId, items, options });
    assert.equal(started.status, 202, started.text);
    const handle = world.infra.temporal.workflow.getHandle(listWorkflowId(tenantId, listId));
    const report = (await handle.result()) as ListReport;

    assert.deepEqual([report.succeeded, report.failed], [11, 2]);
    assert.deepEqual(report.errorsByType, { HttpNotFound: 1, ProductMissing: 1 });
    const ledger = await world.infra.pg.query<{ url: string; stage: string; error_type: string }>(
      'SELECT url, stage, error_type FROM product_list_errors WHERE list_id = $1 ORDER BY stage',
      [tenantListKey(tenantId, listId)],
    );
    assert.deepEqual(
      ledger.rows.map((row) => [new URL(row.url).pathname, row.stage, row.error_type]),
      [
        ['/products/old-model-x100.html', 'fetch', 'HttpNotFound'],
        ['/gen/5003.html', 'index', 'ProductMissing'],
      ],
    );
    const progress = await handle.query(listProgressQuery);
    assert.deepEqual(
      [progress.succeeded, progress.failed, progress.stagesPassed.store, progress.stagesPassed.index, progress.stagesPassed.graph],
      [11, 2, 12, 11, 11],
    );

    // One embeddings request per page (12 stored products in pages of 5: 3 requests, the product
    // gone not among them), none by the items.
    const listWorkflow = listWorkflowId(tenantId, listId);
    const embeds = await world.infra.pg.query<{ workflow_id: string; n: number }>(
      `SELECT workflow_id, (params->>'n')::int AS n FROM llm_calls
        WHERE task = 'embed' AND status = 'ok' AND (workflow_id = $1 OR workflow_id LIKE $1 || '/%')`,
      [listWorkflow],
    );
    assert.deepEqual(
      embeds.rows.map((row) => row.workflow_id),
      [listWorkflow, listWorkflow, listWorkflow],
    );
    assert.equal(
      embeds.rows.reduce((sum, row) => sum + row.n, 0),
      11,
    );

    // The products the list's items stored (the one gone included: its item keeps its id).
    const listed = await world.infra.pg.query<{ product_id: string }>(
      'SELECT product_id FROM product_list_items WHERE list_id = $1 AND product_id IS NOT NULL',
      [tenantListKey(tenantId, listId)],
    );
    const listedIds = listed.rows.map((row) => row.product_id);
    assert.equal(listedIds.length, 12);
    const stored = await world.infra.pg.query<{ product_id: string; brand: string; category: string; embedded: boolean }>(
      'SELECT product_id, brand, category, embedding IS NOT NULL AS embedded FROM products WHERE product_id = ANY($1)',
      [listedIds],
    );
    assert.equal(stored.rows.length, 11);
    assert.ok(
      stored.rows.every((row) => row.embedded),
      'every stored product has its embedding',
    );

    const index = esIndices(world.config).products;
    await world.infra.es.indices.refresh({ index });
    const documents = await world.infra.es.search<{ productId: string }>({
      index,
      size: 50,
      query: { bool: { filter: [{ ids: { values: listedIds } }, { exists: { field: 'embedding' } }] } },
    });
    assert.deepEqual(documents.hits.hits.map((hit) => hit._id).sort(), stored.rows.map((row) => row.product_id).sort());

    const graph = await world.infra.neo4j.executeQuery(
      `MATCH (p:Product) WHERE p.productId IN $ids
       RETURN p.productId AS id, [(p)-[:MADE_BY]->(b) | b.name] AS brands, [(p)-[:IN_CATEGORY]->(c) | c.name] AS categories,
              size([(p)-[:SIMILAR_TO]->(q) | q]) AS similar, size(p.recommendations) AS recommendations`,
      { ids: listedIds },
    );
    const nodes = new Map(graph.records.map((record) => [record.get('id') as string, record]));
    assert.equal(nodes.size, 11, 'one node per stored product, none for the one gone');
    for (const row of stored.rows) {
      const node = nodes.get(row.product_id)!;
      assert.deepEqual(node.get('brands'), [row.brand]);
      assert.deepEqual(node.get('categories'), [row.category]);
      assert.equal(Number(node.get('similar')), 5, 'similarity edges from the refresh at the end of the list');
      assert.equal(Number(node.get('recommendations')), 5);
    }
  });
});

describe('a page embedding over the rate limit', () => {
  let world: World;
  const tenantId = `sinks-limit-${randomUUID().slice(0, 8)}`;
  const ids = Array.from({ length: 4 }, (_, i) => productIdFor(tenantId, `https://shop.example/limit/${i}`));

  before(async () => {
    // About 100 tokens per product's text (3 bytes a token): a page of 4 needs about 400, more
    // than the window allows; 2 fit.
    world = await startWorld({ LLM_RATE_LIMITS: 'all-minilm-l6-v2=unlimited/250', LLM_RATE_WINDOW: '1s' }, { workers: false });
    assert.equal(world.config.EMBEDDING_MODEL, 'all-minilm-l6-v2');
    for (const [i, productId] of ids.entries()) {
      await world.infra.pg.query(
        `INSERT INTO products (product_id, tenant_id, url, name, description, fields) VALUES ($1, $2, $3, $4, $5, '{}')`,
        [productId, tenantId, `https://shop.example/limit/${i}`, `Limited product ${i}`, `A plain linen towel. `.repeat(13)],
      );
    }
  });
  after(async () => {
    await world?.stop();
  });

  it('when a page needs more tokens than the window allows, then it goes in halves and every product is embedded', async () => {
    const acts = createActivities(world.infra);
    // The LLM queue's start-to-close: a call may wait half of it for room under the limit.
    const result = await new MockActivityEnvironment({ startToCloseTimeoutMs: 90_000 }).run(acts.embedProducts, {
      tenantId,
      productIds: ids,
    });
    assert.deepEqual(result, { failed: [] });
    const embedded = await world.infra.pg.query(
      'SELECT count(*)::int AS n FROM products WHERE product_id = ANY($1) AND embedding IS NOT NULL',
      [ids],
    );
    assert.equal(embedded.rows[0].n, 4);
    const calls = await world.infra.pg.query<{ n: number }>(
      `SELECT (params->>'n')::int AS n FROM llm_calls WHERE tenant_id = $1 AND task = 'embed' AND status = 'ok' ORDER BY created_at`,
      [tenantId],
    );
    assert.deepEqual(
      calls.rows.map((row) => row.n),
      [2, 2],
    );
  });
});

describe('a page index with a document Elasticsearch refuses', () => {
  let world: World;
  const tenantId = `sinks-reject-${randomUUID().slice(0, 8)}`;
  const ids = Array.from({ length: 3 }, (_, i) => productIdFor(tenantId, `https://shop.example/reject/${i}`));
  const gone = productIdFor(tenantId, 'https://shop.example/reject/gone');

  before(async () => {
    world = await startWorld({}, { workers: false });
    for (const [i, productId] of ids.entries()) {
      // The second one carries a vector of the wrong size: the index's mapping refuses it for good.
      await world.infra.pg.query(
        `INSERT INTO products (product_id, tenant_id, url, name, description, fields, embedding) VALUES ($1, $2, $3, $4, $5, '{}', $6)`,
        [productId, tenantId, `https://shop.example/reject/${i}`, `Product ${i}`, 'A plain linen towel.', i === 1 ? [0.1, 0.2, 0.3] : null],
      );
    }
  });
  after(async () => {
    await world?.stop();
  });

  it('when a page is indexed, then the refused document fails only its product and the others are searchable', async () => {
    const acts = createActivities(world.infra);
    const result: Awaited<ReturnType<typeof acts.indexProducts>> = await new MockActivityEnvironment().run(acts.indexProducts, {
      productIds: [...ids, gone],
      rejected: 'report' as const,
    });
    assert.equal(result.indexed, 2);
    assert.deepEqual(
      result.failed?.map((failure) => [failure.productId, failure.errorType]).sort(),
      [
        [gone, 'ProductMissing'],
        [ids[1], 'IndexRejected'],
      ].sort(),
    );
    const index = esIndices(world.config).products;
    await world.infra.es.indices.refresh({ index });
    const found = await world.infra.es.search({ index, size: 10, query: { ids: { values: ids } }, _source: false });
    assert.deepEqual(found.hits.hits.map((hit) => hit._id).sort(), [ids[0], ids[2]].sort());
  });

  it('when an item indexes the same products on its own, then the refused document fails its request, to be retried', async () => {
    const acts = createActivities(world.infra);
    await assert.rejects(new MockActivityEnvironment().run(acts.indexProducts, { productIds: ids }), (error: Error & { type?: string }) => {
      assert.equal(error.type, 'IndexFailed');
      return true;
    });
  });
});

describe('a page graph write with a product Neo4j refuses', () => {
  let world: World;
  const tenantId = `sinks-graph-${randomUUID().slice(0, 8)}`;
  const ids = Array.from({ length: 3 }, (_, i) => productIdFor(tenantId, `https://shop.example/graph/${i}`));
  const gone = productIdFor(tenantId, 'https://shop.example/graph/gone');
  const graphOf = async (productIds: string[]) =>
    (
      await world.infra.neo4j.executeQuery(
        `MATCH (p:Product) WHERE p.productId IN $productIds RETURN p.productId AS id, [(p)-[:MADE_BY]->(b) | b.name] AS brands`,
        { productIds },
      )
    ).records.map((record) => [record.get('id') as string, record.get('brands') as string[]]);

  before(async () => {
    world = await startWorld({}, { workers: false });
    for (const [i, productId] of ids.entries()) {
      // The second one's brand is over the size Neo4j can index (the Brand key is unique): Neo4j
      // refuses that product for good.
      await world.infra.pg.query(
        `INSERT INTO products (product_id, tenant_id, url, name, brand, category, fields) VALUES ($1, $2, $3, $4, $5, 'Bath', '{}')`,
        [productId, tenantId, `https://shop.example/graph/${i}`, `Product ${i}`, i === 1 ? 'B'.repeat(40_000) : 'Weavers'],
      );
    }
  });
  after(async () => {
    await world?.infra.neo4j.executeQuery('MATCH (n) WHERE n.tenantId = $tenantId DETACH DELETE n', { tenantId });
    await world?.stop();
  });

  it('when a page is written, then the refused product fails alone as GraphRejected and the others are in the graph', async () => {
    const acts = createActivities(world.infra);
    const result: Awaited<ReturnType<typeof acts.writeProductPage>> = await new MockActivityEnvironment().run(acts.writeProductPage, {
      productIds: [...ids, gone],
    });
    assert.deepEqual(
      result.failed.map((failure) => [failure.productId, failure.errorType]).sort(),
      [
        [gone, 'ProductMissing'],
        [ids[1], 'GraphRejected'],
      ].sort(),
    );
    assert.match(result.failed.find((failure) => failure.productId === ids[1])!.message, /too large to index/);
    assert.deepEqual(
      (await graphOf(ids)).sort(),
      [
        [ids[0], ['Weavers']],
        [ids[2], ['Weavers']],
      ].sort(),
      'the refused product left nothing behind: its transaction rolled back',
    );
  });

  it('when an item writes the refused product on its own, then it fails with a final GraphRejected, not a retry', async () => {
    const acts = createActivities(world.infra);
    await assert.rejects(
      new MockActivityEnvironment().run(acts.updateProductGraph, { productId: ids[1]! }),
      (error: Error & { type?: string; nonRetryable?: boolean }) => {
        assert.equal(error.type, 'GraphRejected');
        assert.equal(error.nonRetryable, true, 'Temporal does not retry it');
        return true;
      },
    );
  });

  it('when Neo4j cannot be reached, then the page fails as a whole with the retryable Neo4jUnavailable', async () => {
    const driver = createNeo4jDriver({ NEO4J_URL: 'bolt://127.0.0.1:1', NEO4J_USER: 'neo4j', NEO4J_PASSWORD: '' });
    try {
      const acts = createActivities({ ...world.infra, neo4j: driver });
      await assert.rejects(
        new MockActivityEnvironment().run(acts.writeProductPage, { productIds: ids }),
        (error: Error & { type?: string; nonRetryable?: boolean }) => {
          assert.equal(error.type, 'Neo4jUnavailable');
          assert.equal(error.nonRetryable, false, 'Temporal retries the page');
          return true;
        },
      );
    } finally {
      await driver.close();
    }
  });
});
