// The generated catalogue for load tests: /gen/<n>.html for n in 0..99999, each a plain
// JSON-LD product page whose values are derived from n (same n → same page, on any machine).
import type { CatalogPage } from './catalog';
import { CATEGORIES, gtin13, type Currency, type RenderContext } from './html';
import { jsonLdProductPage } from './pages';
import { expectedOf, type ProductImage, type ProductSpec } from './products';

export const GENERATED_PAGE_COUNT = 100_000;
const CURRENCIES: Currency[] = ['EUR', 'USD', 'GBP', 'JPY'];
const BRANDS = ['Nordkamm', 'Ferro Forge', 'Aurelia Audio', 'Fjellvind', 'Orbit Press', 'Halden', 'Lumora'];

export const generatedPath = (n: number) => `/gen/${n}.html`;

/** The one small image of generated page n (ten images shared by all pages). */
export const generatedImage = (n: number): ProductImage => ({ file: `gen-${n % 10}.jpg`, width: 300, height: 300 });

/** n for "/gen/<n>.html" (canonical decimal, in range), else undefined. */
export function parseGeneratedPath(path: string): number | undefined {
  const match = /^\/gen\/(0|[1-9]\d{0,4})\.html$/.exec(path);
  if (!match?.[1]) return undefined;
  const n = Number(match[1]);
  return n < GENERATED_PAGE_COUNT ? n : undefined;
}

export function generatedProduct(n: number): ProductSpec {
  const category = CATEGORIES[n % CATEGORIES.length]!;
  const currency = CURRENCIES[n % CURRENCIES.length]!;
  const minor = 500 + ((n * 7919) % 99_500); // 5.00 … 999.99, or ¥500 … ¥99,999
  const product: ProductSpec = {
    name: `Generated Product ${n}`,
    description: `Generated Product ${n} from the ${category.toLowerCase()} range.\nDeterministic test item number ${n}.`,
    category,
    brand: BRANDS[n % BRANDS.length]!,
    sku: `GEN-${String(n).padStart(5, '0')}`,
    gtin: gtin13(`200${String(n).padStart(9, '0')}`),
    price: currency === 'JPY' ? minor : minor / 100,
    currency,
    availability: n % 11 === 0 ? 'out_of_stock' : 'in_stock',
    images: [generatedImage(n)],
  };
  if (n % 3 !== 0) product.rating = { value: (30 + (n % 21)) / 10, count: 1 + ((n * 37) % 500) };
  return product;
}

/** The manifest entry of generated page n (what a correct extractor finds there). */
export function generatedCatalogPage(n: number): CatalogPage {
  return { path: generatedPath(n), shape: 'jsonld-offer', expected: expectedOf(generatedProduct(n)), behaviour: 'ok', note: `generated product ${n}` };
}

export function renderGeneratedPage(ctx: RenderContext, n: number): string {
  return jsonLdProductPage(ctx, generatedPath(n), generatedProduct(n), { brandForm: n % 2 ? 'string' : 'object' });
}
