// Structured product data from a product page's HTML, with provenance and confidence per field.
// Pure: no I/O; the caller fetches the page.
import { load } from 'cheerio';
import { permanent } from '../errors';
import { readHtmlFallback } from './html-fallback';
import { readJsonLd } from './jsonld';
import { mergeDrafts } from './merge';
import { readMicrodata } from './microdata';
import { readOpenGraph } from './opengraph';
import type { ExtractedProduct } from './types';

export type { Availability, ExtractedProduct, Field, Provenance, Rating } from './types';
export { BASE_CONFIDENCE, PENALTY } from './fields';
export { parseJsonLdBlock } from './jsonld';
export { productFromFeed, type FeedProduct } from './feed';
export { normaliseAvailability, normaliseCurrency, parseAmount, parseMoney } from './normalise';

/** @throws PipelineError 'ProductNotFound' (permanent) when no source names a product. */
export function extractProduct(html: string, pageUrl: string): ExtractedProduct {
  if (!URL.canParse(pageUrl)) throw permanent('InvalidPageUrl', `not an absolute URL: ${pageUrl}`, { pageUrl });
  const $ = load(html);
  // Relative URLs resolve against <base href> when the page sets one, as a browser does.
  const baseHref = $('base[href]').first().attr('href');
  const baseUrl = (baseHref && URL.canParse(baseHref, pageUrl) ? new URL(baseHref, pageUrl).href : undefined) ?? pageUrl;

  const drafts = [
    readJsonLd($, baseUrl),
    readMicrodata($, baseUrl),
    readOpenGraph($, baseUrl),
    readHtmlFallback(html, baseUrl),
  ];
  const found = drafts.filter((draft) => draft.isProduct).map((draft) => draft.source);
  const { name, ...rest } = mergeDrafts(drafts);
  if (!found.length || !name) {
    throw permanent('ProductNotFound', `no product found on ${pageUrl}`, { pageUrl, productSources: found });
  }
  return { name, ...rest };
}
