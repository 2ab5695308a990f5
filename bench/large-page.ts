// Builds a large product page the way big shops serve them: a product with complete JSON-LD at
// the top, then thousands of review blocks, recommendation cards with their own prices and
// pictures, and inline state. Deterministic, so sizes and timings compare run to run.

export interface LargePageOptions {
  /** Approximate size of the page in bytes. */
  bytes: number;
  /** Leave out the JSON-LD block, so the visible-HTML fallback has to do the work. */
  structuredData?: boolean;
}

export function largeProductPage({ bytes, structuredData = true }: LargePageOptions): string {
  const head = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Granite Trail Runner 3 – Men's Trail Shoes | Peakline</title>
<link rel="canonical" href="https://peakline.example/p/granite-trail-runner-3">
<meta property="og:type" content="product"><meta property="og:title" content="Granite Trail Runner 3">
<meta property="og:image" content="https://cdn.peakline.example/img/gtr3-main-1600.jpg">
${
  structuredData
    ? `<script type="application/ld+json">${JSON.stringify({
        '@context': 'https://schema.org',
        '@type': 'Product',
        '@id': 'https://peakline.example/p/granite-trail-runner-3#product',
        name: 'Granite Trail Runner 3',
        description: 'Trail shoe with a rock plate and 5 mm lugs.',
        sku: 'GTR3-M',
        brand: { '@type': 'Brand', name: 'Peakline' },
        image: ['https://cdn.peakline.example/img/gtr3-main-1600.jpg'],
        gtin13: '4006381333931',
        offers: { '@type': 'Offer', price: '139.95', priceCurrency: 'USD', availability: 'https://schema.org/InStock' },
      })}</script>`
    : ''
}
</head><body><header class="site-header"><nav><a href="/">Home</a></nav><div class="mini-cart"><span class="price">$0.00</span></div></header>
<main><div class="product-detail"><h1 class="product-title">Granite Trail Runner 3</h1>
<div class="product-gallery"><img src="https://cdn.peakline.example/img/gtr3-main-1600.jpg" width="1600" height="1600" alt="Granite Trail Runner 3"></div>
<div class="product-price"><span class="price">$139.95</span></div><button class="add-to-cart">Add to cart</button>
<div class="product-description"><p>Trail shoe with a rock plate and 5 mm lugs.</p></div></div>`;
  const tail = '</main><footer><p>© Peakline</p></footer></body></html>';
  const parts: string[] = [head];
  let size = head.length + tail.length;
  for (let i = 0; size < bytes; i++) {
    const block =
      i % 3 === 0
        ? `<section class="recommendations"><div class="card"><div class="card-inner"><a href="/p/item-${i}"><img src="https://cdn.peakline.example/img/item-${i}-thumb.jpg" width="120" height="120" alt="Item ${i}"></a><div class="card-body"><span class="card-title">Trail accessory ${i}</span><div class="price-box"><span class="price">$${(i % 90) + 9}.99</span><span class="old-price">$${(i % 90) + 19}.99</span></div></div></div></div></section>`
        : `<div class="review" id="review-${i}"><div class="review-head"><span class="stars" style="width:80%">4 of 5</span><b>Runner ${i}</b></div><div class="review-body"><p>Comfortable on rocky ground, the lugs bite well in mud and the upper drains quickly after river crossings. Size runs half a size small.</p><p>Bought on sale for $${(i % 50) + 99}.00 – worth it.</p></div></div>`;
    parts.push(block);
    size += block.length;
  }
  parts.push(tail);
  return parts.join('');
}
