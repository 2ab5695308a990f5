// OpenGraph and its product namespace (Facebook/Pinterest catalogues). og:title alone does not
// make a product, since every blog post has one: og:type product* or a product price does.
import type { CheerioAPI } from 'cheerio';
import { toFields } from './fields';
import {
  collapse, htmlToText, normaliseAvailability, normaliseCurrency, normaliseGtin, parseAmount, resolveUrl, unique,
} from './normalise';
import type { SourceDraft } from './types';

export function readOpenGraph($: CheerioAPI, baseUrl: string): SourceDraft {
  // Shops write both <meta property="og:…"> and <meta name="og:…">.
  const tags = new Map<string, string[]>();
  $('meta').each((_, meta) => {
    const key = ($(meta).attr('property') ?? $(meta).attr('name') ?? '').trim().toLowerCase();
    const content = $(meta).attr('content')?.trim();
    if (key && content) tags.set(key, [...(tags.get(key) ?? []), content]);
  });
  const all = (...keys: string[]) => keys.flatMap((key) => tags.get(key) ?? []);
  const first = (...keys: string[]) => all(...keys)[0];

  const amounts = all('product:price:amount', 'og:price:amount', 'product:sale_price:amount')
    .map((amount) => parseAmount(amount))
    .filter((amount): amount is number => amount !== undefined && amount > 0);
  const images = all('og:image', 'og:image:url')
    .map((url) => resolveUrl(url, baseUrl))
    .filter((url): url is string => url !== undefined);
  const text = (value: string | undefined) => (value ? collapse(value) || undefined : undefined);
  const description = first('og:description');
  const type = (first('og:type') ?? '').toLowerCase();

  const values = {
    name: text(first('og:title')),
    description: description ? htmlToText(description) || undefined : undefined,
    brand: text(first('product:brand', 'og:brand')),
    sku: text(first('product:retailer_item_id', 'product:sku')),
    gtin: all('product:gtin', 'product:ean', 'product:upc').map(normaliseGtin).find((gtin) => gtin !== undefined),
    price: amounts.length ? Math.min(...amounts) : undefined,
    currency: normaliseCurrency(first('product:price:currency', 'og:price:currency')),
    availability: normaliseAvailability(first('product:availability', 'og:availability')),
    images: images.length ? unique(images) : undefined,
    category: text(first('product:category')),
  };
  const isProduct = type.startsWith('product') || type === 'og:product' || amounts.length > 0;
  return { source: 'og', isProduct, fields: toFields(values, 'og') };
}
