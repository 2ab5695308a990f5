// Last resort for pages without structured data: read what a shopper sees, as the page scan
// gathered it. Each field is chosen by ranking candidates, not by taking the first one: the first
// <h1> of a marketplace is often a widget ("Adding to Cart..."), the first picture an icon or a
// thumbnail, the first price a mini cart's.
import { PENALTY, toFields, type Penalties } from './fields';
import { nameMatch } from './main-product';
import { htmlToText, normaliseGtin, parseMoney, resolveUrl, unique } from './normalise';
import type { HeadingCandidate, ImageCandidate, PriceCandidate, ScannedPage } from './page-scan';
import { parsePrice, type PriceHint } from './price';
import type { Availability, ProductValues, SourceDraft } from './types';

// Headings of widgets, dialogs and page sections, not of a product.
const WIDGET_HEADING =
  /^(?:adding to (?:cart|bag|basket)|added to|add to (?:cart|bag|basket)|follow|sign in|log ?in|your (?:cart|bag|basket)|shopping (?:cart|bag)|menu|search|loading|cookie|customers (?:also|who)|related|recommended|you (?:may|might) also|reviews?|customer reviews|description|product (?:details|description|information)|free (?:shipping|delivery)|sponsored|share|report|similar items|frequently bought|about this item|questions|warenkorb|panier)\b|\.\.\.$|…$/i;
const UNIT_OR_INSTALMENT =
  /\/\s?(?:kg|g|l|ml|m|100\s?g|100\s?ml|st(?:ü|u)ck|unit|ea)\b|\bper\s|\bje\s|\bpro\s|monthly|\/mo\b|instal?lments?|payments? of|klarna|afterpay|shipping|versand|delivery|total|subtotal|save\s|you save|sparen|-\d+\s?%/i;
const UNIT_HINT = /unit-?price|base-?price|grundpreis|installment|klarna|afterpay|shipping|total|subtotal|saving|discount|badge/i;
const NOT_PICTURE =
  /(?:^|[^a-z])(?:icons?|logos?|sprites?|pixel|spacer|blank|tracking|badges?|avatars?|payment|flags?|rating|stars?|loader|spinner|placeholder|banner|ads?|advert\w*|sponsor\w*|swatch(?:es)?)(?:[^a-z]|$)|\.svg(?:[?#]|$)|\.gif(?:[?#]|$)/i;
const THUMBNAIL =
  /(?:^|[^a-z])(?:thumbs?|thumbnails?|mini|small|tiny)(?:[^a-z]|$)|[._-](?:\d{2}x\d{2}|S[SX]\d{2,3}|US\d{2,3}|thumb|sm|xs)[._-]|[?&](?:w|width|size)=(?:[1-9]\d?|1\d\d)(?:&|$)/i;

const IN_STOCK =
  /(?<!\p{L})(?:in stock|available|auf lager|lieferbar|en stock|disponible|disponibile|skladem|dostępny|na stanie|на складе|в наличии|ships? (?:today|in|within))(?!\p{L})/iu;
const OUT_OF_STOCK =
  /(?<!\p{L})(?:out of stock|sold out|unavailable|not available|ausverkauft|nicht (?:auf lager|verfügbar|lieferbar)|épuisé|rupture de stock|agotado|esaurito|niedostępny|vyprodáno|нет в наличии)(?!\p{L})/iu;
const PRE_ORDER = /\bpre-?order|vorbestell|précommande|reserva\b/i;
const BACKORDER = /\bback-?order|on backorder|nachbestellt/i;

export function availabilityFromText(text: string): Availability | undefined {
  // Negative phrases first: "not available" contains "available".
  if (OUT_OF_STOCK.test(text)) return 'out_of_stock';
  if (PRE_ORDER.test(text)) return 'preorder';
  if (BACKORDER.test(text)) return 'backorder';
  if (IN_STOCK.test(text)) return 'in_stock';
  return undefined;
}

/** The product's name: the heading that best looks like one and best matches the page's titles. */
export function chooseHeading(page: ScannedPage): HeadingCandidate | undefined {
  const ogTitle = page.metas.get('og:title')?.[0];
  let best: HeadingCandidate | undefined;
  let bestScore = -Infinity;
  for (const heading of page.headings) {
    const text = heading.text;
    if (heading.aside || text.length < 2 || text.length > 300 || WIDGET_HEADING.test(text) || !/\p{L}/u.test(text)) continue;
    let score = 0;
    if (heading.tag === 'h1') score += 3;
    if (/product|item|listing/i.test(heading.hints) && /title|name/i.test(heading.hints)) score += 3;
    else if (/title|name/i.test(heading.hints)) score += 1;
    if (heading.inProduct) score += 2;
    if (heading.inMain || !page.sawMain) score += 1;
    score += 4 * nameMatch(text, ogTitle) + 3 * nameMatch(text, page.title);
    score -= heading.order * 1e-6;
    // The innermost of nested candidates with the same text (h1 > span#productTitle) wins a tie.
    if (score > bestScore || (score === bestScore && best?.text === text)) {
      best = heading;
      bestScore = score;
    }
  }
  return best;
}

interface PricePick {
  amount: number;
  currency: string;
  listPrice?: number;
}

function choosePrice(page: ScannedPage, heading: HeadingCandidate | undefined, hint: PriceHint): PricePick | undefined {
  const read = (candidate: PriceCandidate) => {
    if (candidate.aside || candidate.inCard || UNIT_HINT.test(candidate.hints) || UNIT_OR_INSTALMENT.test(candidate.text)) return undefined;
    const money = parseMoney(candidate.text, 'text', hint);
    return money && money.amount > 0 ? money : undefined;
  };
  let best: { candidate: PriceCandidate; money: { amount: number; currency: string } } | undefined;
  let bestScore = -Infinity;
  for (const candidate of page.prices) {
    if (candidate.former) continue;
    const money = read(candidate);
    if (!money) continue;
    let score = 0;
    if (candidate.inProduct) score += 2;
    if (candidate.inMain || !page.sawMain) score += 1;
    if (candidate.sale) score += 1;
    // Bare text without any price hint is a weaker candidate than a marked-up price.
    if (candidate.hints.startsWith('#text')) score -= 1;
    // The price shoppers read is the first one after the product's name.
    if (heading) score += candidate.order > heading.order ? 2 - Math.min(1.5, (candidate.order - heading.order) / 200) : -1;
    score -= candidate.order * 1e-6;
    if (score > bestScore) {
      best = { candidate, money };
      bestScore = score;
    }
  }
  best ??= withoutSign(page, heading, hint);
  if (!best) return undefined;
  const chosen = best;
  // A struck-through or "was" price next to the chosen one is the regular price it is compared with.
  const listPrice = page.prices
    .filter((candidate) => candidate.former && !candidate.aside && Math.abs(candidate.order - chosen.candidate.order) < 40)
    .map((candidate) => parseMoney(candidate.text, 'text', hint))
    .find((money) => money && money.currency === chosen.money.currency && money.amount > chosen.money.amount)?.amount;
  return { ...chosen.money, listPrice };
}

/**
 * A marked-up price printed without its currency ("34<sup>99</sup>" beside "€ 44,99"): the
 * currency of the other prices in the product area, if they all agree.
 */
function withoutSign(page: ScannedPage, heading: HeadingCandidate | undefined, hint: PriceHint) {
  const near = page.prices.filter((candidate) => !candidate.aside && !candidate.inCard && (candidate.inProduct || candidate.inMain));
  const currencies = new Set(
    near.map((candidate) => parseMoney(candidate.text, 'text', hint)?.currency).filter((currency) => currency !== undefined),
  );
  if (currencies.size !== 1) return undefined;
  const currency = [...currencies][0]!;
  const candidate = [...near]
    .sort((a, b) => a.order - b.order)
    .find(
      (entry) =>
        !entry.former && !entry.hints.startsWith('#text') && !UNIT_HINT.test(entry.hints) && (!heading || entry.order > heading.order),
    );
  const amount = candidate ? parsePrice(candidate.text, { hint: { ...hint, currency }, requireCurrency: false })?.amount : undefined;
  return candidate && amount !== undefined && amount > 0 ? { candidate, money: { amount, currency } } : undefined;
}

/** Pictures ranked: gallery, og:image, declared size and product hints up; icons, ads, thumbnails out. */
export function rankImages(
  page: ScannedPage,
  baseUrl: string,
  name: string | undefined,
  productIds: string[],
): { urls: string[]; guessed: boolean } {
  const ogImages = new Set((page.metas.get('og:image') ?? []).map((url) => resolveUrl(url, baseUrl)));
  const ranked: { url: string; score: number; order: number; strong: boolean }[] = [];
  for (const image of page.images) {
    if (image.aside || image.hidden || image.inCard) continue;
    const url = image.urls.map((src) => resolveUrl(src, baseUrl)).find((src) => src !== undefined);
    if (!url) continue;
    const score = imageScore(image, url, ogImages, name, productIds);
    if (score !== undefined)
      ranked.push({ url, score, order: image.order, strong: image.inGallery || image.itemprop || ogImages.has(url) });
  }
  ranked.sort((a, b) => b.score - a.score || a.order - b.order);
  const urls = unique(ranked.map((entry) => entry.url)).slice(0, 8);
  // Without a gallery, itemprop or og:image behind it, the top picture is a guess.
  return { urls, guessed: !ranked[0]?.strong };
}

function imageScore(
  image: ImageCandidate,
  url: string,
  ogImages: Set<string | undefined>,
  name: string | undefined,
  productIds: string[],
): number | undefined {
  const hints = `${url} ${image.hints} ${image.alt}`;
  if (NOT_PICTURE.test(`${url} ${image.hints}`)) return undefined;
  const small = (image.width !== undefined && image.width < 100) || (image.height !== undefined && image.height < 100);
  if (small) return undefined;
  let score = 0;
  if (ogImages.has(url)) score += 4;
  if (image.inGallery) score += 3;
  if (image.itemprop) score += 3;
  if (image.inProduct) score += 1;
  if (image.inMain) score += 0.5;
  const area = (image.width ?? 0) * (image.height ?? 0);
  if (area >= 400 * 400) score += 2;
  else if (area >= 200 * 200) score += 1;
  if (THUMBNAIL.test(url)) score -= 3;
  if (name && nameMatch(name, image.alt) >= 0.6) score += 1.5;
  if (productIds.some((id) => id.length >= 4 && hints.toLowerCase().includes(id.toLowerCase()))) score += 1.5;
  return score;
}

const SKU_LINE =
  /(?<!\p{L})(?:SKU|Item (?:number|no\.?|#)|Art(?:ikel)?[-.\s]?(?:Nr|nummer)\.?|Model(?: number| no\.?)?|Part (?:number|no\.?)|Kód|Ref\.?|Référence|Артикул)\s*[:#.]?\s*([A-Z0-9][A-Z0-9._/-]{2,30})(?![\p{L}\p{N}])/iu;
const GTIN_LINE = /\b(?:EAN|GTIN|UPC|ISBN)(?:-?1[0234])?\s*[:#]?\s*(\d[\d -]{6,17}\d)\b/i;
const BRAND_LINE =
  /(?:^|\n)\s*(?:Brand|Marke|Merk|Marque|Marca|Marka|Značka|Výrobce|Producent|Бренд|Manufacturer|Hersteller)\s*[:\n]\s*([^\n|]{2,40})|\bVisit the ([^\n]{2,40}?) Store\b/i;

function labelled(page: ScannedPage) {
  const text = page.visibleText;
  const gtin = GTIN_LINE.exec(text)?.[1];
  const brand = BRAND_LINE.exec(text);
  return {
    sku: SKU_LINE.exec(text)?.[1],
    gtin: gtin ? normaliseGtin(gtin) : undefined,
    brand: (brand?.[1] ?? brand?.[2])?.trim(),
  };
}

function chooseDescription(page: ScannedPage): string | undefined {
  const visible = page.descriptions
    .filter((block) => !block.aside && block.text.length >= 20)
    .sort((a, b) => Number(b.inProduct || b.inMain) - Number(a.inProduct || a.inMain) || a.order - b.order)[0];
  if (visible) return visible.text.replace(/\s*\n\s*/g, ' ').replace(/^(?:product )?description:?\s+/i, '');
  const meta = page.metas.get('description')?.[0];
  return meta ? htmlToText(meta) || undefined : undefined;
}

export interface FallbackReading {
  draft: SourceDraft;
  /** The heading chosen as the name, for checking that sources describe one product. */
  heading?: string;
}

export function readHtmlFallback(page: ScannedPage, ctx: { baseUrl: string; hint: PriceHint; productIds: string[] }): FallbackReading {
  const heading = chooseHeading(page);
  const titleName = page.title?.split(/\s[|–—·:]\s|\s-\s/)[0]?.trim();
  const name = heading?.text ?? (titleName || undefined);
  const price = choosePrice(page, heading, ctx.hint);
  const ids = labelled(page);
  const images = rankImages(page, ctx.baseUrl, name, [...ctx.productIds, ...(ids.sku ? [ids.sku] : [])]);
  const availability = page.stockLabels
    .filter((label) => !label.aside)
    .map((label) => availabilityFromText(label.text))
    .find((value) => value !== undefined);

  const values: ProductValues = {
    name,
    description: chooseDescription(page),
    brand: ids.brand,
    sku: ids.sku,
    gtin: ids.gtin,
    price: price?.amount,
    listPrice: price?.listPrice,
    currency: price?.currency,
    availability,
    images: images.urls.length ? images.urls : undefined,
  };
  // A <title> and an arbitrary large picture are weaker guesses than a heading and a gallery.
  const penalties: Penalties = { name: heading ? 0 : PENALTY, images: images.guessed ? PENALTY : 0 };
  // A heading and a price alone make no product page (an event, an invoice); one more sign does:
  // a buy button, a product area, a product picture, a product identifier.
  const productSign =
    page.addToCart > 0 || heading?.inProduct === true || images.urls.length > 0 || ids.sku !== undefined || ids.gtin !== undefined;
  return {
    draft: { source: 'html', isProduct: price !== undefined && productSign, fields: toFields(values, 'html', 0, penalties), name },
    heading: heading?.text,
  };
}
