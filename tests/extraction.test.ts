// Product extraction over realistic shop pages (tests/fixtures/pages): JSON-LD in its many
// real-world shapes, microdata, OpenGraph, the visible-HTML fallback, merge priority with
// provenance and confidence, and hidden prompt-injection text that must change nothing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PipelineError } from '../src/errors';
import {
  extractProduct,
  normaliseAvailability,
  normaliseCurrency,
  parseAmount,
  parseJsonLdBlock,
  parseMoney,
  type ExtractedProduct,
  type Field,
  type Provenance,
} from '../src/extraction';

const page = (name: string) => readFileSync(path.join(__dirname, 'fixtures', 'pages', name), 'utf8');

type FieldKey = Exclude<keyof ExtractedProduct, 'images'>;
/** [value, source] or [value, source, exact confidence]. */
type Expected = [unknown, Provenance] | [unknown, Provenance, number];

function assertField(key: string, field: Field<unknown> | undefined, [value, source, confidence]: Expected) {
  assert.ok(field, `${key}: expected ${JSON.stringify(value)}, got nothing`);
  assert.deepEqual(field.value, value, `${key}: value`);
  assert.equal(field.source, source, `${key}: source`);
  assert.ok(field.confidence > 0 && field.confidence <= 1, `${key}: confidence ${field.confidence} not in (0,1]`);
  if (confidence !== undefined) assert.equal(field.confidence, confidence, `${key}: confidence`);
}

/** Checks every field: exactly the expected ones are present, each with value, source and confidence. */
function expectProduct(
  product: ExtractedProduct,
  fields: Partial<Record<FieldKey, Expected>>,
  images: { urls: string[]; source: Provenance; confidence?: number },
) {
  const present = Object.keys(product)
    .filter((key) => key !== 'images')
    .sort();
  assert.deepEqual(present, Object.keys(fields).sort(), 'fields present');
  for (const [key, expected] of Object.entries(fields)) {
    assertField(key, product[key as FieldKey], expected);
  }
  assert.deepEqual(
    product.images.map((image) => image.value),
    images.urls,
    'images',
  );
  product.images.forEach((image, i) =>
    assertField(
      `images[${i}]`,
      image,
      images.confidence === undefined ? [image.value, images.source] : [image.value, images.source, images.confidence],
    ),
  );
}

function assertProductNotFound(run: () => unknown) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof PipelineError);
    assert.equal(error.type, 'ProductNotFound');
    assert.equal(error.retryable, false);
    return true;
  });
}

describe('extractProduct: JSON-LD', () => {
  it('when offers is an array, then the lowest price wins with that offer’s currency and availability', () => {
    const product = extractProduct(page('jsonld-offers-array.html'), 'https://www.klangwerk.example/audio/kopfhoerer/northwind-anc-700');
    expectProduct(
      product,
      {
        name: ['Northwind ANC 700 Wireless Headphones', 'jsonld', 0.95],
        description: ['Over-ear headphones with adaptive noise cancelling and 30 hours of battery life.', 'jsonld'],
        brand: ['Northwind', 'jsonld'],
        sku: ['NW-ANC700-BLK', 'jsonld'],
        gtin: ['4006381333931', 'jsonld'],
        price: [299, 'jsonld'],
        // The dearest offer bounds the range.
        highPrice: [349, 'jsonld'],
        currency: ['EUR', 'jsonld'],
        availability: ['backorder', 'jsonld'],
        category: ['Electronics > Audio > Headphones', 'jsonld'],
        rating: [{ value: 4.6, count: 128 }, 'jsonld'],
      },
      {
        // ImageObjects by url and contentUrl; the repeated front view appears once.
        urls: ['https://cdn.klangwerk.example/p/nw-anc700/front.jpg', 'https://cdn.klangwerk.example/p/nw-anc700/side.jpg'],
        source: 'jsonld',
        confidence: 0.95,
      },
    );
  });

  it('when there is a single Offer, then its numeric price, http:// availability and string brand are read', () => {
    const product = extractProduct(page('jsonld-single-offer.html'), 'https://basecamp.example/products/kanken-trail-pack-22l');
    expectProduct(
      product,
      {
        name: ['Kanken Trail Pack 22L', 'jsonld'],
        description: ['Water-resistant daypack Padded 15" laptop sleeve & side pockets.', 'jsonld'],
        brand: ['Fjellrev', 'jsonld'],
        sku: ['KTP-22-FG', 'jsonld'],
        gtin: ['012345678905', 'jsonld'],
        price: [89.95, 'jsonld'],
        currency: ['USD', 'jsonld'],
        availability: ['out_of_stock', 'jsonld'],
        rating: [{ value: 4.8, count: 57 }, 'jsonld'],
      },
      { urls: ['https://images.basecamp.example/products/ktp22/forest-green.jpg'], source: 'jsonld' },
    );
  });

  it('when offers is an AggregateOffer, then lowPrice is the price and a short "InStock" maps to in_stock', () => {
    const product = extractProduct(page('jsonld-aggregate-offer.html'), 'https://pricenest.example/compare/hearthstone-skillet-26');
    expectProduct(
      product,
      {
        name: ['Hearthstone Cast Iron Skillet 26cm', 'jsonld'],
        description: ['Pre-seasoned cast iron skillet, oven safe to 260°C.', 'jsonld'],
        brand: ['Hearthstone', 'jsonld'],
        gtin: ['96385074', 'jsonld'],
        price: [19.99, 'jsonld'],
        highPrice: [34.5, 'jsonld'],
        currency: ['GBP', 'jsonld'],
        availability: ['in_stock', 'jsonld'],
        category: ['Home & Garden > Kitchen > Cookware', 'jsonld'],
      },
      {
        urls: [
          'https://pricenest.example/media/catalog/hs-sk26/main.jpg',
          'https://pricenest.example/compare/media/catalog/hs-sk26/top.jpg',
        ],
        source: 'jsonld',
      },
    );
  });

  it('when the Product sits in an @graph with WebPage and BreadcrumbList, then it is found and @id references resolve', () => {
    const product = extractProduct(page('jsonld-graph.html'), 'https://kettleandco.example/product/hammered-copper-kettle/');
    expectProduct(
      product,
      {
        name: ['Hammered Copper Kettle 1.5L', 'jsonld'],
        // Entity-escaped paragraphs become plain text.
        description: ['Hand-hammered copper kettle with a brass handle. Suitable for gas & induction hobs.', 'jsonld'],
        brand: ['Kettle & Co', 'jsonld'],
        sku: ['KC-1042', 'jsonld'],
        price: [64, 'jsonld'],
        currency: ['EUR', 'jsonld'],
        availability: ['in_stock', 'jsonld'],
        category: ['Kettles', 'jsonld'],
      },
      { urls: ['https://kettleandco.example/wp-content/uploads/2024/03/copper-kettle.jpg'], source: 'jsonld' },
    );
  });

  it('when the block is a top-level array, then the Product in it is used', () => {
    const product = extractProduct(page('jsonld-top-level-array.html'), 'https://radiohut.example/p/fr-12');
    expectProduct(
      product,
      {
        name: ['Vintage Field Radio FR-12', 'jsonld'],
        description: ['Three-band portable radio with a hand crank dynamo.', 'jsonld'],
        brand: ['Tessaro', 'jsonld'],
        sku: ['FR12', 'jsonld'],
        gtin: ['00012345600012', 'jsonld'],
        price: [149, 'jsonld'],
        currency: ['CAD', 'jsonld'],
        availability: ['discontinued', 'jsonld'],
      },
      { urls: ['https://radiohut.example/static/products/fr12/hero.webp'], source: 'jsonld' },
    );
  });

  it('when @type is an array and a ProductGroup is also present, then the Product is preferred', () => {
    const product = extractProduct(page('jsonld-type-array.html'), 'https://fietsenhuis.example/mtb/trailblazer-29-m');
    expectProduct(
      product,
      {
        name: ['Trailblazer 29 Hardtail, maat M', 'jsonld'],
        description: ['Aluminium hardtail met 29" wielen en 12-speed aandrijving.', 'jsonld'],
        brand: ['Veldwerk', 'jsonld'],
        sku: ['TB29-M', 'jsonld'],
        gtin: ['8712345678906', 'jsonld'],
        price: [1099, 'jsonld'],
        currency: ['EUR', 'jsonld'],
        availability: ['in_stock', 'jsonld'],
      },
      { urls: ['https://fietsenhuis.example/img/tb29-m.jpg'], source: 'jsonld' },
    );
  });

  it('when only a ProductGroup priced through its variants exists, then it is the product and the cheapest variant sets the price', () => {
    const product = extractProduct(page('jsonld-product-group.html'), 'https://threadline.example/products/everyday-crew-tee');
    expectProduct(
      product,
      {
        name: ['Everyday Crew Tee', 'jsonld'],
        description: ['Organic cotton crew-neck tee.', 'jsonld'],
        brand: ['Threadline', 'jsonld'],
        price: [28, 'jsonld'],
        highPrice: [32, 'jsonld'],
        currency: ['USD', 'jsonld'],
        availability: ['preorder', 'jsonld'],
      },
      { urls: ['https://threadline.example/cdn/ect/white.jpg'], source: 'jsonld' },
    );
  });

  it('when the block has comments, trailing commas and a raw tab/newline in a string, then it is repaired at lower confidence and a broken block is skipped', () => {
    const product = extractProduct(page('jsonld-malformed.html'), 'https://roastandritual.example/grinders/barista-pro');
    expectProduct(
      product,
      {
        name: ['Barista Pro Grinder & Doser', 'jsonld', 0.75],
        description: ['Conical burr grinder. 40 grind settings. Includes a dosing cup.', 'jsonld', 0.75],
        brand: ['Roast & Ritual', 'jsonld', 0.75],
        sku: ['RR-BPG-01', 'jsonld', 0.75],
        price: [219, 'jsonld', 0.75],
        currency: ['AUD', 'jsonld', 0.75],
        availability: ['in_stock', 'jsonld', 0.75],
      },
      {
        urls: ['https://roastandritual.example/files/bpg-01.jpg', 'https://roastandritual.example/files/bpg-02.jpg'],
        source: 'jsonld',
        confidence: 0.75,
      },
    );
  });

  it('when the price is a European string "1.299,00" and the currency lower case, then price is 1299 EUR', () => {
    const product = extractProduct(page('jsonld-european-price.html'), 'https://kaffeekontor.example/maschinen/duetto-iii');
    expectProduct(
      product,
      {
        name: ['Siebträgermaschine Duetto III', 'jsonld'],
        description: ['Dualboiler mit PID-Steuerung und Rotationspumpe.', 'jsonld'],
        brand: ['Lucca', 'jsonld'],
        sku: ['LUC-DUO3', 'jsonld'],
        gtin: ['4260123456788', 'jsonld'],
        price: [1299, 'jsonld'],
        currency: ['EUR', 'jsonld'],
        availability: ['preorder', 'jsonld'],
        rating: [{ value: 4.5, count: 1204 }, 'jsonld'],
      },
      { urls: ['https://kaffeekontor.example/bilder/produkte/duetto-iii.jpg'], source: 'jsonld' },
    );
  });
});

describe('extractProduct: microdata, OpenGraph and visible HTML', () => {
  it('when the page has only microdata, then nested offers, brand and rating are read and a related product is ignored', () => {
    const product = extractProduct(page('microdata-only.html'), 'https://maison-cuisine.example/cuisson/cocotte-24-rouge');
    expectProduct(
      product,
      {
        name: ['Cocotte en fonte 24 cm – Rouge cerise', 'microdata', 0.9],
        description: ['Cocotte ronde en fonte émaillée, 24 cm, 4,2 L. Compatible tous feux, induction comprise.', 'microdata'],
        brand: ['Fonderie Duval', 'microdata'],
        sku: ['FD-COC24-RC', 'microdata'],
        gtin: ['3760123456784', 'microdata'],
        price: [249, 'microdata'],
        currency: ['EUR', 'microdata'],
        availability: ['in_stock', 'microdata'],
        category: ['Cuisine > Cocottes', 'microdata'],
        rating: [{ value: 4.7, count: 1204 }, 'microdata'],
      },
      {
        urls: [
          'https://maison-cuisine.example/media/cocotte-24-rouge/face.jpg',
          'https://static.maison-cuisine.example/media/cocotte-24-rouge/couvercle.jpg',
        ],
        source: 'microdata',
      },
    );
  });

  it('when the page has only OpenGraph product tags, then they fill every field they carry', () => {
    const product = extractProduct(page('opengraph-only.html'), 'https://foldandthread.example/products/linen-throw-pillow-sage');
    expectProduct(
      product,
      {
        name: ['Linen Throw Pillow – Sage', 'og', 0.8],
        description: ['Stonewashed European linen & a feather insert. 20" x 20".', 'og'],
        brand: ['Fold & Thread', 'og'],
        sku: ['FT-LTP-SAGE', 'og'],
        price: [34.95, 'og'],
        currency: ['USD', 'og'],
        availability: ['in_stock', 'og'],
        category: ['Home > Decor > Pillows', 'og'],
      },
      {
        urls: ['https://cdn.foldandthread.example/files/pillow-sage-1.jpg?v=1712', 'https://foldandthread.example/files/pillow-sage-2.jpg'],
        source: 'og',
      },
    );
  });

  it('when the page has no structured data, then h1, meta description, the current price and gallery images are used, not the old price, cart or related items', () => {
    const product = extractProduct(page('html-only.html'), 'https://hilltopknitwear.example/hats/merino-beanie-charcoal');
    expectProduct(
      product,
      {
        name: ['Merino Beanie – Charcoal', 'html', 0.5],
        description: ['A soft merino wool beanie, knitted in the Scottish Borders.', 'html', 0.5],
        price: [24.99, 'html', 0.5],
        // The struck-through former price is kept as the list price, never taken as the price.
        listPrice: [29.99, 'html', 0.5],
        currency: ['GBP', 'html', 0.5],
      },
      {
        // The lazy-loaded picture comes from data-src; icons, payment logos and the 1x1 pixel are skipped.
        urls: [
          'https://hilltopknitwear.example/images/beanie-charcoal-front.jpg',
          'https://hilltopknitwear.example/images/beanie-charcoal-side.jpg',
        ],
        source: 'html',
        confidence: 0.5,
      },
    );
  });

  it('when there is no h1 and no product gallery, then the <title> and large content images are used at lower confidence', () => {
    const product = extractProduct(page('html-title-only.html'), 'https://clayandkiln.example/shop/stoneware-mug');
    expectProduct(
      product,
      {
        name: ['Handthrown Stoneware Mug', 'html', 0.3],
        price: [28, 'html', 0.5],
        currency: ['USD', 'html', 0.5],
      },
      {
        // The logo, the thumbnail and the author's avatar are not product pictures.
        urls: ['https://clayandkiln.example/uploads/mug-speckled-1.jpg', 'https://clayandkiln.example/uploads/mug-speckled-2.jpg'],
        source: 'html',
        confidence: 0.3,
      },
    );
  });

  it('when the price is in yen without decimals, then "￥12,800" is 12800 JPY', () => {
    const product = extractProduct(page('jpy-price.html'), 'https://wa-no-daidokoro.example/items/nanbu-kyusu-065');
    expectProduct(
      product,
      {
        name: ['南部鉄器 急須 0.65L', 'html'],
        description: ['岩手県で作られた南部鉄器の急須。容量0.65L、茶こし付き。', 'html'],
        price: [12800, 'html'],
        currency: ['JPY', 'html'],
      },
      { urls: ['https://wa-no-daidokoro.example/images/items/nanbu-kyusu-065/main.jpg'], source: 'html' },
    );
  });
});

describe('extractProduct: merging, safety and errors', () => {
  it('when JSON-LD and OpenGraph disagree, then JSON-LD wins per field and OpenGraph only fills the gaps', () => {
    const product = extractProduct(page('mixed-jsonld-og.html'), 'https://brewline.example/products/aeropress-go');
    expectProduct(
      product,
      {
        name: ['AeroPress Go', 'jsonld', 0.95],
        brand: ['AeroPress', 'jsonld'],
        sku: ['APG-001', 'jsonld'],
        price: [39.95, 'jsonld'],
        currency: ['USD', 'jsonld'],
        availability: ['in_stock', 'jsonld'],
        description: ['The travel coffee press that packs into its own mug.', 'og', 0.8],
      },
      { urls: ['https://cdn.brewline.example/aeropress-go/og-1200x630.jpg'], source: 'og', confidence: 0.8 },
    );
  });

  it('when hidden elements, comments, templates and scripts carry injected instructions, then no field changes', () => {
    const product = extractProduct(page('hidden-injection.html'), 'https://summit-supply.example/jackets/alpine-down');
    expectProduct(
      product,
      {
        name: ['Alpine Down Jacket', 'html'],
        description: ['A 700-fill down jacket for cold, dry days.', 'html'],
        price: [189, 'html'],
        currency: ['EUR', 'html'],
      },
      { urls: ['https://summit-supply.example/img/alpine-down-jacket.jpg'], source: 'html' },
    );
    assert.doesNotMatch(JSON.stringify(product), /ignore|FREE JACKET|evil|discontinued/i);
  });

  it('when image URLs are relative, protocol-relative or repeated, then they are absolute, de-duplicated and in order', () => {
    const html = page('relative-images.html');
    const product = extractProduct(html, 'https://shop.lumenworks.example/lamps/desk/brass-desk-lamp');
    expectProduct(
      product,
      {
        name: ['Brass Desk Lamp', 'jsonld'],
        price: [120, 'jsonld'],
        currency: ['USD', 'jsonld'],
      },
      {
        // "/img/…" and its absolute twin are one image; the data: URI is dropped; &amp; is decoded.
        urls: [
          'https://shop.lumenworks.example/img/lamps/brass-desk-lamp.jpg',
          'https://shop.lumenworks.example/lamps/assets/brass-desk-lamp-detail.jpg',
          'https://cdn.lumenworks.example/lamps/brass-desk-lamp-lit.jpg',
          'https://shop.lumenworks.example/lamps/desk/photos/brass-desk-lamp-shade.jpg?w=800&h=800',
          'https://shop.lumenworks.example/img/lamps/brass-desk-lamp-box.jpg',
        ],
        source: 'jsonld',
      },
    );

    const withBase = extractProduct(
      html.replace('<head>', '<head><base href="https://static.lumenworks.example/v2/">'),
      'https://shop.lumenworks.example/lamps/desk/brass-desk-lamp',
    );
    assert.equal(withBase.images[1]?.value, 'https://static.lumenworks.example/assets/brass-desk-lamp-detail.jpg');
  });

  it('when the page is a blog post, then ProductNotFound is thrown and is not retryable', () => {
    assertProductNotFound(() => extractProduct(page('blog-post.html'), 'https://slowkitchen.example/guides/season-cast-iron/'));
  });

  it('when the page is empty, then ProductNotFound is thrown', () => {
    assertProductNotFound(() => extractProduct('', 'https://shop.example/'));
  });

  it('when the page URL is not absolute, then a permanent InvalidPageUrl error is thrown', () => {
    assert.throws(() => extractProduct(page('jsonld-single-offer.html'), '/products/x'), { type: 'InvalidPageUrl', retryable: false });
  });
});

describe('extraction building blocks', () => {
  it('when prices are written in US, European, Swiss or yen style, then they parse to the same numbers', () => {
    const cases: [string | number, number | undefined][] = [
      ['1299.00', 1299],
      ['1.299,00', 1299],
      ['1,299.00', 1299],
      ['1 299,00', 1299],
      ["1'299.00", 1299],
      ['12,50', 12.5],
      ['12800', 12800],
      ['12,800', 12800],
      ['1.299.000', 1299000],
      [129.5, 129.5],
      ['1.299', 1.299],
      ['from 19.99', 19.99],
      ['n/a', undefined],
      [-5, undefined],
    ];
    for (const [input, expected] of cases) assert.equal(parseAmount(input), expected, String(input));
    // In visible text a single dot before three digits groups thousands.
    assert.equal(parseAmount('1.299', 'text'), 1299);
  });

  it('when visible text holds a price next to a symbol or code, then amount and ISO currency come out', () => {
    assert.deepEqual(parseMoney('ab 1.299,00 €', 'text'), { amount: 1299, currency: 'EUR' });
    assert.deepEqual(parseMoney('£24.99 incl. VAT', 'text'), { amount: 24.99, currency: 'GBP' });
    assert.deepEqual(parseMoney('US$ 19.99', 'text'), { amount: 19.99, currency: 'USD' });
    assert.deepEqual(parseMoney('¥12,800（税込）', 'text'), { amount: 12800, currency: 'JPY' });
    assert.deepEqual(parseMoney('12,99 CHF', 'text'), { amount: 12.99, currency: 'CHF' });
    assert.equal(parseMoney('NEW 2024 model', 'text'), undefined);
  });

  it('when availability and currency come in their various spellings, then they normalise', () => {
    for (const value of ['https://schema.org/InStock', 'http://schema.org/InStock', 'InStock', 'schema:InStock', 'in stock']) {
      assert.equal(normaliseAvailability(value), 'in_stock', value);
    }
    assert.equal(normaliseAvailability('oos'), 'out_of_stock');
    assert.equal(normaliseAvailability('https://schema.org/SoldOut'), 'out_of_stock');
    assert.equal(normaliseAvailability('https://schema.org/Discontinued'), 'discontinued');
    assert.equal(normaliseAvailability('maybe'), undefined);
    assert.equal(normaliseCurrency(' eur '), 'EUR');
    assert.equal(normaliseCurrency('€'), 'EUR');
    assert.equal(normaliseCurrency('Euro'), undefined);
  });

  it('when a JSON-LD block is valid, damaged or unrecoverable, then it parses plainly, parses repaired or is skipped', () => {
    assert.deepEqual(parseJsonLdBlock('{"@type":"Product"}'), { data: { '@type': 'Product' }, repaired: false });
    assert.deepEqual(parseJsonLdBlock('<!--\n{"@type":"Product"}\n-->'), { data: { '@type': 'Product' }, repaired: false });
    assert.deepEqual(parseJsonLdBlock('{"name": "a\tb", // it\'s fine\n "x": [1,],}'), { data: { name: 'a\tb', x: [1] }, repaired: true });
    assert.deepEqual(parseJsonLdBlock('{&quot;@type&quot;:&quot;Product&quot;}'), { data: { '@type': 'Product' }, repaired: true });
    assert.equal(parseJsonLdBlock('{"name": "cut off'), undefined);
    assert.equal(parseJsonLdBlock('   '), undefined);
  });
});
