// Site research end to end over the sample shop: real Temporal, PostgreSQL, Elasticsearch,
// Neo4j and the local embedding model; the chat model is the loopback OpenAI stand-in, so the
// report check can be shown refusing an invented number.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { verifySignature } from '../src/publishing/signing';
import { researchProductIdFor } from '../src/research/model';
import { sampleShopCatalog, startSampleShop, type SampleShop } from '../fixtures/sample-shop';
import { researchProgressQuery, type ResearchResult } from '../src/workflows/research-run';
import { startOpenAiStandIn, type OpenAiStandIn } from './support/openai-standin';
import { actAsByDefault, bearer, eventually, http, startWorld, tokenFor, type World } from './support/world';

const WATCH_SECRET = 'price-watch-secret-0123456789';

describe('site research over the sample shop', () => {
  let shop: SampleShop;
  let world: World;
  let llm: OpenAiStandIn;
  let receiver: Server;
  const received: { body: string; signature: string | undefined }[] = [];
  const tenantId = `res-${randomUUID().slice(0, 8)}`;
  actAsByDefault({ sub: 'researcher', tenant: tenantId, roles: ['editor'] });
  const expectedOf = (p: string) => sampleShopCatalog.find((page) => page.path === p)!.expected!;
  const url = (p: string) => new URL(p, shop.baseUrl).href;

  before(async () => {
    shop = await startSampleShop();
    llm = await startOpenAiStandIn();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ body, signature: req.headers['x-magicai-signature'] as string | undefined });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    world = await startWorld({
      FETCH_ALLOW_HOSTS: new URL(shop.baseUrl).host,
      FETCH_TIMEOUT_MS: '1500',
      BLOB_DIR: mkdtempSync(path.join(tmpdir(), 'magicai-research-')),
      OPENAI_BASE_URL: llm.baseUrl,
      RESEARCH_HOST_GAP_MS: '20',
      RESEARCH_WATCH_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`,
      RESEARCH_WATCH_WEBHOOK_SECRET: WATCH_SECRET,
      LLM_PRICE_INPUT_PER_1K: '0.5',
      LLM_PRICE_OUTPUT_PER_1K: '1.5',
    });
    // The tenant's own catalogue: one product sharing a GTIN with the shop, one sharing a SKU.
    const trail = expectedOf('/products/trail-runner-gtx.html');
    const sneaker = expectedOf('/products/city-sneaker-white.html');
    await world.infra.pg.query(
      `INSERT INTO products (product_id, tenant_id, url, name, gtin, sku, price, currency, category, fields)
       VALUES ($1, $2, 'https://own.example/trail', 'Our trail runner', $3, NULL, 139.95, 'EUR', 'Shoes', '{}'),
              ($4, $2, 'https://own.example/sneaker', 'Our court sneaker', NULL, $5, 59.99, 'GBP', 'Shoes', '{}')`,
      [`own-${tenantId}-1`, tenantId, trail.gtin, `own-${tenantId}-2`, sneaker.sku],
    );
  });
  after(async () => {
    await world?.stop();
    await shop?.close();
    await llm?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  async function runResearch(runId: string, request: Record<string, unknown>): Promise<ResearchResult> {
    const started = await http(world.baseUrl, 'POST', '/v1/research-runs', { runId, request });
    assert.equal(started.status, 202, started.text);
    return (await world.infra.temporal.workflow.getHandle(started.json.workflowId).result()) as ResearchResult;
  }
  const report = (text: string, productIds: string[], urls: string[]) => ({
    content: JSON.stringify({
      title: 'Sample shop research',
      summary: 'What the shop sells and how it prices it.',
      findings: [{ text, productIds, urls }],
    }),
  });

  describe('a full run: sitemap and links, robots.txt, analysis, matches, graph, checked report', () => {
    const runId = `full-${randomUUID().slice(0, 8)}`;
    let result: ResearchResult;
    let requestsBefore: number;
    let events: string;

    before(async () => {
      const sneakerUrl = url('/products/city-sneaker-white.html');
      // First answer invents a figure; the check refuses it and the re-ask comes back clean.
      llm.script([
        report('The shop lists 987654 products.', [], []),
        report('The Court Classic Sneaker is sold by both shops.', [researchProductIdFor(tenantId, sneakerUrl)], [sneakerUrl]),
      ]);
      requestsBefore = shop.requests.length;
      const started = await http(world.baseUrl, 'POST', '/v1/research-runs', {
        runId,
        request: { startUrls: [url('/')], sitemap: true, scope: { maxDepth: 1, maxPages: 40, exclude: ['^/blog/'] } },
      });
      assert.equal(started.status, 202, started.text);
      const stream = await fetch(`${world.baseUrl}/v1/research-runs/${runId}/events`, {
        headers: bearer(await tokenFor(world.config, { sub: 'r', tenant: tenantId, roles: ['editor'] })),
      });
      events = await stream.text(); // ends when the run does
      result = (await world.infra.temporal.workflow.getHandle(started.json.workflowId).result()) as ResearchResult;
    });

    it('then robots.txt and the scope are respected: nothing under /private/ or /blog/ was requested', async () => {
      const paths = shop.requests.slice(requestsBefore).map((r) => new URL(r.path, shop.baseUrl).pathname);
      assert.ok(paths.includes('/robots.txt') && paths.includes('/sitemap.xml'));
      assert.ok(!paths.some((p) => p.startsWith('/private/')), 'robots.txt disallows /private/');
      assert.ok(!paths.some((p) => p.startsWith('/blog/')), 'excluded by the scope');
      assert.ok(!paths.some((p) => p.startsWith('/img/')), 'images are not pages');
      const { rows } = await world.infra.pg.query<{ url: string; state: string; reason: string }>(
        'SELECT url, state, reason FROM research_pages WHERE run_id = $1',
        [runId],
      );
      const byPath = new Map(rows.map((row) => [new URL(row.url).pathname, row]));
      assert.equal(byPath.get('/private/titanium-mug.html')?.reason, 'RobotsDisallowed');
      assert.equal(byPath.get('/blog/how-to-season-cast-iron.html')?.reason, 'OutOfScope:excluded');
      assert.equal(byPath.get('/products/old-model-x100.html')?.state, 'failed');
      assert.equal(byPath.get('/products/trail-runner-gtx.html')?.state, 'fetched');
    });

    it('then the analysis figures equal an independent SQL count', async () => {
      const {
        rows: [own],
      } = await world.infra.pg.query<{ products: number; priced: number; categories: number }>(
        'SELECT count(*)::int AS products, count(price)::int AS priced, count(DISTINCT category)::int AS categories FROM research_products WHERE run_id = $1',
        [runId],
      );
      const got = await http(world.baseUrl, 'GET', `/v1/research-runs/${runId}/report`);
      assert.equal(got.status, 200, got.text);
      const analysis = got.json.analysis;
      assert.equal(analysis.counts.products, own!.products);
      assert.ok(own!.products >= 15, `${own!.products} products found`);
      assert.equal(analysis.counts.productsWithPrice, own!.priced);
      assert.equal(analysis.counts.categories, own!.categories);
      const { rows: shoes } = await world.infra.pg.query<{ n: number; avg: number; min: number }>(
        `SELECT count(*)::int AS n, round(avg(price), 2)::float8 AS avg, min(price)::float8 AS min FROM research_products WHERE run_id = $1 AND category = 'Shoes' AND currency = 'EUR'`,
        [runId],
      );
      const stat = analysis.priceByCategory.find(
        (s: { category: string; currency: string }) => s.category === 'Shoes' && s.currency === 'EUR',
      );
      assert.deepEqual([stat.products, stat.avg, stat.min], [shoes[0]!.n, shoes[0]!.avg, shoes[0]!.min]);
      const bucketed = analysis.distribution
        .flatMap((d: { buckets: { products: number }[] }) => d.buckets)
        .reduce((sum: number, b: { products: number }) => sum + b.products, 0);
      const {
        rows: [pricedWithCurrency],
      } = await world.infra.pg.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM research_products WHERE run_id = $1 AND price IS NOT NULL AND currency IS NOT NULL',
        [runId],
      );
      assert.equal(bucketed, pricedWithCurrency!.n, 'every priced product is in one bucket');
      assert.equal(result.products, own!.products);
    });

    it('then competitor products are linked to own products by GTIN and SKU, in PostgreSQL and Neo4j', async () => {
      const { rows } = await world.infra.pg.query<{ url: string; product_id: string; method: string; score: number }>(
        'SELECT r.url, m.product_id, m.method, m.score FROM research_matches m JOIN research_products r USING (run_id, research_product_id) WHERE m.run_id = $1 ORDER BY m.method',
        [runId],
      );
      const trail = rows.find((row) => row.url.endsWith('/trail-runner-gtx.html'));
      const sneaker = rows.find((row) => row.url.endsWith('/city-sneaker-white.html'));
      assert.deepEqual([trail?.product_id, trail?.method], [`own-${tenantId}-1`, 'gtin']);
      assert.deepEqual([sneaker?.product_id, sneaker?.method], [`own-${tenantId}-2`, 'sku']);
      const analysis = (await http(world.baseUrl, 'GET', `/v1/research-runs/${runId}/report`)).json.analysis;
      assert.equal(analysis.overlap.cheaperThanOwn, 1); // 129.95 < 139.95 EUR
      assert.equal(analysis.overlap.dearerThanOwn, 1); // 64.99 > 59.99 GBP
      const graph = await world.infra.neo4j.executeQuery(
        `MATCH (:Competitor {tenantId: $tenantId})-[:LISTS]->(cp:CompetitorProduct)-[m:MATCHES]->(p:Product {productId: $productId})
         OPTIONAL MATCH (cp)-[:MADE_BY]->(b:Brand) OPTIONAL MATCH (cp)-[:IN_CATEGORY]->(c:Category)
         RETURN m.method AS method, m.score AS score, b.name AS brand, c.name AS category`,
        { tenantId, productId: `own-${tenantId}-1` },
        { database: world.config.NEO4J_DATABASE },
      );
      assert.equal(graph.records.length, 1);
      assert.deepEqual(
        [
          graph.records[0]!.get('method'),
          graph.records[0]!.get('score'),
          graph.records[0]!.get('brand'),
          graph.records[0]!.get('category'),
        ],
        ['gtin', 1, 'Nordkamm', 'Shoes'],
      );
    });

    it('then the report that invented a number was refused, and the re-asked one is stored, cited, indexed and priced', async () => {
      assert.equal(result.report, 'written');
      const got = (await http(world.baseUrl, 'GET', `/v1/research-runs/${runId}/report`)).json;
      assert.equal(got.report.check.passed, true);
      assert.match(got.report.check.refusals[0], /numbers not in the analysis: 987654/);
      assert.equal(got.report.ai.promptVersion, 'researchReport@1');
      assert.ok(got.report.findings[0].urls[0].endsWith('/city-sneaker-white.html'));
      const second = llm.requests.filter((r) => r.path.endsWith('/chat/completions'))[1]!;
      assert.match(JSON.stringify(second.body.messages), /previous report was refused/);
      await world.infra.es.indices.refresh({ index: `${world.config.ELASTICSEARCH_INDEX_PREFIX}-documents` });
      const doc = await world.infra.es.get<{ tenantId: string; kind: string; title: string }>({
        index: `${world.config.ELASTICSEARCH_INDEX_PREFIX}-documents`,
        id: `research-report/${runId}`,
      });
      assert.deepEqual([doc._source?.tenantId, doc._source?.kind], [tenantId, 'research-report']);
      // Two chat calls of the stand-in (11 prompt + 7 completion tokens each) plus the embeddings, at 0.5 / 1.5 USD per 1k.
      const {
        rows: [usage],
      } = await world.infra.pg.query<{ p: number; c: number }>(
        'SELECT sum(prompt_tokens)::int AS p, sum(completion_tokens)::int AS c FROM llm_calls WHERE workflow_id = $1',
        [`research/${tenantId}/${runId}`],
      );
      const view = (await http(world.baseUrl, 'GET', `/v1/research-runs/${runId}`)).json;
      assert.equal(view.status, 'completed');
      assert.equal(view.cost.costUsd, Math.round(((usage!.p / 1000) * 0.5 + (usage!.c / 1000) * 1.5) * 1e8) / 1e8);
      assert.ok(usage!.c >= 14);
      assert.equal(result.costUsd, view.cost.costUsd);
    });

    it('then progress streamed over SSE with stage and ETA, ending in done', () => {
      assert.match(events, /event: progress\ndata: .*"stage":"(crawl|match|analyse|graph|report|watch)".*"etaSeconds":\d+/);
      assert.match(events, /event: done\ndata: .*"status":"completed"/);
    });

    it('then the report page carries the chart data, is served under a strict CSP, and Chart.js comes from this origin', async () => {
      const token = await tokenFor(world.config, { sub: 'r', tenant: tenantId, roles: ['editor'] });
      const page = await fetch(`${world.baseUrl}/v1/research-runs/${runId}/report.html?access_token=${token}`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      const html = await page.text();
      assert.match(html, /AI-generated/);
      const data = JSON.parse(/<script type="application\/json" id="chart-data">(.*?)<\/script>/s.exec(html)![1]!);
      const eur = data.find((chart: { currency: string }) => chart.currency === 'EUR');
      assert.ok(eur.datasets.some((set: { label: string }) => set.label === 'Shoes'));
      const chartJs = await fetch(`${world.baseUrl}/console/vendor/chart.umd.min.js`);
      assert.equal(chartJs.status, 200);
      assert.match(await chartJs.text(), /Chart/);
      assert.equal((await fetch(`${world.baseUrl}/console/research/report-chart.js`)).status, 200);
    });

    it('then a real browser draws the chart under that CSP (headless Chromium)', async () => {
      const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
      assert.ok(existsSync(executablePath), `Chromium is needed at ${executablePath} (apt-get install chromium)`);
      const browser = await chromium.launch({ executablePath, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        // Failed loads are checked by URL below (the browser's own /favicon.ico 404 is not ours).
        page.on(
          'console',
          (message) => message.type() === 'error' && !message.text().startsWith('Failed to load resource') && problems.push(message.text()),
        );
        page.on(
          'response',
          (response) =>
            response.status() >= 400 && !response.url().endsWith('/favicon.ico') && problems.push(`${response.status()} ${response.url()}`),
        );
        page.on('pageerror', (error) => problems.push(error.message));
        const token = await tokenFor(world.config, { sub: 'r', tenant: tenantId, roles: ['editor'] });
        await page.goto(`${world.baseUrl}/v1/research-runs/${runId}/report.html?access_token=${token}`);
        await page.waitForSelector('body[data-charts-drawn]', { timeout: 15_000 }).catch((error: Error) => {
          throw new Error(`${error.message}; page problems: ${problems.join(' | ')}`);
        });
        const drawn = Number(await page.getAttribute('body', 'data-charts-drawn'));
        assert.ok(drawn >= 1, `${drawn} charts`);
        assert.equal(await page.locator('#charts canvas').count(), drawn);
        assert.deepEqual(problems, [], 'no script errors or CSP violations');
      } finally {
        await browser.close();
      }
    });

    it('then another tenant sees neither the run, nor its report, nor its page', async () => {
      const other = bearer(await tokenFor(world.config, { sub: 'x', tenant: `other-${tenantId}`, roles: ['editor', 'admin'] }));
      for (const p of [
        `/v1/research-runs/${runId}`,
        `/v1/research-runs/${runId}/report`,
        `/v1/research-runs/${runId}/report.html`,
        `/v1/research-runs/${runId}/events`,
      ]) {
        assert.equal((await http(world.baseUrl, 'GET', p, undefined, other)).status, 404, p);
      }
      const list = await http(world.baseUrl, 'GET', '/v1/research-runs', undefined, other);
      assert.equal(list.json.items.length, 0);
      const mine = await http(world.baseUrl, 'GET', '/v1/research-runs');
      assert.ok(mine.json.items.some((item: { runId: string }) => item.runId === runId));
    });

    describe('a second snapshot with a price watch', () => {
      const second = `watch-${randomUUID().slice(0, 8)}`;
      let watched: ResearchResult;
      before(async () => {
        // The previous snapshot had other prices: the trail runner was 20 % dearer, the sneaker 1 % cheaper.
        await world.infra.pg.query(
          `UPDATE research_products SET price = round(price * 1.2, 2) WHERE run_id = $1 AND url LIKE '%/trail-runner-gtx.html'`,
          [runId],
        );
        await world.infra.pg.query(
          `UPDATE research_products SET price = round(price * 0.99, 2) WHERE run_id = $1 AND url LIKE '%/city-sneaker-white.html'`,
          [runId],
        );
        watched = await runResearch(second, {
          startUrls: [url('/')],
          sitemap: true,
          scope: { maxDepth: 1, maxPages: 40, exclude: ['^/blog/'] },
          priceWatch: { thresholdPct: 5 },
          report: false,
        });
      });

      it('then only the move beyond the threshold is alerted, once, signed', async () => {
        assert.equal(watched.priceMoves, 1);
        assert.equal(received.length, 1);
        assert.deepEqual(verifySignature(WATCH_SECRET, received[0]!.signature, received[0]!.body), { ok: true });
        const alert = JSON.parse(received[0]!.body);
        assert.equal(alert.kind, 'price-moved');
        assert.ok(alert.url.endsWith('/trail-runner-gtx.html'));
        assert.equal(alert.changePct, -16.67);
        const { rows } = await world.infra.pg.query('SELECT * FROM research_price_alerts WHERE run_id = $1', [second]);
        assert.equal(rows.length, 1);
      });

      it('then the changes against the previous snapshot are in the analysis', async () => {
        const got = (await http(world.baseUrl, 'GET', `/v1/research-runs/${second}/report`)).json;
        assert.equal(got.previousRunId, runId);
        assert.equal(got.analysis.changes.priceChanged, 2);
        assert.equal(got.analysis.changes.newProducts, 0);
        assert.equal(got.report, undefined);
      });
    });
  });

  describe('a small run whose report keeps inventing numbers', () => {
    const runId = `small-${randomUUID().slice(0, 8)}`;
    let result: ResearchResult;
    let requestsBefore: number;

    before(async () => {
      llm.script([report('There are 424242 products.', [], []), report('There are still 434343 products.', [], [])]);
      requestsBefore = shop.requests.length;
      result = await runResearch(runId, { startUrls: [url('/')], scope: { maxDepth: 1, maxPages: 5 } });
    });

    it('then the page budget holds: five pages fetched, no more requested', () => {
      assert.equal(result.pages.fetched + result.pages.failed, 5);
      const pages = shop.requests.slice(requestsBefore).filter((r) => r.path !== '/robots.txt');
      assert.equal(pages.length, 5);
    });

    it('then the report is refused (typed) and the run still completes with its analysis', async () => {
      assert.equal(result.report, 'refused');
      const got = (await http(world.baseUrl, 'GET', `/v1/research-runs/${runId}/report`)).json;
      assert.equal(got.report.refused, true);
      assert.match(got.report.reason, /434343/);
      assert.ok(got.analysis.counts.pagesFetched >= 1);
      const history = await world.infra.temporal.workflow.getHandle(`research/${tenantId}/${runId}`).fetchHistory();
      const failed = history.events!.find((event) => event.activityTaskFailedEventAttributes);
      assert.equal(failed?.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo?.type, 'ReportNumbersUnsupported');
      assert.equal(failed?.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo?.nonRetryable, true);
    });
  });

  it('a run cancelled while its report is being written says so on its row, instead of staying running', async () => {
    const runId = `cancel-${randomUUID().slice(0, 8)}`;
    let release!: () => void;
    const slowModel = new Promise<void>((resolve) => (release = resolve));
    llm.script([{ ...report('Never delivered.', [], []), holdUntil: slowModel }]);
    try {
      const started = await http(world.baseUrl, 'POST', '/v1/research-runs', {
        runId,
        request: { startUrls: [url('/')], scope: { maxDepth: 1, maxPages: 3 } },
      });
      assert.equal(started.status, 202, started.text);
      const handle = world.infra.temporal.workflow.getHandle(started.json.workflowId);
      await eventually(
        async () => ((await handle.query(researchProgressQuery)).stage === 'report' ? true : undefined),
        60_000,
        'the report stage',
      );
      await handle.cancel();
      await assert.rejects(handle.result(), (error: Error) => error.name === 'WorkflowFailedError');
      const { rows } = await world.infra.pg.query('SELECT status, finished_at FROM research_runs WHERE tenant_id = $1 AND run_id = $2', [
        tenantId,
        runId,
      ]);
      assert.equal(rows[0]?.status, 'cancelled');
      assert.ok(rows[0]?.finished_at, 'its end is recorded');
    } finally {
      release();
    }
  });

  it('bad input is a 400, not a stuck workflow', async () => {
    const bad = await http(world.baseUrl, 'POST', '/v1/research-runs', { request: { startUrls: ['ftp://x'], scope: { exclude: ['('] } } });
    assert.equal(bad.status, 400, bad.text);
    const none = await http(world.baseUrl, 'POST', '/v1/research-runs', { request: {} });
    assert.equal(none.status, 400);
    const { rows } = await world.infra.pg.query('SELECT 1 FROM research_runs WHERE tenant_id = $1 AND status = $2', [tenantId, 'running']);
    assert.equal(rows.length, 0, 'no run was left behind');
  });
});
