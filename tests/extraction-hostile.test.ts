// Pages built (or grown) to break an extractor: microdata nested thousands of levels deep,
// multi-megabyte pages, JSON-LD nested in arrays and @graph, and the price/currency parser on a
// large set of strings formatted by Intl (CLDR) for every locale × currency.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PipelineError } from '../src/errors';
import { extractProduct, normaliseGtin, parseMoney, parsePrice } from '../src/extraction';
import { largeProductPage } from '../bench/large-page';
import { intlPriceCases, NOT_PRICES, SHOP_CASES } from './support/price-strings';

const deepMicrodata = (depth: number) =>
  '<html><body><main><div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">Deep Lamp</h1>' +
  '<div itemprop="offers" itemscope itemtype="https://schema.org/Offer"><meta itemprop="price" content="49.00"><meta itemprop="priceCurrency" content="EUR"></div>' +
  '<div itemprop="isRelatedTo" itemscope itemtype="https://schema.org/Thing"><div>'.repeat(depth) +
  'x' +
  '</div></div>'.repeat(depth) +
  '</div></main></body></html>';

describe('hostile and huge pages', () => {
  it('when microdata is nested 2,600 levels deep, then the product is read without a RangeError', () => {
    const product = extractProduct(deepMicrodata(2_600), 'https://deep.example/p/lamp');
    assert.equal(product.name.value, 'Deep Lamp');
    assert.equal(product.price?.value, 49);
    assert.equal(product.currency?.value, 'EUR');
  });

  it('when nesting goes past the depth limit, then what was read before it still counts, and a page with nothing is a typed permanent failure', () => {
    assert.equal(extractProduct(deepMicrodata(30_000), 'https://deep.example/p/lamp').name.value, 'Deep Lamp');
    const nothing = '<html><body>' + '<div>'.repeat(30_000) + '</body></html>';
    assert.throws(
      () => extractProduct(nothing, 'https://deep.example/p/none'),
      (error: unknown) => {
        assert.ok(error instanceof PipelineError);
        assert.equal(error.type, 'ProductNotFound');
        assert.equal(error.retryable, false);
        return true;
      },
    );
  });

  it('when a 5 MB page carries complete JSON-LD, or none, then the main product is read from it', () => {
    for (const structuredData of [true, false]) {
      const product = extractProduct(
        largeProductPage({ bytes: 5_000_000, structuredData }),
        'https://peakline.example/p/granite-trail-runner-3',
      );
      assert.equal(product.name.value, 'Granite Trail Runner 3');
      assert.equal(product.price?.value, 139.95);
      assert.equal(product.currency?.value, 'USD');
      assert.equal(product.images[0]?.value, 'https://cdn.peakline.example/img/gtr3-main-1600.jpg');
      // Without JSON-LD the price can only come from the visible page.
      assert.equal(product.price?.source, structuredData ? 'jsonld' : 'html');
    }
  });

  it('when JSON-LD nests the Product in 40 arrays or four @graph levels, then it is found', () => {
    let nested: unknown = { '@type': 'Product', name: 'Nested Mug', offers: { '@type': 'Offer', price: '12', priceCurrency: 'EUR' } };
    for (let i = 0; i < 40; i++) nested = [nested];
    let graph: unknown = { '@type': 'Product', name: 'Graph Mug', offers: { '@type': 'Offer', price: '14', priceCurrency: 'EUR' } };
    for (let i = 0; i < 4; i++) graph = { '@graph': [{ '@type': 'Organization', name: 'Org' }, graph] };
    for (const [data, name] of [
      [nested, 'Nested Mug'],
      [graph, 'Graph Mug'],
    ] as const) {
      const html = `<html><head><script type="application/ld+json">${JSON.stringify(data)}</script></head><body></body></html>`;
      assert.equal(extractProduct(html, 'https://mugs.example/p').name.value, name);
    }
  });
});

describe('price and identifier parsing', () => {
  it('when tens of thousands of Intl-formatted prices are parsed, then at least 99 % of amounts and currencies come back', () => {
    const cases = intlPriceCases();
    assert.ok(cases.length > 30_000, `${cases.length} cases`);
    let amounts = 0;
    let currencies = 0;
    for (const { text, amount, currency, region } of cases) {
      const money = parsePrice(text, { hint: { region } });
      if (money?.amount === amount) amounts++;
      if (currency === undefined || money?.currency === currency) currencies++;
    }
    assert.ok(amounts / cases.length >= 0.99, `amounts ${amounts}/${cases.length}`);
    assert.ok(currencies / cases.length >= 0.99, `currencies ${currencies}/${cases.length}`);
  });

  it('when shops write Kč, руб, zł, ₹, Rp with dot thousands, kr or a negative amount, then each reads as written', () => {
    for (const { text, amount, currency, region } of SHOP_CASES) {
      assert.deepEqual(parsePrice(text, { hint: { region } }), { amount, currency }, text);
    }
    // A discount is never a price, whatever its sign says.
    assert.equal(parseMoney('-5.00 €', 'text'), undefined);
    for (const text of NOT_PRICES) assert.equal(parseMoney(text, 'text'), undefined, text);
  });

  it('when a GTIN has 11 digits, lost zeros or a wrong check digit, then it is padded to UPC-A, padded back or refused', () => {
    assert.equal(normaliseGtin('12345678905'), '012345678905');
    assert.equal(normaliseGtin(12345678905), '012345678905');
    assert.equal(normaliseGtin('978-0-306-40615-7'), '9780306406157');
    assert.equal(normaliseGtin('4006381333932'), undefined);
    assert.equal(normaliseGtin('1234567890'), undefined);
  });
});
