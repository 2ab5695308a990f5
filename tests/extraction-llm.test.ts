// The LLM extraction fallback: for a page without structured data, the model (here the loopback
// OpenAI stand-in, speaking the real wire format) points at fields; only values that occur on the
// page are kept, with provenance 'llm' and a lower confidence. A stand-in answer with invented
// values must leave no trace in the stored product. Real Temporal, PostgreSQL, HTTP over loopback.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ListReport } from '../src/activities/product-lists';
import {
  BASE_CONFIDENCE,
  extractProductDetailed,
  fillFromLlm,
  pageEvidence,
  verifyLlmAnswer,
  type LlmProductAnswer,
} from '../src/extraction';
import { listWorkflowId } from '../src/products/lists';
import { startOpenAiStandIn, type OpenAiStandIn } from './support/openai-standin';
import { actAsByDefault, http, startWorld, type World } from './support/world';

// A craft-marketplace listing without structured data: the maker's name and the item number are
// only in running text, where the visible-HTML heuristics do not look.
const PAGE = `<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>Stoneware Vase, Ash Glaze | Makers Yard</title></head>
<body><main><div class="listing">
<div class="listing-gallery"><img src="/img/vase-ash-1200.jpg" width="1200" height="1200" alt="Stoneware Vase, Ash Glaze"></div>
<h1 class="listing-title">Stoneware Vase, Ash Glaze</h1>
<div class="listing-price">£64.00</div>
<p class="maker-line">Thrown and glazed by Fernhill Pottery in Devon. Listing no. FH-2231.</p>
<p>A tall vase with a runny ash glaze; every piece differs slightly.</p>
<button class="add-to-basket">Add to basket</button></div></main></body></html>`;

const answer = (overrides: Partial<LlmProductAnswer>): LlmProductAnswer => ({
  isProduct: true,
  name: 'Stoneware Vase, Ash Glaze',
  brand: null,
  sku: null,
  gtin: null,
  price: '£64.00',
  listPrice: null,
  availability: null,
  description: null,
  ...overrides,
});

describe('LLM extraction fallback: verification', () => {
  const detailed = extractProductDetailed(PAGE, 'https://makersyard.example/listing/fh-2231');
  const evidence = pageEvidence(detailed.page);

  it('when the answer holds values that occur on the page, then they fill the empty fields with provenance llm and lower confidence', () => {
    const { values, rejected } = verifyLlmAnswer(answer({ brand: 'Fernhill Pottery', sku: 'FH-2231' }), evidence, detailed.hint);
    assert.deepEqual(rejected, []);
    const { product, filled } = fillFromLlm(detailed.product, values);
    assert.deepEqual(filled.sort(), ['brand', 'sku']);
    assert.deepEqual(product.brand, { value: 'Fernhill Pottery', source: 'llm', confidence: BASE_CONFIDENCE.llm });
    assert.ok(BASE_CONFIDENCE.llm < BASE_CONFIDENCE.microdata);
    // What extraction found is never replaced.
    assert.deepEqual(product.price, detailed.product.price);
    assert.equal(product.name.source, 'html');
  });

  it('when the answer invents a brand, a GTIN, a price or a stock state, then each is rejected', () => {
    const { values, rejected } = verifyLlmAnswer(
      answer({
        brand: 'Royal Doulton',
        gtin: '4006381333931',
        price: '£54.00',
        availability: 'in_stock',
        description: 'Hand-painted porcelain.',
      }),
      evidence,
      detailed.hint,
    );
    assert.deepEqual(rejected.map((rejection) => rejection.field).sort(), ['availability', 'brand', 'description', 'gtin', 'price']);
    assert.deepEqual(values, { name: 'Stoneware Vase, Ash Glaze' });
  });

  it('when the model says the page is not a product, then nothing is taken from it', () => {
    assert.deepEqual(verifyLlmAnswer(answer({ isProduct: false, brand: 'Fernhill Pottery' }), evidence).values, {});
  });
});

describe('LLM extraction fallback in the product pipeline', () => {
  let world: World;
  let standIn: OpenAiStandIn;
  let shop: Server;
  let shopUrl: string;
  const tenantId = `llmx-${randomUUID().slice(0, 8)}`;
  actAsByDefault({ sub: 'test-editor', tenant: tenantId, roles: ['editor'] });

  before(async () => {
    shop = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
    standIn = await startOpenAiStandIn();
    world = await startWorld({
      OPENAI_BASE_URL: standIn.baseUrl,
      FETCH_ALLOW_HOSTS: new URL(shopUrl).host,
      BLOB_DIR: mkdtempSync(path.join(tmpdir(), 'magicai-blobs-')),
    });
  });
  after(async () => {
    await world?.stop();
    await standIn?.close();
    await new Promise((resolve) => shop?.close(resolve));
  });

  async function runList(url: string): Promise<{ listId: string; report: ListReport }> {
    const listId = `llmx-${randomUUID().slice(0, 12)}`;
    const started = await http(world.baseUrl, 'POST', '/v1/product-lists', {
      listId,
      tenantId,
      items: [{ url }],
      options: { llm: true, concurrency: 1, stages: ['fetch', 'extract', 'store'] },
    });
    assert.equal(started.status, 202, started.text);
    const report = (await world.infra.temporal.workflow.getHandle(listWorkflowId(tenantId, listId)).result()) as ListReport;
    return { listId, report };
  }

  it('when the stand-in points at a real maker name and invents an EAN and a sale price, then only the maker name is stored, as llm', async () => {
    standIn.script([], {
      content: JSON.stringify(
        answer({ brand: 'Fernhill Pottery', gtin: '5012345678900', listPrice: '£80.00', availability: 'in_stock', sku: 'FH-2231' }),
      ),
    });
    const url = `${shopUrl}/listing/fh-2231`;
    const { report } = await runList(url);
    assert.equal(report.succeeded, 1, JSON.stringify(report));

    const extractCalls = standIn.requests.filter((request) => request.body?.response_format?.json_schema?.name === 'extract');
    assert.equal(extractCalls.length, 1, 'one extraction call');
    assert.ok(String(extractCalls[0]!.body.messages.at(-1).content).includes('Fernhill Pottery'), 'the page text was sent');

    const { rows } = await world.infra.pg.query('SELECT * FROM products WHERE tenant_id = $1 AND url = $2', [tenantId, url]);
    assert.equal(rows.length, 1);
    const row = rows[0];
    assert.equal(row.name, 'Stoneware Vase, Ash Glaze');
    assert.equal(Number(row.price), 64);
    assert.equal(row.currency, 'GBP');
    assert.equal(row.brand, 'Fernhill Pottery');
    assert.equal(row.sku, 'FH-2231');
    assert.deepEqual(row.fields.brand, { source: 'llm', confidence: BASE_CONFIDENCE.llm });
    assert.equal(row.fields.price.source, 'html');
    // Invented: not on the page, so not stored.
    assert.equal(row.gtin, null);
    assert.equal(row.list_price, null);
    assert.equal(row.availability, null);

    const calls = await world.infra.pg.query("SELECT status FROM llm_calls WHERE tenant_id = $1 AND task = 'extract'", [tenantId]);
    assert.deepEqual(
      calls.rows.map((call: { status: string }) => call.status),
      ['ok'],
    );
  });

  it('when LLM enrichment is off, then the model is not asked', async () => {
    standIn.script([], { content: JSON.stringify(answer({ brand: 'Fernhill Pottery' })) });
    const listId = `llmx-${randomUUID().slice(0, 12)}`;
    const url = `${shopUrl}/listing/fh-2231?off`;
    const started = await http(world.baseUrl, 'POST', '/v1/product-lists', {
      listId,
      tenantId,
      items: [{ url }],
      options: { llm: false, concurrency: 1, stages: ['fetch', 'extract', 'store'] },
    });
    assert.equal(started.status, 202, started.text);
    await world.infra.temporal.workflow.getHandle(listWorkflowId(tenantId, listId)).result();
    assert.equal(standIn.requests.filter((request) => request.path.includes('chat')).length, 0);
    const { rows } = await world.infra.pg.query('SELECT brand FROM products WHERE tenant_id = $1 AND url = $2', [tenantId, url]);
    assert.equal(rows[0]?.brand, null);
  });
});
