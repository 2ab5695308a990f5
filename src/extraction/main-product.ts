// Which product a page is about. A page may describe several (accessories, bundles, related
// items); the main one is chosen on purpose, by how well each matches the page's own identity:
// its canonical URL, its OpenGraph title, its <title> and its main heading, then its position.
import type { ScannedPage } from './page-scan';

export interface PageIdentity {
  /** Page URL, canonical URL and og:url, normalised for comparison. */
  urls: Set<string>;
  ogTitle?: string;
  title?: string;
}

export interface ProductCandidate {
  name?: string;
  /** url, @id, offers.url: where the product says it lives. */
  urls: string[];
  /** The mainEntity of the page's WebPage/ItemPage. */
  mainEntity: boolean;
  /** 0 = Product, 1 = IndividualProduct/ProductModel, 2 = ProductGroup. */
  rank: number;
  order: number;
  priced: boolean;
}

/** host + path, lower-case, without query, fragment or trailing slash. */
export function urlKey(url: string | undefined, base: string): string | undefined {
  if (!url || !URL.canParse(url, base)) return undefined;
  const parsed = new URL(url, base);
  return `${parsed.host.replace(/^www\./, '')}${parsed.pathname.replace(/\/+$/, '')}`.toLowerCase();
}

export function pageIdentity(page: ScannedPage, pageUrl: string): PageIdentity {
  const urls = new Set<string>();
  for (const url of [pageUrl, page.canonical, page.metas.get('og:url')?.[0]]) {
    const key = urlKey(url, pageUrl);
    if (key) urls.add(key);
  }
  return { urls, ogTitle: page.metas.get('og:title')?.[0], title: page.title };
}

const tokens = (text: string) =>
  text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((token) => token.length > 0);

/** 0..1: how much of `name` the text repeats (1 when the text contains the whole name). */
export function nameMatch(name: string | undefined, text: string | undefined): number {
  if (!name || !text) return 0;
  const want = tokens(name);
  if (!want.length) return 0;
  const have = new Set(tokens(text));
  return want.filter((token) => have.has(token)).length / want.length;
}

/** Two names for one product: most words shared either way. */
export function sameProduct(a: string | undefined, b: string | undefined): boolean {
  return Math.max(nameMatch(a, b), nameMatch(b, a)) >= 0.6;
}

export function identityScore(candidate: ProductCandidate, identity: PageIdentity, base: string): number {
  if (!candidate.name) return -100;
  let score = 0;
  if (candidate.urls.some((url) => identity.urls.has(urlKey(url, base) ?? ''))) score += 8;
  if (candidate.mainEntity) score += 5;
  score += 4 * nameMatch(candidate.name, identity.ogTitle);
  score += 3 * nameMatch(candidate.name, identity.title);
  if (candidate.priced) score += 1;
  score -= candidate.rank * 0.5;
  // Earlier wins a tie: shops list the main product before its accessories.
  return score - candidate.order * 0.01;
}

/** Index of the best candidate, or -1. */
export function chooseMain(candidates: ProductCandidate[], identity: PageIdentity, base: string): number {
  let best = -1;
  let bestScore = -Infinity;
  candidates.forEach((candidate, index) => {
    const score = identityScore(candidate, identity, base);
    if (score > bestScore) {
      best = index;
      bestScore = score;
    }
  });
  return bestScore <= -100 ? -1 : best;
}

/** Does any candidate claim the page itself (its URL, or its OpenGraph title)? */
export function claimsPage(candidate: ProductCandidate, identity: PageIdentity, base: string): boolean {
  return (
    candidate.mainEntity ||
    candidate.urls.some((url) => identity.urls.has(urlKey(url, base) ?? '')) ||
    (identity.ogTitle !== undefined && sameProduct(candidate.name, identity.ogTitle)) ||
    nameMatch(candidate.name, identity.title) >= 0.8
  );
}

/** Page types that are not a product even when they carry a price or name one. */
export const NOT_PRODUCT_TYPES = new Set([
  'Event',
  'MusicEvent',
  'SportsEvent',
  'TheaterEvent',
  'BusinessEvent',
  'EducationEvent',
  'Festival',
  'ScreeningEvent',
  'Invoice',
  'Order',
  'Recipe',
  'Article',
  'NewsArticle',
  'BlogPosting',
  'JobPosting',
  'Course',
  'FAQPage',
  'QAPage',
  'Reservation',
  'FlightReservation',
  'LodgingReservation',
  'TicketReservation',
]);

export const LISTING_TYPES = new Set(['ItemList', 'CollectionPage', 'SearchResultsPage', 'OfferCatalog']);
