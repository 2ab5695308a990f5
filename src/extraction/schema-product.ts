// Reads a schema.org Product node. JSON-LD objects and microdata items (converted to the same
// shape by microdata.ts) go through this one reader, so both follow the same rules.
import {
  collapse,
  decodeEntities,
  htmlToText,
  normaliseAvailability,
  normaliseCurrency,
  normaliseGtin,
  parseAmount,
  parseMoney,
  resolveUrl,
  unique,
} from './normalise';
import type { PriceHint } from './price';
import type { Availability, ProductValues, Rating } from './types';

export type Node = Record<string, unknown>;

export interface ReadContext {
  baseUrl: string;
  /** Follows `{"@id": …}` references to the node they name (JSON-LD @graph); identity otherwise. */
  deref: (value: unknown) => unknown;
  /** JSON-LD strings may carry HTML entities; microdata text is already decoded by the parser. */
  decode: boolean;
  /** The page's country, for ambiguous currency signs ("$", "kr"). */
  hint?: PriceHint;
}

export const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

export const asArray = (value: unknown): unknown[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);

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
    const variantOffers = asArray(node.hasVariant)
      .map(ctx.deref)
      .filter(isNode)
      .flatMap((variant) => asArray(variant.offers));
    offer = readOffers(variantOffers, ctx);
  }
  const description = text(node.description);
  const { sku: offerSku, gtin: offerGtin, ...prices } = offer;
  return {
    name: text(node.name),
    description: description === undefined ? undefined : htmlToText(description) || undefined,
    brand: readNamed(node.brand, ctx) ?? readNamed(node.manufacturer, ctx),
    // The Product's own identifiers first; many shops put them only on the Offer.
    sku: text(node.sku) ?? offerSku,
    gtin: readGtin(node, ctx) ?? offerGtin,
    ...prices,
    images: readImages(node.image, ctx),
    category: readCategory(node.category, ctx),
    rating: readRating(node.aggregateRating, ctx),
  };
}

const GTIN_KEYS = ['gtin', 'gtin13', 'gtin12', 'gtin14', 'gtin8', 'isbn'];

function readGtin(node: Node, ctx: ReadContext): string | undefined {
  return GTIN_KEYS.flatMap((key) => asArray(node[key]).map(ctx.deref))
    .map(normaliseGtin)
    .find((gtin) => gtin !== undefined);
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
  listPrice?: number;
  highPrice?: number;
  currency?: string;
  availability?: Availability;
  sku?: string;
  gtin?: string;
}

/** Offer, Offer[] or AggregateOffer: the lowest price, with that offer's currency, availability,
 *  former price and identifiers. */
function readOffers(value: unknown, ctx: ReadContext): OfferValues {
  const offers = asArray(value)
    .map(ctx.deref)
    .filter(isNode)
    .slice(0, 200)
    .map((offer) => readOffer(offer, ctx));
  const priced = offers.filter((offer) => offer.price !== undefined);
  // Prices in different currencies cannot be compared: keep the first priced offer's currency.
  const currency = priced[0]?.currency;
  const comparable = priced.filter((offer) => offer.currency === currency);
  const lowest = comparable.reduce<OfferValues | undefined>(
    (best, offer) => (best === undefined || offer.price! < best.price! ? offer : best),
    undefined,
  );
  const highest = Math.max(...comparable.map((offer) => offer.highPrice ?? offer.price!));
  return {
    price: lowest?.price,
    listPrice: lowest?.listPrice,
    highPrice: lowest && highest > lowest.price! ? highest : undefined,
    currency: lowest ? lowest.currency : offers.find((offer) => offer.currency)?.currency,
    availability: lowest?.availability ?? offers.find((offer) => offer.availability)?.availability,
    sku: lowest?.sku ?? offers.find((offer) => offer.sku)?.sku,
    gtin: lowest?.gtin ?? offers.find((offer) => offer.gtin)?.gtin,
  };
}

// schema.org and Google's price types: the former price a sale price is compared with.
const FORMER_PRICE_TYPES = new Set(['listprice', 'strikethroughprice', 'srp', 'msrp', 'regularprice', 'originalprice']);

interface SpecPrice {
  amount: number;
  currency?: string;
  former: boolean;
}

/** PriceSpecification/UnitPriceSpecification entries; a unit price ("per 100 g") is not the price. */
function readPriceSpecifications(value: unknown, ctx: ReadContext): SpecPrice[] {
  return asArray(value)
    .map(ctx.deref)
    .filter(isNode)
    .slice(0, 50)
    .filter((spec) => spec.referenceQuantity === undefined && spec.unitCode === undefined)
    .flatMap((spec) => {
      const money = readAmount(asArray(spec.price)[0] ?? asArray(spec.minPrice)[0], ctx);
      if (money.amount === undefined || money.amount <= 0) return [];
      const priceType = (firstText(spec.priceType, ctx) ?? '')
        .split(/[/:#]/)
        .pop()!
        .toLowerCase()
        .replace(/[^a-z]/g, '');
      const currency = normaliseCurrency(firstText(spec.priceCurrency, ctx)) ?? money.currency;
      return [{ amount: money.amount, currency, former: FORMER_PRICE_TYPES.has(priceType) }];
    });
}

function readAmount(raw: unknown, ctx: ReadContext): { amount?: number; currency?: string } {
  // Microdata prices are often visible text with a symbol ("€1.299,00").
  const money = typeof raw === 'string' ? parseMoney(raw, 'data', ctx.hint) : undefined;
  return { amount: money?.amount ?? parseAmount(raw), currency: money?.currency };
}

function readOffer(offer: Node, ctx: ReadContext): OfferValues {
  const isAggregate = typesOf(offer).includes('AggregateOffer');
  const specs = readPriceSpecifications(offer.priceSpecification, ctx);
  const current = specs.filter((spec) => !spec.former);
  const former = specs.filter((spec) => spec.former);
  const raw = asArray(isAggregate ? (offer.lowPrice ?? offer.price) : (offer.price ?? offer.lowPrice))[0];
  const own = readAmount(raw, ctx);
  const specPrice = current.length ? Math.min(...current.map((spec) => spec.amount)) : undefined;
  // Zero is what shops print for "price on request"; it is not an offer price.
  const amount = own.amount !== undefined && own.amount > 0 ? own.amount : specPrice;
  const listPrice = former.map((spec) => spec.amount).find((value) => amount !== undefined && value > amount);
  const high = readAmount(asArray(offer.highPrice)[0], ctx).amount;
  const values: OfferValues = {
    price: amount,
    listPrice,
    highPrice: high !== undefined && amount !== undefined && high > amount ? high : undefined,
    currency: normaliseCurrency(firstText(offer.priceCurrency, ctx)) ?? own.currency ?? current[0]?.currency ?? former[0]?.currency,
    availability: normaliseAvailability(firstText(offer.availability, ctx)),
    sku: firstText(offer.sku, ctx),
    gtin: readGtin(offer, ctx),
  };
  if (values.price !== undefined || offer.offers === undefined) return values;
  // An AggregateOffer without lowPrice may still list its offers.
  const nested = readOffers(offer.offers, ctx);
  return { ...nested, currency: nested.currency ?? values.currency, availability: values.availability ?? nested.availability };
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
