// Reads a schema.org Product node. JSON-LD objects and microdata items (converted to the same
// shape by microdata.ts) go through this one reader, so both follow the same rules.
import {
  collapse, decodeEntities, htmlToText, normaliseAvailability, normaliseCurrency, normaliseGtin,
  parseAmount, parseMoney, resolveUrl, unique,
} from './normalise';
import type { Availability, ProductValues, Rating } from './types';

export type Node = Record<string, unknown>;

export interface ReadContext {
  baseUrl: string;
  /** Follows `{"@id": …}` references to the node they name (JSON-LD @graph); identity otherwise. */
  deref: (value: unknown) => unknown;
  /** JSON-LD strings may carry HTML entities; microdata text is already decoded by the parser. */
  decode: boolean;
}

export const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const asArray = (value: unknown): unknown[] =>
  value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];

/** Local type names: "Product", "schema:Product" and "http://schema.org/Product" are one type. */
export function typesOf(node: Node): string[] {
  return asArray(node['@type'])
    .filter((type): type is string => typeof type === 'string')
    .map((type) => type.split(/[/:#]/).pop() ?? type);
}

/** 0 = Product, 1 = IndividualProduct/ProductModel, 2 = ProductGroup, undefined = not a product. */
export function productRank(node: Node): number | undefined {
  const types = typesOf(node);
  if (types.includes('Product')) return 0;
  if (types.includes('IndividualProduct') || types.includes('ProductModel')) return 1;
  if (types.includes('ProductGroup')) return 2;
  return undefined;
}

export function readProductNode(node: Node, ctx: ReadContext): ProductValues {
  const text = (value: unknown) => firstText(value, ctx);
  let offer = readOffers(node.offers, ctx);
  if (offer.price === undefined && node.hasVariant !== undefined) {
    // A ProductGroup often prices only its variants.
    const variantOffers = asArray(node.hasVariant).map(ctx.deref).filter(isNode).flatMap((variant) => asArray(variant.offers));
    offer = readOffers(variantOffers, ctx);
  }
  const description = text(node.description);
  return {
    name: text(node.name),
    description: description === undefined ? undefined : htmlToText(description) || undefined,
    brand: readNamed(node.brand, ctx),
    sku: text(node.sku),
    gtin: ['gtin', 'gtin13', 'gtin12', 'gtin14', 'gtin8']
      .flatMap((key) => asArray(node[key]))
      .map(normaliseGtin)
      .find((gtin) => gtin !== undefined),
    ...offer,
    images: readImages(node.image, ctx),
    category: readCategory(node.category, ctx),
    rating: readRating(node.aggregateRating, ctx),
  };
}

function firstText(value: unknown, ctx: ReadContext): string | undefined {
  for (const item of asArray(value).map(ctx.deref)) {
    if (typeof item !== 'string' && typeof item !== 'number') continue;
    const text = collapse(ctx.decode ? decodeEntities(String(item)) : String(item));
    if (text) return text;
  }
  return undefined;
}

/** brand/category: a string, or an object (Brand, Organization, Thing) with a name. */
function readNamed(value: unknown, ctx: ReadContext): string | undefined {
  for (const item of asArray(value).map(ctx.deref)) {
    const name = isNode(item) ? firstText(item.name, ctx) : firstText(item, ctx);
    if (name) return name;
  }
  return undefined;
}

function readCategory(value: unknown, ctx: ReadContext): string | undefined {
  const parts = asArray(value)
    .map((item) => readNamed(item, ctx))
    .filter((part): part is string => part !== undefined);
  // A list of categories is a path from the broadest one down.
  return parts.length ? parts.join(' > ') : undefined;
}

interface OfferValues {
  price?: number;
  currency?: string;
  availability?: Availability;
}

/** Offer, Offer[] or AggregateOffer: the lowest price, with that offer's currency and availability. */
function readOffers(value: unknown, ctx: ReadContext): OfferValues {
  const offers = asArray(value).map(ctx.deref).filter(isNode).map((offer) => readOffer(offer, ctx));
  const priced = offers.filter((offer) => offer.price !== undefined);
  // Prices in different currencies cannot be compared: keep the first priced offer's currency.
  const currency = priced[0]?.currency;
  const comparable = priced.filter((offer) => offer.currency === currency);
  const lowest = comparable.reduce<OfferValues | undefined>(
    (best, offer) => (best === undefined || offer.price! < best.price! ? offer : best),
    undefined,
  );
  return {
    price: lowest?.price,
    currency: lowest ? lowest.currency : offers.find((offer) => offer.currency)?.currency,
    availability: lowest?.availability ?? offers.find((offer) => offer.availability)?.availability,
  };
}

function readOffer(offer: Node, ctx: ReadContext): OfferValues {
  const isAggregate = typesOf(offer).includes('AggregateOffer');
  const spec = asArray(offer.priceSpecification).map(ctx.deref).find(isNode);
  const raw = asArray(isAggregate ? (offer.lowPrice ?? offer.price) : (offer.price ?? spec?.price ?? offer.lowPrice))[0];
  // Microdata prices are often visible text with a symbol ("€1.299,00").
  const money = typeof raw === 'string' ? parseMoney(raw, 'data') : undefined;
  const amount = money?.amount ?? parseAmount(raw);
  const own: OfferValues = {
    // Zero is what shops print for "price on request"; it is not an offer price.
    price: amount !== undefined && amount > 0 ? amount : undefined,
    currency: normaliseCurrency(firstText(offer.priceCurrency ?? spec?.priceCurrency, ctx)) ?? money?.currency,
    availability: normaliseAvailability(firstText(offer.availability, ctx)),
  };
  if (own.price !== undefined || offer.offers === undefined) return own;
  // An AggregateOffer without lowPrice may still list its offers.
  const nested = readOffers(offer.offers, ctx);
  return { price: nested.price, currency: nested.currency ?? own.currency, availability: own.availability ?? nested.availability };
}

/** image: URL, URL[], ImageObject or ImageObject[] (url or contentUrl). */
function readImages(value: unknown, ctx: ReadContext): string[] | undefined {
  const urls = asArray(value)
    .map(ctx.deref)
    .flatMap((item) => (isNode(item) ? asArray(item.url ?? item.contentUrl) : [item]))
    .map((url) => resolveUrl(typeof url === 'string' && ctx.decode ? decodeEntities(url) : url, ctx.baseUrl))
    .filter((url): url is string => url !== undefined);
  return urls.length ? unique(urls) : undefined;
}

function readRating(value: unknown, ctx: ReadContext): Rating | undefined {
  const rating = asArray(value).map(ctx.deref).find(isNode);
  if (!rating) return undefined;
  const ratingValue = parseAmount(firstText(rating.ratingValue, ctx));
  const count = parseAmount(firstText(rating.reviewCount ?? rating.ratingCount, ctx), 'text');
  if (ratingValue === undefined || count === 0) return undefined;
  return count === undefined ? { value: ratingValue } : { value: ratingValue, count: Math.round(count) };
}
