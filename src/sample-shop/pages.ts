// Page builders: one product published in the shapes real shops use — JSON-LD (plain, @graph,
// @id references, top-level arrays), microdata, OpenGraph, hand-broken JSON-LD, bare HTML —
// plus listings, a blog article and the "not found" page. Each returns a whole HTML document.
import {
  CATEGORIES,
  SHOP_NAME,
  categoryPath,
  displayPrice,
  escapeHtml,
  jsonLdScript,
  plainPrice,
  renderPage,
  schemaAvailability,
  stockLabel,
  type Category,
  type Crumb,
  type RenderContext,
} from './html';
import { imageUrl, type ProductSpec } from './products';

type Json = Record<string, unknown>;

const crumbsOf = (product: ProductSpec): Crumb[] => [
  { name: 'Home', path: '/' },
  { name: product.category, path: categoryPath(product.category) },
  { name: product.name },
];

function breadcrumbList(ctx: RenderContext, product: ProductSpec, pageUrl: string): Json {
  return {
    '@type': 'BreadcrumbList',
    '@id': `${pageUrl}#breadcrumb`,
    itemListElement: crumbsOf(product).map((crumb, index) => ({
      '@type': 'ListItem',
      position: index + 1,
      name: crumb.name,
      ...(crumb.path ? { item: `${ctx.baseUrl}${crumb.path}` } : {}),
    })),
  };
}

function gallery(ctx: RenderContext, path: string, product: ProductSpec, itemprop = false): string {
  if (!product.images.length) return '<div class="gallery gallery--empty"><p>No pictures yet.</p></div>';
  const images = product.images.map(
    (image, index) =>
      `<img${itemprop ? ' itemprop="image"' : ''} src="${escapeHtml(imageUrl(ctx.baseUrl, path, image))}" alt="${escapeHtml(image.alt ?? product.name)}" width="${Math.min(image.width, 640)}" height="${Math.round((Math.min(image.width, 640) * image.height) / image.width)}"${index ? ' loading="lazy"' : ''}>`,
  );
  return `<div class="gallery">${images.join('\n')}</div>`;
}

const paragraphs = (text: string) =>
  text
    .split(/\n+/)
    .map((line) => `<p>${escapeHtml(line)}</p>`)
    .join('');

const shippingNote =
  '<section class="shipping"><h2>Delivery &amp; returns</h2><p>Orders placed before 2 pm leave our warehouse the same day. Unworn items can be returned within 30 days in their original packaging.</p></section>';

interface BlockOptions {
  /** Visible price text; defaults to the formatted price, or "Price on request". */
  priceText?: string;
  /** Markup placed before / after the product block (e.g. planted instructions). */
  before?: string;
  after?: string;
}

/** The visible product block (no structured data in it). */
function productBlock(ctx: RenderContext, path: string, product: ProductSpec, options: BlockOptions = {}): string {
  const price =
    options.priceText ?? (product.price !== undefined && product.currency ? displayPrice(product.price, product.currency) : 'Price on request');
  const rating = product.rating
    ? `<section class="reviews"><h2>Customer reviews</h2><p>Rated ${product.rating.value} out of 5 by ${product.rating.count} customers.</p></section>`
    : '';
  return `${options.before ?? ''}
<article class="product" id="product">
${gallery(ctx, path, product)}
<div class="details">
<h1 class="product-title">${escapeHtml(product.name)}</h1>
${product.brand ? `<p class="brand">by <span class="brand-name">${escapeHtml(product.brand)}</span></p>` : ''}
<p class="price"><span class="amount">${escapeHtml(price)}</span></p>
${product.availability ? `<p class="stock">${stockLabel(product.availability)}</p>` : ''}
${product.sku ? `<p class="sku">Item no. ${escapeHtml(product.sku)}</p>` : ''}
<div class="description">${paragraphs(product.description)}</div>
<button type="button" class="add-to-cart"${product.price === undefined ? ' disabled' : ''}>Add to cart</button>
</div>
</article>
${rating}
${shippingNote}
${options.after ?? ''}`;
}

/** og:title/og:image tags most shop themes add whatever else they publish. */
function basicOpenGraph(ctx: RenderContext, path: string, product: ProductSpec, type = 'website'): string {
  const first = product.images[0];
  return [
    `<meta property="og:type" content="${type}">`,
    `<meta property="og:site_name" content="${SHOP_NAME}">`,
    `<meta property="og:title" content="${escapeHtml(product.name)}">`,
    `<meta property="og:url" content="${ctx.baseUrl}${path}">`,
    first ? `<meta property="og:image" content="${escapeHtml(new URL(imageUrl(ctx.baseUrl, path, first), ctx.baseUrl + path).href)}">` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

// --- JSON-LD ---------------------------------------------------------------------------------

export interface JsonLdOptions extends BlockOptions {
  /**
   * plain: a Product block and a separate BreadcrumbList block; array: one block holding a
   * top-level array; graph: WebSite + WebPage + BreadcrumbList + Product + Organization in
   * "@graph"; graph-refs: as graph, with offers and brand given as "@id" references.
   */
  wrap?: 'plain' | 'array' | 'graph' | 'graph-refs';
  type?: string | string[];
  /** single Offer, an array of Offers (prices in offerPrices, the lowest is the product's), AggregateOffer, or none. */
  offers?: 'single' | 'array' | 'aggregate' | 'none';
  offerPrices?: number[];
  highPrice?: number;
  brandForm?: 'object' | 'string';
  availabilityForm?: 'https' | 'http' | 'short';
  /** "129.95", 129.95, or as a German shop writes it: "1.299,00". */
  priceForm?: 'string' | 'number' | 'localized';
  gtinProperty?: 'gtin13' | 'gtin';
  /** Additional Product properties (author, isbn, …). */
  extra?: Json;
}

function priceValue(price: number, product: ProductSpec, form: JsonLdOptions['priceForm']): string | number {
  const currency = product.currency ?? 'EUR';
  if (form === 'number') return currency === 'JPY' ? Math.round(price) : price;
  if (form === 'localized') return price.toLocaleString('de-DE', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return plainPrice(price, currency);
}

function offersOf(ctx: RenderContext, path: string, product: ProductSpec, options: JsonLdOptions): Json | Json[] | undefined {
  const kind = options.offers ?? 'single';
  if (kind === 'none' || product.price === undefined) return undefined;
  const availability = product.availability ? { availability: schemaAvailability(product.availability, options.availabilityForm) } : {};
  const base = { priceCurrency: product.currency, ...availability, itemCondition: 'https://schema.org/NewCondition' };
  const seller = { '@type': 'Organization', name: SHOP_NAME };
  if (kind === 'aggregate') {
    return {
      '@type': 'AggregateOffer',
      lowPrice: priceValue(product.price, product, options.priceForm),
      highPrice: priceValue(options.highPrice ?? product.price, product, options.priceForm),
      offerCount: 5,
      ...base,
    };
  }
  if (kind === 'array') {
    const prices = options.offerPrices ?? [product.price];
    if (Math.min(...prices) !== product.price) throw new Error(`sample shop: lowest offer of ${path} must be the product price`);
    const sizes = ['40', '41', '42', '43', '44', '45'];
    return prices.map((price, index) => ({
      '@type': 'Offer',
      name: `EU size ${sizes[index % sizes.length]}`,
      sku: `${product.sku ?? 'SKU'}-${sizes[index % sizes.length]}`,
      url: `${ctx.baseUrl}${path}?size=${sizes[index % sizes.length]}`,
      price: priceValue(price, product, options.priceForm),
      ...base,
      seller,
    }));
  }
  return {
    '@type': 'Offer',
    url: `${ctx.baseUrl}${path}`,
    price: priceValue(product.price, product, options.priceForm),
    priceValidUntil: '2026-12-31',
    ...base,
    seller,
  };
}

function productNode(ctx: RenderContext, path: string, product: ProductSpec, options: JsonLdOptions): Json {
  const pageUrl = `${ctx.baseUrl}${path}`;
  const images = product.images.map((image) => imageUrl(ctx.baseUrl, path, image));
  const node: Json = { '@type': options.type ?? 'Product', '@id': `${pageUrl}#product`, name: product.name, description: product.description, url: pageUrl };
  if (images.length) node.image = images.length === 1 ? images[0] : images;
  if (product.sku) node.sku = product.sku;
  if (product.gtin) node[options.gtinProperty ?? 'gtin13'] = product.gtin;
  if (product.brand) node.brand = options.brandForm === 'string' ? product.brand : { '@type': 'Brand', name: product.brand };
  node.category = product.category;
  Object.assign(node, options.extra ?? {});
  const offers = offersOf(ctx, path, product, options);
  if (offers) node.offers = offers;
  if (product.rating) {
    node.aggregateRating = { '@type': 'AggregateRating', ratingValue: product.rating.value, reviewCount: product.rating.count, bestRating: 5 };
  }
  return node;
}

function jsonLdBlocks(ctx: RenderContext, path: string, product: ProductSpec, options: JsonLdOptions): string {
  const pageUrl = `${ctx.baseUrl}${path}`;
  const context = 'https://schema.org';
  const productData = productNode(ctx, path, product, options);
  const breadcrumbs = breadcrumbList(ctx, product, pageUrl);
  switch (options.wrap ?? 'plain') {
    case 'plain':
      return [jsonLdScript({ '@context': context, ...productData }), jsonLdScript({ '@context': context, ...breadcrumbs })].join('\n');
    case 'array':
      return jsonLdScript([
        { '@context': context, ...breadcrumbs },
        { '@context': context, ...productData },
      ]);
    case 'graph':
    case 'graph-refs': {
      const organization = { '@type': 'Organization', '@id': `${ctx.baseUrl}/#organization`, name: SHOP_NAME, url: `${ctx.baseUrl}/` };
      const graph: Json[] = [
        { '@type': 'WebSite', '@id': `${ctx.baseUrl}/#website`, url: `${ctx.baseUrl}/`, name: SHOP_NAME, publisher: { '@id': organization['@id'] } },
        {
          '@type': 'WebPage',
          '@id': pageUrl,
          url: pageUrl,
          name: `${product.name} | ${SHOP_NAME}`,
          isPartOf: { '@id': `${ctx.baseUrl}/#website` },
          breadcrumb: { '@id': `${pageUrl}#breadcrumb` },
          mainEntity: { '@id': `${pageUrl}#product` },
        },
        breadcrumbs,
        productData,
        organization,
      ];
      if (options.wrap === 'graph-refs') {
        if (productData.offers) {
          graph.push({ '@type': 'Offer', '@id': `${pageUrl}#offer`, ...(productData.offers as Json) });
          productData.offers = { '@id': `${pageUrl}#offer` };
        }
        if (productData.brand && product.brand) {
          const brandId = `${ctx.baseUrl}/#brand-${product.brand.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
          graph.push({ '@type': 'Brand', '@id': brandId, name: product.brand });
          productData.brand = { '@id': brandId };
        }
      }
      return jsonLdScript({ '@context': context, '@graph': graph });
    }
  }
}

export function jsonLdProductPage(ctx: RenderContext, path: string, product: ProductSpec, options: JsonLdOptions = {}): string {
  return renderPage(ctx, {
    path,
    title: product.name,
    metaDescription: product.description.split('\n')[0] ?? product.name,
    head: `${basicOpenGraph(ctx, path, product)}\n${jsonLdBlocks(ctx, path, product, options)}`,
    breadcrumbs: crumbsOf(product),
    main: productBlock(ctx, path, product, options),
    kind: 'product-page',
  });
}

// --- microdata -------------------------------------------------------------------------------

/**
 * schema.org microdata. nested: brand, offers and rating as their own itemscopes (the correct
 * form); flat: price, currency, availability and brand as plain properties of the Product.
 */
export function microdataProductPage(ctx: RenderContext, path: string, product: ProductSpec, form: 'nested' | 'flat'): string {
  const price = product.price !== undefined && product.currency ? plainPrice(product.price, product.currency) : undefined;
  const shown = product.price !== undefined && product.currency ? displayPrice(product.price, product.currency) : 'Price on request';
  const availability = product.availability
    ? `<p class="stock"><link itemprop="availability" href="${schemaAvailability(product.availability, form === 'flat' ? 'http' : 'https')}">${stockLabel(product.availability)}</p>`
    : '';
  const brand = !product.brand
    ? ''
    : form === 'nested'
      ? `<p class="brand" itemprop="brand" itemscope itemtype="https://schema.org/Brand">by <span itemprop="name">${escapeHtml(product.brand)}</span></p>`
      : `<p class="brand">by <span itemprop="brand">${escapeHtml(product.brand)}</span></p>`;
  const priceMarkup =
    price === undefined
      ? `<p class="price">${shown}</p>`
      : form === 'nested'
        ? `<div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
<p class="price"><meta itemprop="priceCurrency" content="${product.currency}"><span itemprop="price" content="${price}">${escapeHtml(shown)}</span></p>
${availability}
<link itemprop="url" href="${ctx.baseUrl}${path}">
</div>`
        : `<p class="price"><meta itemprop="priceCurrency" content="${product.currency}">${escapeHtml(shown.replace(/[\d.,\s]+/g, '').trim())}<span itemprop="price">${price}</span></p>
${availability}`;
  const rating = product.rating
    ? `<div class="rating" itemprop="aggregateRating" itemscope itemtype="https://schema.org/AggregateRating">Rated <span itemprop="ratingValue">${product.rating.value}</span> out of 5 by <span itemprop="reviewCount">${product.rating.count}</span> customers</div>`
    : '';
  const main = `<article class="product" id="product" itemscope itemtype="https://schema.org/Product">
${gallery(ctx, path, product, true)}
<div class="details">
<h1 class="product-title" itemprop="name">${escapeHtml(product.name)}</h1>
${brand}
<meta itemprop="category" content="${product.category}">
${priceMarkup}
${product.sku ? `<p class="sku">Item no. <span itemprop="sku">${escapeHtml(product.sku)}</span></p>` : ''}
${product.gtin ? `<meta itemprop="gtin13" content="${product.gtin}">` : ''}
${rating}
<div class="description" itemprop="description">${paragraphs(product.description)}</div>
<button type="button" class="add-to-cart">Add to cart</button>
</div>
</article>
${shippingNote}`;
  return renderPage(ctx, {
    path,
    title: product.name,
    metaDescription: product.description.split('\n')[0] ?? product.name,
    head: basicOpenGraph(ctx, path, product),
    breadcrumbs: crumbsOf(product),
    main,
    kind: 'product-page',
  });
}

// --- OpenGraph only --------------------------------------------------------------------------

/**
 * Product data only in OpenGraph tags. facebook: product:price:amount/currency,
 * product:availability ("in stock", "oos", …), product:brand, product:category; shopify:
 * og:price:amount/currency and nothing else.
 */
export function openGraphProductPage(
  ctx: RenderContext,
  path: string,
  product: ProductSpec,
  dialect: 'facebook' | 'shopify',
  ogAvailability?: string,
): string {
  const tags = [
    `<meta property="og:type" content="product">`,
    `<meta property="og:site_name" content="${SHOP_NAME}">`,
    `<meta property="og:title" content="${escapeHtml(product.name)}">`,
    `<meta property="og:description" content="${escapeHtml(product.description.split('\n')[0] ?? '')}">`,
    `<meta property="og:url" content="${ctx.baseUrl}${path}">`,
    ...product.images.flatMap((image) => [
      `<meta property="og:image" content="${escapeHtml(new URL(imageUrl(ctx.baseUrl, path, image), ctx.baseUrl + path).href)}">`,
      `<meta property="og:image:width" content="${image.width}">`,
      `<meta property="og:image:height" content="${image.height}">`,
    ]),
  ];
  const prefix = dialect === 'facebook' ? 'product:price' : 'og:price';
  if (product.price !== undefined && product.currency) {
    tags.push(`<meta property="${prefix}:amount" content="${plainPrice(product.price, product.currency)}">`);
    tags.push(`<meta property="${prefix}:currency" content="${product.currency}">`);
  }
  if (dialect === 'facebook') {
    if (product.brand) tags.push(`<meta property="product:brand" content="${escapeHtml(product.brand)}">`);
    if (ogAvailability) tags.push(`<meta property="product:availability" content="${ogAvailability}">`);
    tags.push(`<meta property="product:category" content="${product.category}">`);
    tags.push(`<meta property="product:condition" content="new">`);
  }
  return renderPage(ctx, {
    path,
    title: product.name,
    metaDescription: product.description.split('\n')[0] ?? product.name,
    head: tags.join('\n'),
    breadcrumbs: crumbsOf(product),
    main: productBlock(ctx, path, product),
    kind: 'product-page',
  });
}

// --- no structured data ----------------------------------------------------------------------

/** Only the visible product block: an extractor must fall back to the HTML. */
export function htmlOnlyProductPage(ctx: RenderContext, path: string, product: ProductSpec, options: BlockOptions = {}): string {
  return renderPage(ctx, {
    path,
    title: product.name,
    metaDescription: product.description.split('\n')[0] ?? product.name,
    breadcrumbs: crumbsOf(product),
    main: productBlock(ctx, path, product, options),
    kind: 'product-page',
  });
}

/**
 * JSON-LD as broken as real shops ship it: // and block comments (and "//" inside URLs),
 * trailing commas, raw tab and newline inside strings, HTML entities in values. Values are
 * those of `product`; names and brands are written with entities (&amp;, &uuml;).
 */
export function malformedJsonLdProductPage(ctx: RenderContext, path: string, product: ProductSpec): string {
  const pageUrl = `${ctx.baseUrl}${path}`;
  const entities = (text: string) => text.replace(/&/g, '&amp;').replace(/ü/g, '&uuml;').replace(/"/g, '&quot;');
  const [first = '', ...rest] = product.description.split('\n');
  const images = product.images.map((image) => `    "${imageUrl(ctx.baseUrl, path, image)}",`).join('\n');
  const offer =
    product.price !== undefined && product.currency
      ? `  "offers": {
    "@type": "Offer",
    "url": "${pageUrl}",
    "price": "${plainPrice(product.price, product.currency)}",
    "priceCurrency": "${product.currency}",${product.availability ? `\n    "availability": "${schemaAvailability(product.availability)}", // refreshed nightly` : ''}
  },`
      : '';
  const rating = product.rating
    ? `  "aggregateRating": { "@type": "AggregateRating", "ratingValue": "${product.rating.value}", "reviewCount": "${product.rating.count}", },`
    : '';
  const broken = `<script type="application/ld+json">
// Product schema, generated by ShopTheme 3.2 — do not edit
{
  "@context": "https://schema.org/",
  "@type": "Product",
  /* core fields */
  "name": "${entities(product.name)}",
  "description": "${first.replace(/\. /g, '.\t')}\n${rest.join('\n')}",
  "image": [
${images}
  ],
  ${product.sku ? `"sku": "${product.sku}",` : ''}
  ${product.brand ? `"brand": { "@type": "Brand", "name": "${entities(product.brand)}", },` : ''}
  "category": "${product.category}",
${offer}
${rating}
}
</script>`;
  return renderPage(ctx, {
    path,
    title: product.name,
    metaDescription: first,
    head: `${basicOpenGraph(ctx, path, product)}\n${broken}`,
    breadcrumbs: crumbsOf(product),
    main: productBlock(ctx, path, product),
    kind: 'product-page',
  });
}

// --- pages without a product -----------------------------------------------------------------

export interface ListingCard {
  path: string;
  product: ProductSpec;
}

function cards(ctx: RenderContext, listed: ListingCard[]): string {
  return `<ul class="product-grid">${listed
    .map(({ path, product }) => {
      const image = product.images.find((candidate) => !candidate.missing);
      const price = product.price !== undefined && product.currency ? displayPrice(product.price, product.currency) : 'Price on request';
      return `<li class="card"><a href="${escapeHtml(path)}">${image ? `<img src="${escapeHtml(new URL(imageUrl(ctx.baseUrl, path, image), ctx.baseUrl + path).pathname)}" alt="" width="150" height="${Math.round((150 * image.height) / image.width)}" loading="lazy">` : ''}<span class="card-name">${escapeHtml(product.name)}</span></a> <span class="card-price">${escapeHtml(price)}</span></li>`;
    })
    .join('\n')}</ul>`;
}

export function homePage(ctx: RenderContext, featured: ListingCard[], extraLinks: { path: string; text: string }[]): string {
  return renderPage(ctx, {
    path: '/',
    title: 'Shoes, kitchen, audio, outdoor and books',
    metaDescription: `${SHOP_NAME}: hand-picked shoes, kitchenware, audio gear, outdoor equipment and books.`,
    head: jsonLdScript({ '@context': 'https://schema.org', '@type': 'WebSite', name: SHOP_NAME, url: `${ctx.baseUrl}/` }),
    main: `<section class="hero"><h1>Welcome to ${SHOP_NAME}</h1><p>Hand-picked gear for everyday life. New arrivals every week.</p>
<p><a class="banner" href="/deals/spring">Spring deals: up to 30% off selected sneakers</a></p></section>
<section class="categories"><h2>Shop by category</h2><ul>${CATEGORIES.map((category) => `<li><a href="${categoryPath(category)}">${category}</a></li>`).join('')}</ul></section>
<section class="featured"><h2>Featured products</h2>
${cards(ctx, featured)}
</section>
<section class="more"><h2>Also on ${SHOP_NAME}</h2><ul>${extraLinks.map((link) => `<li><a href="${escapeHtml(link.path)}">${escapeHtml(link.text)}</a></li>`).join('')}</ul></section>`,
    kind: 'home',
  });
}

export function categoryPage(ctx: RenderContext, category: Category, listed: ListingCard[]): string {
  const path = categoryPath(category);
  return renderPage(ctx, {
    path,
    title: category,
    metaDescription: `${category} at ${SHOP_NAME}: ${listed.length} products.`,
    head: jsonLdScript({
      '@context': 'https://schema.org',
      '@type': 'ItemList',
      name: category,
      itemListElement: listed.map((card, index) => ({ '@type': 'ListItem', position: index + 1, url: `${ctx.baseUrl}${card.path}` })),
    }),
    breadcrumbs: [{ name: 'Home', path: '/' }, { name: category }],
    main: `<h1>${category}</h1><p class="count">${listed.length} products</p>
<form class="filters"><label>Sort by <select name="sort"><option>Popularity</option><option>Price, low to high</option></select></label></form>
${cards(ctx, listed)}`,
    kind: 'category',
  });
}

export function blogArticlePage(ctx: RenderContext, path: string, mentioned: ListingCard): string {
  const { product } = mentioned;
  const price = product.price !== undefined && product.currency ? displayPrice(product.price, product.currency) : '';
  return renderPage(ctx, {
    path,
    title: 'How to season a cast iron pan',
    metaDescription: 'Seasoning cast iron in five steps: clean, dry, oil, bake, repeat.',
    head: [
      `<meta property="og:type" content="article">`,
      `<meta property="og:title" content="How to season a cast iron pan">`,
      jsonLdScript({
        '@context': 'https://schema.org',
        '@type': 'BlogPosting',
        headline: 'How to season a cast iron pan',
        datePublished: '2025-03-14',
        author: { '@type': 'Person', name: 'Mira Okafor' },
        publisher: { '@type': 'Organization', name: SHOP_NAME },
        mainEntityOfPage: `${ctx.baseUrl}${path}`,
      }),
    ].join('\n'),
    breadcrumbs: [{ name: 'Home', path: '/' }, { name: 'Journal' }, { name: 'How to season a cast iron pan' }],
    main: `<article class="post"><h1>How to season a cast iron pan</h1><p class="byline">By Mira Okafor · 14 March 2025 · 4 min read</p>
<p>A well-seasoned pan is practically non-stick and lasts for generations. Seasoning is nothing more than thin layers of oil baked onto the iron until they polymerise.</p>
<h2>Five steps</h2><ol><li>Scrub the pan with hot water and a stiff brush.</li><li>Dry it completely on the stove.</li><li>Rub a very thin layer of neutral oil over every surface, then wipe it off again.</li><li>Bake upside down at 230 °C for one hour.</li><li>Let it cool in the oven and repeat two or three times.</li></ol>
<p>We use our <a href="${mentioned.path}">${escapeHtml(product.name)}</a>${price ? ` (${escapeHtml(price)})` : ''} in the test kitchen every day.</p></article>`,
    kind: 'article',
  });
}

export function notFoundPage(ctx: RenderContext, path: string): string {
  return renderPage(ctx, {
    path,
    title: 'Page not found',
    metaDescription: 'The page you were looking for does not exist.',
    main: `<h1>Page not found</h1><p>Sorry, we could not find <code>${escapeHtml(path)}</code>. It may have been moved or sold out for good.</p><p><a href="/">Back to the home page</a></p>`,
    kind: 'not-found',
  });
}
