// The shape of a research run's analysis (computed in PostgreSQL by the research store), and
// the facts text the report is written from. Pure: no I/O.

export interface PriceStats {
  currency: string;
  products: number;
  min: number;
  max: number;
  avg: number;
  median: number;
}

export interface DistributionBucket {
  category: string;
  /** Inclusive lower and exclusive upper bound (the last bucket includes its upper bound). */
  from: number;
  to: number;
  products: number;
}

export interface MatchExample {
  researchProductId: string;
  url: string;
  name: string;
  price: number | null;
  currency: string | null;
  ownProductId: string;
  ownPrice: number | null;
  method: 'gtin' | 'sku' | 'embedding';
  score: number;
}

export interface PriceChange {
  researchProductId: string;
  url: string;
  name: string;
  currency: string;
  previousPrice: number;
  price: number;
  changePct: number;
}

export interface ResearchAnalysis {
  runId: string;
  site: string;
  counts: {
    pagesFetched: number;
    pagesFailed: number;
    pagesSkipped: number;
    products: number;
    productsWithPrice: number;
    brands: number;
    categories: number;
  };
  priceByCategory: (PriceStats & { category: string })[];
  priceByBrand: (PriceStats & { brand: string })[];
  distribution: { currency: string; bucketWidth: number; buckets: DistributionBucket[] }[];
  overlap: {
    ownProducts: number;
    matched: number;
    byMethod: { gtin: number; sku: number; embedding: number };
    competitorOnly: number;
    /** Share of the competitor's products that match an own product, in %. */
    matchedPct: number;
    cheaperThanOwn: number;
    dearerThanOwn: number;
    examples: MatchExample[];
  };
  changes: { previousRunId: string; newProducts: number; removedProducts: number; priceChanged: number; examples: PriceChange[] } | null;
  /** Products the report may cite (ids and URLs), capped. */
  citable: { researchProductId: string; url: string; name: string }[];
}

const n = (value: number) => String(Math.round(value * 100) / 100);

/** The analysis as plain lines of facts: every number the report may state appears here. */
export function factsOf(analysis: ResearchAnalysis): string {
  const { counts, overlap, changes } = analysis;
  const lines = [
    `site: ${analysis.site}`,
    `pages fetched: ${counts.pagesFetched}; pages failed: ${counts.pagesFailed}; pages skipped: ${counts.pagesSkipped}`,
    `competitor products: ${counts.products}; with a price: ${counts.productsWithPrice}; brands: ${counts.brands}; categories: ${counts.categories}`,
    ...analysis.priceByCategory.map(
      (s) =>
        `category "${s.category}" (${s.currency}): ${s.products} products, min ${n(s.min)}, max ${n(s.max)}, average ${n(s.avg)}, median ${n(s.median)}`,
    ),
    ...analysis.priceByBrand.slice(0, 15).map((s) => `brand "${s.brand}" (${s.currency}): ${s.products} products, average ${n(s.avg)}`),
    `own catalogue: ${overlap.ownProducts} products; matched competitor products: ${overlap.matched} (${n(overlap.matchedPct)}% of theirs; by GTIN ${overlap.byMethod.gtin}, by SKU ${overlap.byMethod.sku}, by similarity ${overlap.byMethod.embedding}); competitor-only: ${overlap.competitorOnly}`,
    `matched products cheaper at the competitor: ${overlap.cheaperThanOwn}; dearer at the competitor: ${overlap.dearerThanOwn}`,
    ...overlap.examples
      .slice(0, 8)
      .map(
        (m) =>
          `match: competitor product ${m.researchProductId} "${m.name}" at ${m.price === null ? 'no price' : `${n(m.price)} ${m.currency ?? ''}`.trim()} vs own product ${m.ownProductId} at ${m.ownPrice === null ? 'no price' : n(m.ownPrice)} (${m.method}, score ${n(m.score)}), ${m.url}`,
      ),
    changes
      ? `against the previous snapshot ${changes.previousRunId}: new products ${changes.newProducts}, removed products ${changes.removedProducts}, price changes ${changes.priceChanged}`
      : 'no previous snapshot of this site',
    ...(changes?.examples
      .slice(0, 8)
      .map(
        (c) =>
          `price change: ${c.researchProductId} "${c.name}" from ${n(c.previousPrice)} to ${n(c.price)} ${c.currency} (${n(c.changePct)}%), ${c.url}`,
      ) ?? []),
    ...analysis.citable.slice(0, 20).map((p) => `product ${p.researchProductId}: "${p.name}", ${p.url}`),
  ];
  return lines.join('\n');
}
