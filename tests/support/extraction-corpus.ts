// The real-world-shaped page corpus (tests/fixtures/pages/corpus): each page with a sidecar
// JSON naming the shop pattern it imitates and the values a correct extractor finds. Scoring is
// shared by tests/extraction-corpus.test.ts (asserts every field) and bench/extraction.ts (prints
// per-field accuracy).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PipelineError } from '../../src/errors';
import type { ExtractedProduct } from '../../src/extraction';

export const CORPUS_DIR = path.join(__dirname, '..', 'fixtures', 'pages', 'corpus');

export interface Expected {
  name?: string;
  description?: string;
  brand?: string;
  sku?: string;
  gtin?: string;
  price?: number;
  listPrice?: number;
  highPrice?: number;
  currency?: string;
  availability?: string;
  /** The main image: the first image extracted. */
  image?: string;
}

export interface CorpusPage {
  file: string;
  url: string;
  /** Which kind of shop or platform the layout imitates. */
  pattern: string;
  /** Carries JSON-LD, microdata or OpenGraph product data. */
  structured: boolean;
  expect?: Expected;
  /** Not a product page: listing, event, invoice, article. */
  notProduct?: string;
  html: string;
}

export function loadCorpus(): CorpusPage[] {
  return readdirSync(CORPUS_DIR)
    .filter((file) => file.endsWith('.html'))
    .sort()
    .map((file) => {
      const meta = JSON.parse(readFileSync(path.join(CORPUS_DIR, file.replace(/\.html$/, '.json')), 'utf8')) as Omit<
        CorpusPage,
        'file' | 'html'
      >;
      return { ...meta, file, html: readFileSync(path.join(CORPUS_DIR, file), 'utf8') };
    });
}

export interface FieldResult {
  field: keyof Expected | 'kind';
  ok: boolean;
  want: unknown;
  got: unknown;
}

const same = (a: unknown, b: unknown) =>
  typeof a === 'number' && typeof b === 'number'
    ? Math.abs(a - b) < 0.005
    : typeof a === 'string' && typeof b === 'string'
      ? a.replace(/\s+/g, ' ').trim() === b.replace(/\s+/g, ' ').trim()
      : a === b;

/** Every expected field of one page, right or wrong; a page that is not a product scores "kind". */
export function scorePage(page: CorpusPage, extract: (html: string, url: string) => ExtractedProduct): FieldResult[] {
  let product: ExtractedProduct | undefined;
  let failure: unknown;
  try {
    product = extract(page.html, page.url);
  } catch (error) {
    failure = error;
  }
  if (page.notProduct) {
    const rejected = failure instanceof PipelineError && failure.type === 'ProductNotFound' && !failure.retryable;
    return [
      {
        field: 'kind',
        ok: rejected,
        want: `not a product (${page.notProduct})`,
        got: product ? `product "${product.name.value}"` : String(failure),
      },
    ];
  }
  const expected = page.expect ?? {};
  const results: FieldResult[] = [];
  for (const [field, want] of Object.entries(expected) as [keyof Expected, unknown][]) {
    const got = !product
      ? `(failed: ${(failure as Error)?.message})`
      : field === 'image'
        ? product.images[0]?.value
        : product[field]?.value;
    results.push({ field, ok: same(want, got), want, got });
  }
  // A former price where the page shows none would be invented.
  if (expected.listPrice === undefined && product?.listPrice) {
    results.push({ field: 'listPrice', ok: false, want: undefined, got: product.listPrice.value });
  }
  return results;
}

export const CORPUS_FIELDS: (keyof Expected | 'kind')[] = [
  'name',
  'price',
  'listPrice',
  'highPrice',
  'currency',
  'image',
  'description',
  'brand',
  'sku',
  'gtin',
  'availability',
  'kind',
];

/** fields right / fields checked, per field and overall, for a group of pages. */
export function accuracy(results: FieldResult[]): { perField: Map<string, { ok: number; total: number }>; ok: number; total: number } {
  const perField = new Map<string, { ok: number; total: number }>();
  for (const result of results) {
    const entry = perField.get(result.field) ?? { ok: 0, total: 0 };
    entry.total++;
    if (result.ok) entry.ok++;
    perField.set(result.field, entry);
  }
  return { perField, ok: results.filter((result) => result.ok).length, total: results.length };
}
