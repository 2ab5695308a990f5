// The product-list pipeline end to end: real Temporal, PostgreSQL, Elasticsearch, Neo4j, the
// local embedding model, and the sample shop crawled over loopback HTTP.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ListReport } from '../src/activities/product-lists';
import { itemKeyFor, listWorkflowId, tenantListKey } from '../src/products/lists';
import { sampleShopCatalog, startSampleShop, type SampleShop } from '../fixtures/sample-shop';
import { esIndices } from '../src/stores/elasticsearch';
import { listProgressQuery, productItemWorkflowId } from '../src/workflows/product-list';
import { startOpenAiStandIn } from './support/openai-standin';
import WebSocket from 'ws';
import { actAsByDefault, bearer, eventually, http, startWorld, tokenFor, type World } from './support/world';

describe('product-list pipeline over the sample shop', () => {
  let shop: SampleShop;
  let world: World;
  const tenantId = `shop-${randomUUID().slice(0, 8)}`;
  actAsByDefault({ sub: 'test-editor', tenant: tenantId, roles: ['editor'] });

  before(async () => {
    shop = await startSampleShop();
    world = await startWorld({
      FETCH_ALLOW_HOSTS: new URL(shop.baseUrl).host,
      FETCH_TIMEOUT_MS: '1500',
      BLOB_DIR: mkdtempSync(path.join(tmpdir(), 'magicai-blobs-')),
    });
  });
  after(async () => {
    await world?.stop();
    await shop?.close();
  });

  const productPages = sampleShopCatalog.filter((page) => page.shape !== 'listing');
  const urlOf = (p: string) => new URL(p, shop.baseUrl).href;

  async function runList(body: Record<string, unknown>): Promise<{ listId: string; report: ListReport }> {
    const listId = `t-${randomUUID().slice(0, 12)}`;
    const started = await http(world.baseUrl, 'POST', '/v1/product-lists', { listId, tenantId, ...body });
    assert.equal(started.status, 202, started.text);
    const report = (await world.infra.temporal.workflow.getHandle(listWorkflowId(tenantId, listId)).result()) as ListReport;
    return { listId, report };
  }

  async function errorsOf(listId: string): Promise<Map<string, { stage: string; error_type: string; attempts: number }>> {
    const response = await http(world.baseUrl, 'GET', `/v1/product-lists/${listId}/errors`);
    assert.equal(response.status, 200);
    const rows = response.text.trim()
      ? response.text
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line))
      : [];
    return new Map(
      rows.map((row: { url: string; stage: string; error_type: string; attempts: number }) => [new URL(row.url).pathname, row]),
    );
  }

  describe('the curated catalogue, without LLM enrichment', () => {
    let first: { listId: string; report: ListReport };

    before(async () => {
      first = await runList({ items: productPages.map((page) => ({ url: urlOf(page.path) })), options: { llm: false, concurrency: 8 } });
    });

    it('then every page with a product is stored with the values a correct extractor finds', async () => {
      const expected = productPages.filter(
        (page) => page.expected && !['robots-disallowed', 'hang', 'redirect-to-private', '404'].includes(page.behaviour ?? 'ok'),
      );
      for (const page of expected) {
        const { rows } = await world.infra.pg.query('SELECT * FROM products WHERE tenant_id = $1 AND url = $2', [
          tenantId,
          urlOf(page.path),
        ]);
        assert.equal(rows.length, 1, `${page.path} stored`);
        const row = rows[0];
        const want = page.expected!;
        assert.equal(row.name, want.name, page.path);
        assert.equal(row.price === null ? undefined : Number(row.price), want.price, `${page.path} price`);
        assert.equal(row.currency ?? undefined, want.currency, `${page.path} currency`);
        if (want.brand) assert.equal(row.brand, want.brand, `${page.path} brand`);
        if (want.availability) assert.equal(row.availability, want.availability, `${page.path} availability`);
        assert.equal(row.fields.name.source.length > 0, true);
        assert.ok(row.fields.name.confidence > 0 && row.fields.name.confidence <= 1);
      }
    });

    it('then images are optimised into the blob store as WebP with thumbnails', async () => {
      const { rows } = await world.infra.pg.query('SELECT images FROM products WHERE tenant_id = $1 AND url = $2', [
        tenantId,
        urlOf('/products/espresso-machine-pro.html'),
      ]);
      const images = rows[0].images as { key: string; thumbKey: string; width: number }[];
      assert.equal(images.length, 4);
      for (const image of images) {
        const bytes = await world.infra.blobs.get(image.key);
        assert.equal(bytes.subarray(8, 12).toString('ascii'), 'WEBP');
        assert.ok(image.width <= 1200);
        assert.equal((await world.infra.blobs.get(image.thumbKey)).subarray(8, 12).toString('ascii'), 'WEBP');
      }
    });

    it('then failures are classified: permanent ones tried once, transient ones retried', async () => {
      const ledger = await errorsOf(first.listId);
      const expectType = (p: string, type: string, stage: string) => {
        const row = ledger.get(p);
        assert.ok(row, `${p} in the error ledger`);
        assert.equal(row.error_type, type, p);
        assert.equal(row.stage, stage, p);
        return row;
      };
      assert.equal(expectType('/products/old-model-x100.html', 'HttpNotFound', 'fetch').attempts, 1);
      assert.equal(expectType('/go/metadata', 'UrlBlocked', 'fetch').attempts, 1);
      assert.equal(expectType('/go/intranet', 'UrlBlocked', 'fetch').attempts, 1);
      assert.equal(expectType('/private/titanium-mug.html', 'RobotsDisallowed', 'fetch').attempts, 1);
      assert.equal(expectType('/blog/how-to-season-cast-iron.html', 'ProductNotFound', 'extract').attempts, 1);
      assert.equal(
        expectType('/products/limited-edition-drop.html', 'FetchTimeout', 'fetch').attempts,
        5,
        'a hanging page is retried to the limit',
      );
      assert.equal(ledger.size, 6, [...ledger.keys()].join(', '));

      // The flaky page answered 500 twice: its fetch succeeded on the third attempt.
      const flaky = world.infra.temporal.workflow.getHandle(
        productItemWorkflowId(tenantListKey(tenantId, first.listId), itemKeyFor(urlOf('/products/electric-kettle.html'))),
      );
      const history = await flaky.fetchHistory();
      const attempts = history
        .events!.filter((e) => e.activityTaskStartedEventAttributes)
        .map((e) => e.activityTaskStartedEventAttributes!.attempt);
      assert.equal(attempts[0], 3);

      assert.equal(first.report.failed, 6);
      assert.equal(first.report.succeeded, productPages.length - 6);
      assert.equal(first.report.target, 0.995);
      assert.equal(first.report.meetsTarget, false);
      assert.equal(first.report.errorsByType.UrlBlocked, 2);
    });

    it('then the SSRF redirects never reached a private address and the robots-disallowed page was never requested', () => {
      assert.ok(!shop.requests.some((request) => request.path.startsWith('/private/')), 'robots.txt was honoured');
      assert.ok(shop.requests.some((request) => request.path === '/robots.txt'));
    });

    it('then products are found by Elasticsearch text search and by kNN', async () => {
      const index = esIndices(world.config).products;
      await world.infra.es.indices.refresh({ index });
      const text = await world.infra.es.search<{ name: string }>({
        index,
        query: { bool: { must: { match: { name: 'skillet' } }, filter: { term: { tenantId } } } },
      });
      assert.equal(text.hits.hits[0]?._source?.name, 'Cast Iron Skillet 28 cm');
      const [vector] = await world.infra.llm.embed(['headphones for recording studio monitoring'], { tenantId });
      const knn = await world.infra.es.search<{ name: string }>({
        index,
        knn: { field: 'embedding', query_vector: vector!, k: 3, num_candidates: 50, filter: { term: { tenantId } } },
      });
      assert.equal(knn.hits.hits[0]?._source?.name, 'Closed-Back Studio Headphones SH-70');
      // An AggregateOffer's range is searchable: price is its low end, highPrice its top.
      const ranged = await world.infra.es.search<{ price: number; highPrice: number }>({
        index,
        query: { bool: { filter: [{ term: { tenantId } }, { range: { highPrice: { gte: 190 } } }] } },
      });
      assert.deepEqual(
        ranged.hits.hits.map((hit) => [hit._source?.price, hit._source?.highPrice]),
        [[149, 199]],
      );
    });

    it('then recommendations come back from Neo4j: similar products of the same tenant, with brand and category nodes', async () => {
      const result = await world.infra.neo4j.executeQuery(
        `MATCH (p:Product {tenantId: $tenantId, name: 'Trail Runner GTX'})
         OPTIONAL MATCH (p)-[s:SIMILAR_TO]->(q:Product)
         OPTIONAL MATCH (p)-[:IN_CATEGORY]->(c:Category)
         RETURN p.recommendations AS recs, count(DISTINCT q) AS similar, collect(DISTINCT q.tenantId) AS tenants, collect(DISTINCT c.name) AS categories`,
        { tenantId },
      );
      const record = result.records[0]!;
      assert.ok((record.get('similar') as number) >= 3, 'has similarity edges');
      assert.deepEqual(record.get('tenants'), [tenantId]);
      assert.equal((record.get('recs') as string[]).length, record.get('similar'));
      assert.ok((record.get('categories') as string[]).length === 1);
    });

    it('then the API searches them (text, kNN, hybrid) and serves recommendations, within the tenant only', async () => {
      const text = await http(world.baseUrl, 'GET', '/v1/search/products?q=skillet&mode=text');
      assert.equal(text.status, 200);
      assert.equal(text.json.items[0]?.name, 'Cast Iron Skillet 28 cm');
      const knn = await http(
        world.baseUrl,
        'GET',
        `/v1/search/products?q=${encodeURIComponent('headphones for recording studio monitoring')}&mode=knn&limit=3`,
      );
      assert.equal(knn.json.items[0]?.name, 'Closed-Back Studio Headphones SH-70');
      const hybrid = await http(world.baseUrl, 'GET', '/v1/search/products?q=studio%20headphones');
      assert.equal(hybrid.json.mode, 'hybrid');
      assert.ok((hybrid.json.items as { name: string }[]).some((item) => item.name === 'Closed-Back Studio Headphones SH-70'));
      assert.equal((await http(world.baseUrl, 'GET', '/v1/search/products?q=x&mode=vibes')).status, 400);

      const { rows } = await world.infra.pg.query<{ product_id: string }>(
        'SELECT product_id FROM products WHERE tenant_id = $1 AND name = $2',
        [tenantId, 'Trail Runner GTX'],
      );
      const runner = rows[0]!.product_id;
      const recs = await http(world.baseUrl, 'GET', `/v1/products/${encodeURIComponent(runner)}/recommendations`);
      assert.equal(recs.status, 200);
      assert.ok(recs.json.items.length >= 3, JSON.stringify(recs.json));
      const outsider = await tokenFor(world.config, { sub: 'outsider', tenant: `other-${tenantId}`, roles: ['admin'] });
      assert.equal(
        (await http(world.baseUrl, 'GET', `/v1/products/${encodeURIComponent(runner)}/recommendations`, undefined, bearer(outsider)))
          .status,
        404,
      );
      const elsewhere = await http(world.baseUrl, 'GET', '/v1/search/products?q=skillet&mode=text', undefined, bearer(outsider));
      assert.equal(elsewhere.json.items.length, 0, 'another tenant finds nothing');
    });

    it('when the same list runs again, then no row, document, node or edge is duplicated', async () => {
      const counts = async () => {
        const pg = await world.infra.pg.query('SELECT count(*)::int AS n FROM products WHERE tenant_id = $1', [tenantId]);
        const inv = await world.infra.pg.query('SELECT count(*)::int AS n FROM inventory WHERE tenant_id = $1', [tenantId]);
        await world.infra.es.indices.refresh({ index: esIndices(world.config).products });
        const es = await world.infra.es.count({ index: esIndices(world.config).products, query: { term: { tenantId } } });
        const graph = await world.infra.neo4j.executeQuery(
          `MATCH (p:Product {tenantId: $tenantId}) OPTIONAL MATCH (p)-[r]->() RETURN count(DISTINCT p) AS nodes, count(r) AS edges`,
          { tenantId },
        );
        const brands = await world.infra.neo4j.executeQuery('MATCH (b:Brand {tenantId: $tenantId}) RETURN count(b) AS n', { tenantId });
        // Similarity edges are recomputed each run (early items of a first run see fewer
        // neighbours), so the check is: never two edges between one pair, at most 5 per product.
        const duplicates = await world.infra.neo4j.executeQuery(
          `MATCH (p:Product {tenantId: $tenantId})-[r]->(q) WITH p, q, type(r) AS t, count(*) AS n WHERE n > 1 RETURN count(*) AS n`,
          { tenantId },
        );
        const widest = await world.infra.neo4j.executeQuery(
          `MATCH (p:Product {tenantId: $tenantId}) OPTIONAL MATCH (p)-[s:SIMILAR_TO]->() WITH p, count(s) AS n RETURN max(n) AS n`,
          { tenantId },
        );
        assert.equal(duplicates.records[0]!.get('n'), 0, 'no duplicate relationships');
        assert.ok((widest.records[0]!.get('n') as number) <= 5);
        return {
          pg: pg.rows[0].n,
          inv: inv.rows[0].n,
          es: es.count,
          nodes: graph.records[0]!.get('nodes'),
          brands: brands.records[0]!.get('n'),
        };
      };
      const before = await counts();
      assert.equal(before.pg, first.report.succeeded);
      const again = await runList({ items: productPages.map((page) => ({ url: urlOf(page.path) })), options: { llm: false } });
      assert.equal(again.report.succeeded, first.report.succeeded);
      assert.deepEqual(await counts(), before);
    });
  });

  describe('with AI enrichment', () => {
    it('when the local model enriches products, then sentiment and SEO copy are stored and labelled AI-generated', async () => {
      const { listId, report } = await runList({
        items: ['/products/trail-runner-gtx.html', '/products/cast-iron-skillet-28.html'].map((p) => ({ url: urlOf(p) })),
        options: { llm: true, concurrency: 2 },
      });
      assert.equal(report.succeeded + report.failed, 2, listId);
      const { rows } = await world.infra.pg.query(
        `SELECT p.name, p.sentiment, p.enhancement, i.warnings FROM products p
         JOIN product_list_items i ON i.product_id = p.product_id WHERE i.list_id = $1`,
        [tenantListKey(tenantId, listId)],
      );
      assert.equal(rows.length, 2);
      for (const row of rows) {
        // The tiny model may fail to give valid JSON; then the item carries a warning instead.
        const warned = new Set((row.warnings ?? []).map((w: { stage: string }) => w.stage));
        if (!warned.has('sentiment')) {
          assert.ok(['positive', 'neutral', 'negative'].includes(row.sentiment.label), row.name);
          assert.equal(row.sentiment.ai.generated, true);
          assert.equal(row.sentiment.ai.promptVersion, 'sentiment@1');
        }
        if (!warned.has('enhance')) {
          assert.ok(row.enhancement.seoTitle.length > 0);
          assert.equal(row.enhancement.ai.generated, true);
          assert.equal(row.enhancement.ai.model, world.config.LLM_MODELS.default);
        }
      }
      const calls = await world.infra.pg.query(
        `SELECT count(*)::int AS n FROM llm_calls WHERE workflow_id LIKE $1 AND task IN ('sentiment', 'enhance')`,
        [`${listWorkflowId(tenantId, listId)}/%`],
      );
      assert.ok(calls.rows[0].n >= 4, 'each product had a sentiment and an enhancement call recorded');
    });

    it('when the model keeps answering invalid JSON, then the product is stored without enrichment and the item carries a warning', async () => {
      const standIn = await startOpenAiStandIn();
      standIn.script([], { content: 'this is not json' });
      const degraded = await startWorld({
        OPENAI_BASE_URL: standIn.baseUrl,
        FETCH_ALLOW_HOSTS: new URL(shop.baseUrl).host,
        BLOB_DIR: world.config.BLOB_DIR,
      });
      try {
        const listId = `warn-${randomUUID().slice(0, 8)}`;
        const started = await http(degraded.baseUrl, 'POST', '/v1/product-lists', {
          listId,
          tenantId,
          items: [{ url: urlOf('/products/headlamp-400.html') }],
          options: { llm: true },
        });
        assert.equal(started.status, 202);
        const report = (await degraded.infra.temporal.workflow.getHandle(listWorkflowId(tenantId, listId)).result()) as ListReport;
        assert.deepEqual([report.succeeded, report.failed, report.withWarnings], [1, 0, 1]);
        const item = await degraded.infra.pg.query('SELECT warnings FROM product_list_items WHERE list_id = $1', [
          tenantListKey(tenantId, listId),
        ]);
        assert.deepEqual(item.rows[0].warnings.map((w: { stage: string; errorType: string }) => [w.stage, w.errorType]).sort(), [
          ['enhance', 'LlmInvalidOutput'],
          ['sentiment', 'LlmInvalidOutput'],
        ]);
        assert.equal(standIn.requests.filter((r) => r.path.endsWith('/chat/completions')).length, 4, 'answer + one repair for each task');
      } finally {
        await degraded.stop();
        await standIn.close();
      }
    });
  });

  describe('steering a list', () => {
    const generated = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ url: urlOf(`/gen/${from + i}.html`) }));
    const fast = { llm: false, concurrency: 1, stages: ['fetch', 'extract', 'text', 'store'] };

    it('when a client follows a list live, then SSE and WebSocket stream progress until a final done', async () => {
      const listId = `live-${randomUUID().slice(0, 8)}`;
      assert.equal(
        (
          await http(world.baseUrl, 'POST', '/v1/product-lists', {
            listId,
            tenantId,
            items: generated(4000, 6),
            options: { ...fast, concurrency: 2 },
          })
        ).status,
        202,
      );
      const token = await tokenFor(world.config, { sub: 'watcher', tenant: tenantId, roles: ['reviewer'] });
      const socketDone = new Promise<{ type: string; data: { status: string } }[]>((resolve, reject) => {
        const got: { type: string; data: { status: string } }[] = [];
        const socket = new WebSocket(`${world.baseUrl.replace('http', 'ws')}/v1/live?list=${listId}&access_token=${token}`);
        socket.on('message', (raw: Buffer) => got.push(JSON.parse(raw.toString()) as { type: string; data: { status: string } }));
        socket.on('close', () => resolve(got));
        socket.on('error', reject);
      });
      const response = await fetch(`${world.baseUrl}/v1/product-lists/${listId}/events`, { headers: bearer(token) });
      assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
      const events = [...(await response.text()).matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((m) => ({
        event: m[1]!,
        data: JSON.parse(m[2]!) as { status: string; progress?: { succeeded: number } },
      }));
      assert.ok(
        events.some((e) => e.event === 'progress' && e.data.status === 'running'),
        'saw the list running',
      );
      assert.equal(events.at(-1)!.event, 'done');
      assert.equal(events.at(-1)!.data.status, 'completed');
      const messages = await socketDone;
      assert.equal(messages.at(-1)!.type, 'done');
      assert.equal(messages.at(-1)!.data.status, 'completed');
      const outsider = await tokenFor(world.config, { sub: 'outsider', tenant: `x-${tenantId}`, roles: ['admin'] });
      assert.equal((await fetch(`${world.baseUrl}/v1/product-lists/${listId}/events`, { headers: bearer(outsider) })).status, 404);
    });

    it('when paused, then no new item starts until resumed, and the list completes', async () => {
      const listId = `pause-${randomUUID().slice(0, 8)}`;
      assert.equal(
        (await http(world.baseUrl, 'POST', '/v1/product-lists', { listId, tenantId, items: generated(1000, 12), options: fast })).status,
        202,
      );
      assert.equal((await http(world.baseUrl, 'POST', `/v1/product-lists/${listId}/pause`)).status, 202);
      const handle = world.infra.temporal.workflow.getHandle(listWorkflowId(tenantId, listId));
      const paused = await eventually(
        async () => {
          const progress = await handle.query(listProgressQuery);
          return progress.status === 'paused' && progress.inFlight.length === 0 ? progress : undefined;
        },
        20_000,
        'the list to pause and drain',
      );
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const still = await handle.query(listProgressQuery);
      assert.equal(still.succeeded + still.failed, paused.succeeded + paused.failed, 'nothing ran while paused');
      assert.ok(still.succeeded < 12);

      const read = await http(world.baseUrl, 'GET', `/v1/product-lists/${listId}`);
      assert.equal(read.json.progress.status, 'paused');

      assert.equal((await http(world.baseUrl, 'POST', `/v1/product-lists/${listId}/resume`)).status, 202);
      const report = (await handle.result()) as ListReport;
      assert.equal(report.succeeded, 12);
    });

    it('when cancelled, then in-flight work stops and the rest is reported as skipped', async () => {
      const listId = `cancel-${randomUUID().slice(0, 8)}`;
      assert.equal(
        (await http(world.baseUrl, 'POST', '/v1/product-lists', { listId, tenantId, items: generated(2000, 30), options: fast })).status,
        202,
      );
      const handle = world.infra.temporal.workflow.getHandle(listWorkflowId(tenantId, listId));
      await eventually(async () => ((await handle.query(listProgressQuery)).succeeded >= 2 ? true : undefined), 30_000, 'two items done');
      assert.equal((await http(world.baseUrl, 'POST', `/v1/product-lists/${listId}/cancel`)).status, 202);
      const report = (await handle.result()) as ListReport;
      assert.equal(report.cancelled, true);
      assert.ok(report.skipped > 0);
      assert.equal(report.succeeded + report.failed + report.skipped, 30);
      const status = await world.infra.pg.query('SELECT status FROM product_lists WHERE list_id = $1', [tenantListKey(tenantId, listId)]);
      assert.equal(status.rows[0].status, 'cancelled');
    });

    it('when a list is longer than the continue-as-new threshold, then every item is accounted for', async () => {
      const listId = `can-${randomUUID().slice(0, 8)}`;
      // LIST_ITEMS_PER_RUN is 500 by default; a world with a threshold of 5 proves the handover.
      const small = await startWorld({
        LIST_ITEMS_PER_RUN: '5',
        FETCH_ALLOW_HOSTS: new URL(shop.baseUrl).host,
        BLOB_DIR: world.config.BLOB_DIR,
      });
      try {
        const started = await http(small.baseUrl, 'POST', '/v1/product-lists', {
          listId,
          tenantId,
          items: generated(3000, 13),
          options: { ...fast, concurrency: 3 },
        });
        assert.equal(started.status, 202);
        const handle = small.infra.temporal.workflow.getHandle(listWorkflowId(tenantId, listId));
        const report = (await handle.result()) as ListReport;
        assert.equal(report.total, 13);
        assert.equal(report.succeeded, 13);
        const description = await handle.describe();
        assert.notEqual(description.runId, started.json.runId, 'the list continued as new');
        const items = await small.infra.pg.query(
          `SELECT state, count(*)::int AS n FROM product_list_items WHERE list_id = $1 GROUP BY state`,
          [tenantListKey(tenantId, listId)],
        );
        assert.deepEqual(items.rows, [{ state: 'succeeded', n: 13 }]);
      } finally {
        await small.stop();
      }
    });

    it('when failed items are redriven, then only they run again', async () => {
      const listId = `redrive-${randomUUID().slice(0, 8)}`;
      const items = [...generated(4000, 3), { url: urlOf('/products/old-model-x100.html') }];
      assert.equal((await http(world.baseUrl, 'POST', '/v1/product-lists', { listId, tenantId, items, options: fast })).status, 202);
      const handle = world.infra.temporal.workflow.getHandle(listWorkflowId(tenantId, listId));
      const first = (await handle.result()) as ListReport;
      assert.deepEqual([first.succeeded, first.failed], [3, 1]);

      const redrive = await http(world.baseUrl, 'POST', `/v1/product-lists/${listId}/redrive`);
      assert.equal(redrive.status, 202, redrive.text);
      assert.equal(redrive.json.redriven, 1);
      const second = (await world.infra.temporal.workflow
        .getHandle(listWorkflowId(tenantId, listId), redrive.json.runId)
        .result()) as ListReport;
      assert.deepEqual([second.succeeded, second.failed], [3, 1]);
      const runs = await world.infra.pg.query('SELECT url, runs FROM product_list_items WHERE list_id = $1 ORDER BY url', [
        tenantListKey(tenantId, listId),
      ]);
      for (const row of runs.rows) assert.equal(row.runs, row.url.endsWith('old-model-x100.html') ? 2 : 1, row.url);
      const csv = await http(world.baseUrl, 'GET', `/v1/product-lists/${listId}/errors`, undefined, { accept: 'text/csv' });
      assert.match(csv.contentType, /text\/csv/);
      assert.match(
        csv.text,
        /^item_key,url,stage,error_type,message,attempts,occurred_at\n".+","http:\/\/127\.0\.0\.1:\d+\/products\/old-model-x100\.html","fetch","HttpNotFound"/,
      );
    });
  });

  describe('feeds', () => {
    async function postFeed(body: string, contentType: string, query: string) {
      const response = await http(world.baseUrl, 'POST', `/v1/product-lists?${query}`, body, { 'content-type': contentType });
      return { status: response.status, json: response.json };
    }

    it('when a CSV feed mixes inline products and URLs, then both kinds are processed, inline fields with provenance "feed"', async () => {
      const listId = `feed-${randomUUID().slice(0, 8)}`;
      const csv = [
        'url,key,name,price,currency,availability,brand,images',
        `,FEED-1,"Canvas Tote Bag, Natural","1.299,00",EUR,InStock,Totes & Co,${urlOf('/img/gen-1.jpg')}`,
        ',FEED-2,Enamel Mug,12.50,usd,OutOfStock,,',
        `${urlOf('/gen/77.html')},,,,,,,`,
      ].join('\n');
      const started = await postFeed(csv, 'text/csv', `listId=${listId}&tenantId=${tenantId}&llm=false`);
      assert.equal(started.status, 202, JSON.stringify(started.json));
      assert.equal(started.json.items, 3);
      const report = (await world.infra.temporal.workflow.getHandle(listWorkflowId(tenantId, listId)).result()) as ListReport;
      assert.deepEqual([report.succeeded, report.failed], [3, 0]);
      const { rows } = await world.infra.pg.query(
        `SELECT url, name, price, currency, availability, brand, fields, images FROM products WHERE tenant_id = $1 AND url = 'feed:FEED-1'`,
        [tenantId],
      );
      assert.equal(rows[0].name, 'Canvas Tote Bag, Natural');
      assert.equal(Number(rows[0].price), 1299);
      assert.equal(rows[0].currency, 'EUR');
      assert.equal(rows[0].availability, 'in_stock');
      assert.deepEqual(rows[0].fields.name, { source: 'feed', confidence: 1 });
      assert.equal(rows[0].images.length, 1, 'the feed image was downloaded and optimised');
      const mug = await world.infra.pg.query(`SELECT currency, availability FROM products WHERE tenant_id = $1 AND url = 'feed:FEED-2'`, [
        tenantId,
      ]);
      assert.deepEqual(mug.rows[0], { currency: 'USD', availability: 'out_of_stock' });
    });

    it('when a feed line is broken, then it is a 400 naming the line, and no list is created', async () => {
      const listId = `badfeed-${randomUUID().slice(0, 8)}`;
      const lines = [JSON.stringify({ url: urlOf('/gen/1.html') }), '{"name": "no key"', JSON.stringify({ key: 'k' })].join('\n');
      const broken = await postFeed(lines, 'application/x-ndjson', `listId=${listId}&tenantId=${tenantId}`);
      assert.equal(broken.status, 400);
      assert.match(broken.json.detail, /line 2: not valid JSON/);
      const noKey = await postFeed(JSON.stringify({ name: 'Mug', price: 3 }), 'application/x-ndjson', `listId=${listId}`);
      assert.equal(noKey.status, 400);
      assert.match(noKey.json.detail, /line 1: an item without url needs a key or a sku/);
      assert.equal((await http(world.baseUrl, 'GET', `/v1/product-lists/${listId}`)).status, 404);
    });
  });

  describe('bad input', () => {
    it('when URLs are not http(s), lists are empty or fields unknown, then it is a 400 and nothing starts', async () => {
      for (const body of [
        { items: [{ url: 'file:///etc/passwd' }] },
        { items: [{ url: 'not a url' }] },
        { items: [] },
        { items: [{ url: 'http://example.com/' }], options: { concurrency: 0 } },
        { items: [{ url: 'http://example.com/' }], surprise: 1 },
      ]) {
        const response = await http(world.baseUrl, 'POST', '/v1/product-lists', { tenantId, ...body });
        assert.equal(response.status, 400, JSON.stringify(body));
      }
    });

    it('when a list id is reused, then it is a 409; an unknown list is a 404', async () => {
      const listId = `dup-${randomUUID().slice(0, 8)}`;
      const body = {
        listId,
        tenantId,
        items: [{ url: urlOf('/gen/1.html') }],
        options: { llm: false, stages: ['fetch', 'extract', 'store'] },
      };
      assert.equal((await http(world.baseUrl, 'POST', '/v1/product-lists', body)).status, 202);
      assert.equal((await http(world.baseUrl, 'POST', '/v1/product-lists', body)).status, 409);
      assert.equal((await http(world.baseUrl, 'GET', `/v1/product-lists/nope-${randomUUID().slice(0, 8)}`)).status, 404);
      await world.infra.temporal.workflow.getHandle(listWorkflowId(tenantId, listId)).result();
    });

    it('when a private address is listed without the allow-list, then it is refused without a connection', async () => {
      const listId = `ssrf-${randomUUID().slice(0, 8)}`;
      const port = new URL(shop.baseUrl).port;
      const before = shop.requests.length;
      const strict = await startWorld({ FETCH_ALLOW_HOSTS: '', BLOB_DIR: world.config.BLOB_DIR });
      try {
        const items = [
          `http://127.0.0.1:${port}/gen/5.html`,
          `http://[::ffff:127.0.0.1]:${port}/gen/6.html`,
          `http://localhost:${port}/gen/7.html`,
          `http://2130706433:${port}/gen/8.html`,
        ].map((url) => ({ url }));
        const started = await http(strict.baseUrl, 'POST', '/v1/product-lists', { listId, tenantId, items, options: { llm: false } });
        assert.equal(started.status, 202, started.text);
        const report = (await strict.infra.temporal.workflow.getHandle(listWorkflowId(tenantId, listId)).result()) as ListReport;
        assert.equal(report.failed, 4);
        assert.deepEqual(report.errorsByType, { UrlBlocked: 4 });
        assert.equal(shop.requests.length, before, 'the shop saw no request');
      } finally {
        await strict.stop();
      }
    });
  });
});
