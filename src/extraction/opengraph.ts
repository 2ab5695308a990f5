// OpenGraph and its product namespace (Facebook/Pinterest catalogues). og:title alone does not
// make a product, since every blog post has one: og:type product* or a product price does.
// A sale is written as product:sale_price (with product:price the regular one) or as
// product:original_price / og:price:standard_amount beside the current price.
import { toFields } from './fields';
import {
  collapse,
  htmlToText,
  normaliseAvailability,
  normaliseCurrency,
  normaliseGtin,
  parseAmount,
  resolveUrl,
  unique,
} from './normalise';
import type { PriceHint } from './price';
import type { SourceDraft } from './types';

export interface OpenGraphReading {
  draft: SourceDraft;
  /** og:type, lower-case ("product", "article", "event"). */
  type: string;
}

export function readOpenGraph(tags: Map<string, string[]>, ctx: { baseUrl: string; hint: PriceHint }): OpenGraphReading {
  const all = (...keys: string[]) => keys.flatMap((key) => tags.get(key) ?? []);
  const first = (...keys: string[]) => all(...keys)[0];
  const amount = (...keys: string[]) =>
    all(...keys)
      .map((value) => parseAmount(value, 'data', ctx.hint))
      .find((value): value is number => value !== undefined && value > 0);

  const regular = amount('product:price:amount', 'og:price:amount');
  const sale = amount('product:sale_price:amount');
  const original = amount('product:original_price:amount', 'og:price:standard_amount', 'product:price:standard_amount');
  const price = sale !== undefined && (regular === undefined || sale < regular) ? sale : regular;
  const former = [sale !== undefined ? regular : undefined, original].find(
    (value) => value !== undefined && price !== undefined && value > price,
  );
  const images = all('og:image', 'og:image:url', 'og:image:secure_url')
    .map((url) => resolveUrl(url, ctx.baseUrl))
    .filter((url): url is string => url !== undefined);
  const text = (value: string | undefined) => (value ? collapse(value) || undefined : undefined);
  const description = first('og:description');
  const type = (first('og:type') ?? '').toLowerCase();

  const values = {
    name: text(first('og:title')),
    description: description ? htmlToText(description) || undefined : undefined,
    brand: text(first('product:brand', 'og:brand')),
    sku: text(first('product:retailer_item_id', 'product:sku')),
    gtin: all('product:gtin', 'product:ean', 'product:upc', 'product:isbn')
      .map(normaliseGtin)
      .find((gtin) => gtin !== undefined),
    price,
    listPrice: former,
    currency: normaliseCurrency(first('product:price:currency', 'og:price:currency', 'product:sale_price:currency'), ctx.hint),
    availability: normaliseAvailability(first('product:availability', 'og:availability')),
    images: images.length ? unique(images) : undefined,
    category: text(first('product:category')),
  };
  const isProduct = type.startsWith('product') || type === 'og:product' || price !== undefined;
  return { draft: { source: 'og', isProduct, fields: toFields(values, 'og'), name: values.name }, type };
}
