// The sample shop: every curated page answers as its manifest says, behaviours (404, flaky 500s,
// redirects, SSRF bait, hanging page, robots.txt) are real, images are real files of the
// declared sizes, the generated catalogue is addressable, and close() ends hanging requests.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { load } from 'cheerio';
import JSON5 from 'json5';
import robotsParser from 'robots-parser';
import sharp from 'sharp';
import {
  GENERATED_PAGE_COUNT,
  generatedCatalogPage,
  sampleShopCatalog,
  sampleShopImages,
  startSampleShop,
  type CatalogPage,
  type SampleShop,
} from '../fixtures/sample-shop';
import { visibleText } from '../src/text/visible-text';

const pageByShape = (shape: CatalogPage['shape']) => sampleShopCatalog.find((page) => page.shape === shape)!;
const pageByBehaviour = (behaviour: CatalogPage['behaviour']) => sampleShopCatalog.find((page) => page.behaviour === behaviour)!;

/** Escapes raw control characters inside JSON strings, as a tolerant JSON-LD reader must. */
function escapeControlCharacters(text: string): string {
  let inString = false;
  let out = '';
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (inString && char === '\\') {
      out += char + (text[index + 1] ?? '');
      index += 1;
      continue;
    }
    if (char === '"') inString = !inString;
    out += inString && char < ' ' ? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}` : char;
  }
  return out;
}

describe('sample shop', () => {
  let shop: SampleShop;
  before(async () => {
    shop = await startSampleShop({ port: 0 });
  });
  after(async () => {
    await shop.close();
  });

  it('when the manifest is read, then it holds dozens of pages covering every required shape and behaviour', () => {
    assert.ok(sampleShopCatalog.length >= 30, `only ${sampleShopCatalog.length} pages`);
    const shapes = new Set(sampleShopCatalog.map((page) => page.shape));
    for (const shape of [
      'jsonld-offers-array',
      'jsonld-offer',
      'jsonld-aggregate-offer',
      'jsonld-graph',
      'jsonld-array',
      'jsonld-type-array',
      'microdata',
      'opengraph',
      'jsonld-malformed',
      'jsonld-missing-fields',
      'html-only',
    ] as const) {
      assert.ok(shapes.has(shape), `no ${shape} page`);
    }
    const behaviours = new Set(sampleShopCatalog.map((page) => page.behaviour ?? 'ok'));
    for (const behaviour of ['ok', '404', '500-then-ok', 'redirect', 'hang', 'robots-disallowed', 'redirect-to-private'] as const) {
      assert.ok(behaviours.has(behaviour), `no ${behaviour} page`);
    }
    assert.equal(new Set(sampleShopCatalog.map((page) => page.path)).size, sampleShopCatalog.length, 'paths are unique');
    const currencies = new Set(sampleShopCatalog.map((page) => page.expected?.currency));
    for (const currency of ['EUR', 'USD', 'GBP', 'JPY']) assert.ok(currencies.has(currency), `no ${currency} price`);
    for (const page of sampleShopCatalog.filter((candidate) => candidate.expected?.currency === 'JPY')) {
      assert.ok(Number.isInteger(page.expected?.price), `${page.path}: JPY price without decimals`);
    }
    assert.equal(pageByShape('jsonld-offers-array').expected?.price, 129.95, 'lowest of the offers');
    assert.equal(pageByShape('jsonld-localized-price').expected?.price, 1299);
    assert.ok(
      sampleShopCatalog.some((page) => page.expected && page.expected.price === undefined),
      'a page without a price',
    );
    assert.ok(
      sampleShopCatalog.some((page) => page.expected && page.expected.imageCount === 0),
      'a page without images',
    );
    assert.ok(
      sampleShopCatalog.some((page) => page.shape === 'article' && page.expected === null),
      'an article without a product',
    );
  });

  it('when every page with behaviour ok is requested, then it answers 200 text/html and its h1 is the expected product name', async () => {
    const okPages = sampleShopCatalog.filter((page) => (page.behaviour ?? 'ok') === 'ok');
    for (const page of okPages) {
      const response = await fetch(`${shop.baseUrl}${page.path}`, { redirect: 'manual' });
      assert.equal(response.status, 200, page.path);
      assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8', page.path);
      const $ = load(await response.text());
      assert.ok(
        $('head title').text().length > 0 && $('header nav').length === 1 && $('footer').length === 1,
        `${page.path}: full page frame`,
      );
      if (page.expected) assert.equal($('h1').first().text().trim(), page.expected.name, page.path);
    }
  });

  it('when product pages are read, then their gallery images match imageCount and only the declared missing images answer 404', async () => {
    for (const page of sampleShopCatalog.filter((candidate) => candidate.expected && (candidate.behaviour ?? 'ok') !== '500-then-ok')) {
      const finalPath = page.redirectsTo ?? page.path;
      const pageUrl = `${shop.baseUrl}${finalPath}`;
      const $ = load(await (await fetch(pageUrl)).text());
      const urls = new Set(
        $('.gallery img')
          .map((_, element) => new URL($(element).attr('src')!, pageUrl).href)
          .get(),
      );
      assert.equal(urls.size, page.expected!.imageCount, finalPath);
      for (const url of urls) {
        const response = await fetch(url);
        await response.arrayBuffer();
        const missing = (page.missingImages ?? []).includes(new URL(url).pathname);
        assert.equal(response.status, missing ? 404 : 200, url);
      }
    }
  });

  it('when the taken-down product is requested, then it answers 404 with an HTML page', async () => {
    const response = await fetch(`${shop.baseUrl}${pageByBehaviour('404').path}`);
    assert.equal(response.status, 404);
    assert.match(await response.text(), /Page not found/);
    assert.equal((await fetch(`${shop.baseUrl}/no/such/page.html`)).status, 404);
  });

  it('when the flaky page is requested three times, then it answers 500, 500, then 200 (counted per server)', async () => {
    const flaky = pageByBehaviour('500-then-ok');
    const fresh = await startSampleShop({ port: 0 });
    try {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const response = await fetch(`${fresh.baseUrl}${flaky.path}`);
        await response.text();
        statuses.push(response.status);
      }
      assert.deepEqual(statuses, [500, 500, 200]);
      assert.equal((await fetch(`${shop.baseUrl}${flaky.path}`)).status, 500, 'another server counts on its own');
    } finally {
      await fresh.close();
    }
  });

  it('when the redirect chain is followed hop by hop, then it goes 301, 302 and ends at the product page', async () => {
    const start = pageByBehaviour('redirect');
    let url = `${shop.baseUrl}${start.path}`;
    const statuses: number[] = [];
    for (;;) {
      const response = await fetch(url, { redirect: 'manual' });
      statuses.push(response.status);
      if (response.status !== 301 && response.status !== 302) {
        assert.equal(response.status, 200);
        assert.equal(
          load(await response.text())('h1')
            .first()
            .text()
            .trim(),
          start.expected?.name,
        );
        break;
      }
      await response.arrayBuffer();
      url = new URL(response.headers.get('location')!, url).href;
    }
    assert.deepEqual(statuses, [301, 302, 200]);
    assert.equal(new URL(url).pathname, start.redirectsTo);
  });

  it('when the SSRF bait pages are requested, then they redirect to the metadata and private addresses', async () => {
    const bait = sampleShopCatalog.filter((page) => page.behaviour === 'redirect-to-private');
    assert.deepEqual(bait.map((page) => page.redirectsTo).sort(), ['http://10.0.0.1/', 'http://169.254.169.254/latest/meta-data/']);
    for (const page of bait) {
      const response = await fetch(`${shop.baseUrl}${page.path}`, { redirect: 'manual' });
      assert.ok(response.status === 301 || response.status === 302, page.path);
      assert.equal(response.headers.get('location'), page.redirectsTo);
    }
  });

  it('when robots.txt is read, then /private/ is disallowed for every agent and the rest is allowed', async () => {
    const response = await fetch(`${shop.baseUrl}/robots.txt`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await response.text();
    assert.match(text, /User-agent: \*\nDisallow: \/private\//);
    const robots = robotsParser(`${shop.baseUrl}/robots.txt`, text);
    const privatePage = pageByBehaviour('robots-disallowed');
    assert.ok(privatePage.path.startsWith('/private/'));
    for (const agent of ['MagicAIBot/1.0', 'Googlebot']) {
      assert.equal(robots.isAllowed(`${shop.baseUrl}${privatePage.path}`, agent), false);
      assert.equal(robots.isAllowed(`${shop.baseUrl}${pageByShape('jsonld-graph').path}`, agent), true);
    }
    assert.deepEqual(robots.getSitemaps(), [`${shop.baseUrl}/sitemap.xml`]);
    assert.equal((await fetch(`${shop.baseUrl}${privatePage.path}`)).status, 200, 'served to whoever ignores robots.txt');
  });

  it('when images are fetched, then they are real JPEG and PNG files of the declared sizes', async () => {
    const sizes = new Set(sampleShopImages.map((image) => `${image.width}x${image.height}/${image.format}`));
    for (const size of ['300x300/jpeg', '300x300/png', '1200x800/jpeg', '1200x800/png', '2400x2400/jpeg', '2400x2400/png'])
      assert.ok(sizes.has(size), size);
    for (const image of sampleShopImages) {
      const response = await fetch(`${shop.baseUrl}${image.path}`);
      assert.equal(response.status, 200, image.path);
      assert.equal(response.headers.get('content-type'), `image/${image.format}`, image.path);
      const metadata = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      assert.deepEqual(
        { format: metadata.format, width: metadata.width, height: metadata.height },
        { format: image.format, width: image.width, height: image.height },
        image.path,
      );
    }
  });

  it('when catalog.json is asked for, then count and offset select generated pages and no count lists the curated pages', async () => {
    const generated = (await (await fetch(`${shop.baseUrl}/catalog.json?count=250&offset=10`)).json()) as { urls: string[] };
    assert.equal(generated.urls.length, 250);
    assert.equal(generated.urls[0], `${shop.baseUrl}/gen/10.html`);
    assert.equal(generated.urls[249], `${shop.baseUrl}/gen/259.html`);
    const tail = (await (await fetch(`${shop.baseUrl}/catalog.json?count=10&offset=${GENERATED_PAGE_COUNT - 3}`)).json()) as {
      urls: string[];
    };
    assert.equal(tail.urls.length, 3, 'clipped at the last generated page');
    const curated = (await (await fetch(`${shop.baseUrl}/catalog.json`)).json()) as { urls: string[] };
    assert.deepEqual(
      curated.urls,
      sampleShopCatalog.map((page) => `${shop.baseUrl}${page.path}`),
    );
    const okOnly = (await (await fetch(`${shop.baseUrl}/catalog.json?behaviour=ok`)).json()) as { urls: string[] };
    assert.equal(okOnly.urls.length, sampleShopCatalog.filter((page) => (page.behaviour ?? 'ok') === 'ok').length);
    assert.equal((await fetch(`${shop.baseUrl}/catalog.json?count=lots`)).status, 400);
  });

  it('when a generated page is requested, then it is a deterministic JSON-LD product page matching its manifest entry', async () => {
    const n = 4321;
    const expected = generatedCatalogPage(n).expected!;
    const first = await (await fetch(`${shop.baseUrl}/gen/${n}.html`)).text();
    assert.equal(await (await fetch(`${shop.baseUrl}/gen/${n}.html`)).text(), first, 'same page every time');
    const $ = load(first);
    const product = $('script[type="application/ld+json"]')
      .map((_, element) => JSON.parse($(element).text()) as Record<string, any>)
      .get()
      .find((node) => node['@type'] === 'Product')!;
    assert.equal(product.name, `Generated Product ${n}`);
    assert.equal(Number(product.offers.price), expected.price);
    assert.equal(product.offers.priceCurrency, expected.currency);
    assert.equal(product.image, '/img/gen-1.jpg');
    assert.equal(expected.imageCount, 1);
    assert.equal((await fetch(`${shop.baseUrl}/gen/${GENERATED_PAGE_COUNT}.html`)).status, 404);
    assert.equal((await fetch(`${shop.baseUrl}/gen/007.html`)).status, 404);
  });

  it('when the malformed JSON-LD is read by a tolerant parser, then the expected values are recovered', async () => {
    const page = pageByShape('jsonld-malformed');
    const $ = load(await (await fetch(`${shop.baseUrl}${page.path}`)).text());
    const raw = $('script[type="application/ld+json"]').text();
    assert.throws(() => JSON.parse(raw) as unknown, 'strict JSON fails');
    const data = JSON5.parse<Record<string, any>>(escapeControlCharacters(raw));
    const decode = (text: string) => load(`<p>${text}</p>`)('p').text();
    assert.equal(decode(data.name), page.expected?.name);
    assert.equal(decode(data.brand.name), page.expected?.brand);
    assert.equal(Number(data.offers.price), page.expected?.price);
    assert.equal(Number(data.aggregateRating.ratingValue), page.expected?.ratingValue);
  });

  it('when a prompt-injection page is reduced to visible text, then the planted instructions are gone and the real product remains', async () => {
    for (const page of sampleShopCatalog.filter((candidate) => candidate.shape.endsWith('prompt-injection'))) {
      const html = await (await fetch(`${shop.baseUrl}${page.path}`)).text();
      assert.match(html, /ignore previous instructions/i, `${page.path} carries planted text`);
      const text = visibleText(html);
      assert.doesNotMatch(text, /ignore (all )?previous instructions/i, page.path);
      assert.doesNotMatch(text, /£0\.00|FREE SOUNDBAR/, page.path);
      assert.ok(text.includes(page.expected!.name), page.path);
    }
  });

  it('when the hanging page is requested, then nothing answers within 500 ms and close() still returns promptly', async () => {
    const hang = pageByBehaviour('hang');
    const own = await startSampleShop({ port: 0 });
    const started = Date.now();
    await assert.rejects(fetch(`${own.baseUrl}${hang.path}`, { signal: AbortSignal.timeout(500) }), { name: 'TimeoutError' });
    assert.ok(Date.now() - started >= 490);

    const pending = fetch(`${own.baseUrl}${hang.path}`).then(
      (response) => response.status,
      (error: unknown) => error,
    );
    while (own.requests.filter((request) => request.path === hang.path).length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    const closing = Date.now();
    await own.close();
    assert.ok(Date.now() - closing < 1_000, `close took ${Date.now() - closing} ms`);
    assert.ok((await pending) instanceof Error, 'the hanging request fails once the shop closes');
  });

  it('when hangMs passes, then the hanging page drops the connection', async () => {
    const own = await startSampleShop({ port: 0, hangMs: 200 });
    try {
      const started = Date.now();
      await assert.rejects(
        fetch(`${own.baseUrl}${pageByBehaviour('hang').path}`, { signal: AbortSignal.timeout(5_000) }),
        (error: Error) => error.name !== 'TimeoutError',
      );
      assert.ok(Date.now() - started >= 190);
    } finally {
      await own.close();
    }
  });

  it('when requests arrive, then the shop records each path and time', () => {
    assert.ok(shop.requests.length > 50);
    assert.ok(shop.requests.some((request) => request.path === '/robots.txt'));
    assert.ok(shop.requests.every((request, index, all) => index === 0 || request.at >= all[index - 1]!.at));
  });
});
