// Structured product data from a product page's HTML, with provenance and confidence per field.
// Pure: no I/O; the caller fetches the page. One streaming pass reads the page (page-scan.ts);
// JSON-LD, microdata, OpenGraph and the visible HTML are then read from what it gathered.
import { permanent } from '../errors';
import { readHtmlFallback } from './html-fallback';
import { readJsonLd } from './jsonld';
import { LISTING_TYPES, NOT_PRODUCT_TYPES, pageIdentity, sameProduct } from './main-product';
import { mergeDrafts } from './merge';
import { readMicrodata } from './microdata';
import { readOpenGraph } from './opengraph';
import { scanPage, type ScannedPage } from './page-scan';
import type { PriceHint } from './price';
import type { ExtractedProduct, SourceDraft } from './types';

export type { Availability, ExtractedProduct, Field, Provenance, Rating } from './types';
export { BASE_CONFIDENCE, PENALTY } from './fields';
export { parseJsonLdBlock } from './jsonld';
export { productFromFeed, type FeedProduct } from './feed';
export { normaliseAvailability, normaliseCurrency, normaliseGtin, parseAmount, parseMoney } from './normalise';
export { parsePrice } from './price';
export { scanPage, type ScannedPage } from './page-scan';
export { fillFromLlm, LLM_FILLABLE, pageEvidence, verifyLlmAnswer, type LlmProductAnswer, type Rejection } from './llm-fill';

// OpenGraph types of pages that are not products (og:type "article", "event", "video.movie"…).
const NOT_PRODUCT_OG = /^(?:article|event|video|music|profile|website:event|blog|book:?$)/;

/** The product and, for callers that go further (the LLM fallback), what the page scan saw. */
export interface ExtractionResult {
  product: ExtractedProduct;
  page: ScannedPage;
  /** Fields structured data (JSON-LD, microdata, OpenGraph) did not give. */
  missing: string[];
  /** No structured source described the product, or it gave no price: the LLM fallback may help. */
  structuredIncomplete: boolean;
  hint: PriceHint;
}

/** @throws PipelineError 'ProductNotFound' (permanent) when no source names a product. */
export function extractProduct(html: string, pageUrl: string): ExtractedProduct {
  return extractProductDetailed(html, pageUrl).product;
}

export function extractProductDetailed(html: string, pageUrl: string): ExtractionResult {
  if (!URL.canParse(pageUrl)) throw permanent('InvalidPageUrl', `not an absolute URL: ${pageUrl}`, { pageUrl });
  let page: ScannedPage;
  try {
    page = scanPage(html);
  } catch (error) {
    // The scan keeps its own stack; this is the last guard against a page built to break a parser.
    if (error instanceof RangeError)
      throw permanent('PageTooComplex', `page ${pageUrl} is too complex to read: ${error.message}`, { pageUrl });
    throw error;
  }
  // Relative URLs resolve against <base href> when the page sets one, as a browser does.
  const baseHref = page.baseHref;
  const baseUrl = (baseHref && URL.canParse(baseHref, pageUrl) ? new URL(baseHref, pageUrl).href : undefined) ?? pageUrl;
  const identity = pageIdentity(page, pageUrl);
  const hint: PriceHint = { region: regionOf(pageUrl, page.lang) };

  const jsonld = readJsonLd(page.jsonLd, { baseUrl, identity, hint });
  const microdata = readMicrodata(page.microdata, { baseUrl, identity, hint });
  const og = readOpenGraph(page.metas, { baseUrl, hint: { ...hint, currency: jsonld.draft.fields.currency?.value } });
  // Structured data about another product only (an accessory, a "bought together" item) while
  // OpenGraph names the page's own product: that structured data does not describe this page.
  const describesPage = (reading: { draft: SourceDraft; claims: boolean }) =>
    reading.claims || !og.draft.isProduct || !og.draft.name || sameProduct(og.draft.name, reading.draft.name);
  const unrelated: SourceDraft = { source: 'jsonld', isProduct: false, fields: {} };
  if (!describesPage(jsonld)) jsonld.draft = unrelated;
  if (!describesPage(microdata)) microdata.draft = { ...unrelated, source: 'microdata' };
  const structured = [jsonld.draft, microdata.draft].filter((draft) => draft.isProduct);
  const pageTypes = new Set([...jsonld.pageTypes, ...microdata.pageTypes]);
  const found = (drafts: SourceDraft[]) => drafts.filter((draft) => draft.isProduct).map((draft) => draft.source);

  if (!structured.length) {
    const kind = [...pageTypes].find((type) => NOT_PRODUCT_TYPES.has(type)) ?? (NOT_PRODUCT_OG.test(og.type) ? `og:${og.type}` : undefined);
    if (kind) throw permanent('ProductNotFound', `${pageUrl} is a ${kind} page, not a product page`, { pageUrl, pageKind: kind });
    const listing = [...pageTypes].find((type) => LISTING_TYPES.has(type));
    if (listing && jsonld.listed >= 2) {
      throw permanent('ProductNotFound', `${pageUrl} is a listing (${listing}) of ${jsonld.listed} products, not a product page`, {
        pageUrl,
        pageKind: 'listing',
      });
    }
  }

  const main = structured[0];
  const fromStructured = (key: keyof ExtractedProduct) => [...structured, og.draft].some((draft) => draft.fields[key] !== undefined);
  const complete = main !== undefined && (['name', 'price', 'currency', 'images', 'description'] as const).every(fromStructured);
  // With complete structured data the visible-HTML fallback has nothing to add.
  const productIds = [main?.fields.sku?.value, main?.fields.gtin?.value, lastPathSegment(pageUrl)].filter((id): id is string => !!id);
  const fallback = complete ? undefined : readHtmlFallback(page, { baseUrl, hint, productIds }).draft;
  const drafts = [jsonld.draft, microdata.draft, og.draft, ...(fallback ? [fallback] : [])];
  const { name, ...rest } = mergeDrafts(drafts);
  if (!found(drafts).length || !name) {
    throw permanent('ProductNotFound', `no product found on ${pageUrl}`, { pageUrl, productSources: found(drafts) });
  }
  const product = { name, ...rest };
  const missing = (['description', 'brand', 'sku', 'gtin', 'price', 'currency', 'availability', 'images'] as const).filter(
    (key) => !fromStructured(key),
  );
  return { product, page, missing, structuredIncomplete: main === undefined || missing.includes('price'), hint };
}

/** The two-letter country of a page, from its host's top-level domain or its lang="xx-YY". */
function regionOf(pageUrl: string, lang: string | undefined): string | undefined {
  const fromLang = lang?.split(/[-_]/)[1];
  if (fromLang && /^[a-z]{2}$/i.test(fromLang)) return fromLang.toLowerCase();
  const tld = new URL(pageUrl).hostname.split('.').pop() ?? '';
  return /^[a-z]{2}$/.test(tld) ? tld : undefined;
}

function lastPathSegment(pageUrl: string): string | undefined {
  const segment = new URL(pageUrl).pathname.split('/').filter(Boolean).pop();
  const id = segment?.replace(/\.html?$/, '').match(/\d{5,}|[A-Z0-9]{8,}/)?.[0];
  return id;
}
