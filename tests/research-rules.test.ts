// The site research's pure rules: crawl scope, the report's number check, the price-watch rule,
// ETA and cost from observed rates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_STAGE_RATES, costUsd, estimatedTotalCostUsd, etaMs, ratesFromHistory } from '../src/research/eta';
import { priceMoves } from '../src/research/price-watch';
import { checkReport, figuresOf, numbersIn } from '../src/research/report-check';
import { canonicalUrl, judgeUrl, robotsSitemaps, sitemapLocations, type CrawlScope } from '../src/research/scope';

const scope: CrawlScope = { sameSite: true, maxPages: 10, maxDepth: 2, include: [], exclude: ['^/private/'] };
const site = 'http://shop.test:8099';

describe('crawl scope', () => {
  it('canonicalises URLs: no fragment, no tracking parameters, sorted query, http(s) only', () => {
    assert.equal(canonicalUrl('/a.html?utm_source=x&b=2&a=1#top', `${site}/`), `${site}/a.html?a=1&b=2`);
    assert.equal(canonicalUrl('mailto:x@y.z'), undefined);
    assert.equal(canonicalUrl('javascript:alert(1)'), undefined);
    assert.equal(canonicalUrl('http://[bad'), undefined);
  });

  it('keeps a crawl on its site, within depth and patterns', () => {
    assert.deepEqual(judgeUrl(`${site}/products/a.html`, 1, scope, site), { ok: true });
    assert.deepEqual(judgeUrl('http://other.test/products/a.html', 1, scope, site), { ok: false, reason: 'other-site' });
    assert.deepEqual(judgeUrl(`${site}/products/a.html`, 3, scope, site), { ok: false, reason: 'too-deep' });
    assert.deepEqual(judgeUrl(`${site}/private/x.html`, 1, scope, site), { ok: false, reason: 'excluded' });
    assert.deepEqual(judgeUrl(`${site}/img/a.jpg`, 1, scope, site), { ok: false, reason: 'not-a-page' });
    const only = { ...scope, include: ['^/products/'] };
    assert.deepEqual(judgeUrl(`${site}/blog/a.html`, 1, only, site), { ok: false, reason: 'not-included' });
    assert.deepEqual(judgeUrl('http://other.test/x', 1, { ...scope, sameSite: false }, site), { ok: true });
  });

  it('reads sitemaps, sitemap indexes and robots.txt Sitemap lines', () => {
    assert.deepEqual(sitemapLocations('<urlset><url><loc> http://a/1?x=1&amp;y=2 </loc></url><url><loc>http://a/2</loc></url></urlset>'), {
      urls: ['http://a/1?x=1&y=2', 'http://a/2'],
      sitemaps: [],
    });
    assert.deepEqual(sitemapLocations('<sitemapindex><sitemap><loc>http://a/s1.xml</loc></sitemap></sitemapindex>'), {
      urls: [],
      sitemaps: ['http://a/s1.xml'],
    });
    assert.deepEqual(robotsSitemaps('User-agent: *\nDisallow: /p/\nSitemap: http://a/sitemap.xml\nsitemap:http://a/s2.xml'), [
      'http://a/sitemap.xml',
      'http://a/s2.xml',
    ]);
  });
});

describe('the report check', () => {
  const facts = [
    'competitor products: 24; with a price: 21; brands: 9; categories: 4',
    'category "Shoes" (EUR): 4 products, min 49.5, max 1299, average 330.23, median 129.95',
    'price change: abc "Kettle" from 59 to 64.9 EUR (10%), http://shop.test/products/kettle-28.html',
    'product abc: "Chef knife Gyuto 210", http://shop.test/products/gyuto-210.html',
  ].join('\n');
  const citable = { ids: new Set(['abc']), urls: new Set(['http://shop.test/products/gyuto-210.html']) };
  const report = (text: string, productIds: string[] = ['abc'], urls: string[] = []) => ({
    title: 'Shop research',
    summary: 'A summary.',
    findings: [{ text, productIds, urls }],
  });

  it('finds the numbers a text states, not those inside words, ids or URLs', () => {
    assert.deepEqual(numbersIn('24 products, 1,299.00 EUR, -12.5% and x100, 2p, a3f9, see http://a/b/12.html.'), [
      '24',
      '1,299.00',
      '-12.5',
    ]);
    assert.ok(figuresOf(facts).has('1299.00'));
    assert.ok(figuresOf(facts).has('28.00'), 'numbers inside fact URLs may be repeated');
  });

  it('accepts a report whose every number is in the analysis (any spelling of the value)', () => {
    assert.deepEqual(
      checkReport(
        report('The shop lists 24 products in 4 categories; shoes cost 49.5 to 1,299.00 EUR, median 129.95; the kettle rose 10%.'),
        facts,
        citable,
      ),
      { ok: true },
    );
  });

  it('refuses an invented number, a rounded one, and citations outside the snapshot', () => {
    const invented = checkReport(report('The shop lists 25 products; shoes average 330.2.'), facts, citable);
    assert.equal(invented.ok, false);
    assert.deepEqual(!invented.ok && invented.unsupportedNumbers, ['25', '330.2']);
    const cited = checkReport(report('The shop lists 24 products.', ['zzz'], ['http://evil.test/']), facts, citable);
    assert.equal(cited.ok, false);
    assert.deepEqual(!cited.ok && [cited.unknownProductIds, cited.unknownUrls], [['zzz'], ['http://evil.test/']]);
  });

  it('refuses a URL written into the text that is not in the snapshot, and accepts one that is', () => {
    const [known] = [...citable.urls];
    const invented = checkReport(report('See https://www.britannicle.com/batter-drive-turntable-tt-3/index.html.'), facts, citable);
    assert.equal(invented.ok, false);
    assert.deepEqual(!invented.ok && invented.unknownUrls, ['https://www.britannicle.com/batter-drive-turntable-tt-3/index.html']);
    assert.deepEqual(checkReport(report(`The sneaker (${known}) is sold by both shops.`), facts, citable), { ok: true });
  });
});

describe('the price watch', () => {
  const now = (id: string, price: number, currency = 'EUR') => ({
    researchProductId: id,
    url: `http://s/${id}`,
    name: id,
    price,
    currency,
  });
  const before = new Map([
    ['a', { price: 100, currency: 'EUR' }],
    ['b', { price: 100, currency: 'EUR' }],
    ['c', { price: 100, currency: 'EUR' }],
    ['d', { price: 100, currency: 'USD' }],
  ]);

  it('reports moves at or beyond the threshold, both ways, biggest first; ignores currency changes and new products', () => {
    const moves = priceMoves([now('a', 89), now('b', 104.99), now('c', 110), now('d', 50), now('e', 10)], before, 10);
    assert.deepEqual(
      moves.map((m) => [m.researchProductId, m.previousPrice, m.changePct]),
      [
        ['a', 100, -11],
        ['c', 100, 10],
      ],
    );
  });
});

describe('ETA and cost', () => {
  it("uses the observed crawl rate, then earlier runs' stage durations", () => {
    const rates = { ...DEFAULT_STAGE_RATES, matchMsPerProduct: 100, analyseMs: 1_000, graphMsPerProduct: 10, reportMs: 5_000 };
    // 10 pages in 20 s → 2 s/page; 10 pages left = 20 s; 5 products per 10 pages → 10 expected.
    const eta = etaMs({
      stage: 'crawl',
      pagesDone: 10,
      pagesRemaining: 10,
      crawlElapsedMs: 20_000,
      products: 5,
      stageElapsedMs: 20_000,
      rates,
    });
    assert.equal(eta, 20_000 + 10 * 100 + 1_000 + 10 * 10 + 5_000);
    assert.equal(
      etaMs({ stage: 'report', pagesDone: 20, pagesRemaining: 0, crawlElapsedMs: 40_000, products: 10, stageElapsedMs: 2_000, rates }),
      3_000,
    );
    assert.equal(etaMs({ stage: 'done', pagesDone: 1, pagesRemaining: 0, crawlElapsedMs: 1, products: 0, stageElapsedMs: 0, rates }), 0);
  });

  it('derives rates from earlier runs (medians), defaults where unknown', () => {
    const rates = ratesFromHistory([
      { timings: { crawl: 10_000, report: 4_000 }, pages: 10, products: 5, embedTokens: 500 },
      { timings: { crawl: 30_000, report: 8_000 }, pages: 10, products: 5, embedTokens: 1_000 },
    ]);
    assert.equal(rates.msPerPage, 2_000);
    assert.equal(rates.reportMs, 6_000);
    assert.equal(rates.tokensPerProduct, 150);
    assert.equal(rates.analyseMs, DEFAULT_STAGE_RATES.analyseMs);
  });

  it('prices tokens by the configured table, and estimates the rest of the run', () => {
    const prices = { inputPer1k: 0.5, outputPer1k: 1.5 };
    assert.equal(costUsd({ promptTokens: 2_000, completionTokens: 1_000 }, prices), 2.5);
    const rates = { ...DEFAULT_STAGE_RATES, tokensPerProduct: 100, reportTokens: 1_000 };
    // 10 products × 100 prompt tokens + report 700 prompt / 300 completion, on top of the spent 0.
    assert.equal(
      estimatedTotalCostUsd({ promptTokens: 0, completionTokens: 0 }, { products: 10, reportPending: true }, rates, prices),
      1.3,
    ); // 0.5 × 1.7 + 1.5 × 0.3
  });
});
