// Value normalisation shared by every source: text, prices, currencies, availability, URLs.
// Shops write the same fact many ways; everything downstream sees one form.
import { decodeHTML } from 'entities';
import { Parser } from 'htmlparser2';
import { currencyCode, parsePrice, type NumberContext, type PriceHint } from './price';
import type { Availability } from './types';

export function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Decodes HTML entities; markup stays as it is. */
export function decodeEntities(text: string): string {
  return text.includes('&') ? decodeHTML(text) : text;
}

/**
 * Plain text from a string that may hold markup, escaped markup (`&lt;p&gt;`) or entities.
 * Block boundaries (<p>, <br>, <li>…) become spaces, so "<p>Pack</p><p>For use</p>" reads
 * "Pack For use", never "PackFor use". Streams the markup: no tree, no recursion.
 */
export function htmlToText(text: string): string {
  const input = decodeEntities(text.length > 200_000 ? text.slice(0, 200_000) : text);
  if (!/[<&]/.test(input)) return collapse(input);
  let out = '';
  let skipping = 0;
  const parser = new Parser(
    {
      onopentag(tag) {
        if (tag === 'script' || tag === 'style' || tag === 'template') skipping++;
        if (BLOCK_TAGS.has(tag)) out += ' ';
      },
      ontext(chunk) {
        if (!skipping) out += chunk;
      },
      onclosetag(tag) {
        if (tag === 'script' || tag === 'style' || tag === 'template') skipping = Math.max(0, skipping - 1);
        if (BLOCK_TAGS.has(tag)) out += ' ';
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(input);
  parser.end();
  return collapse(out);
}

const BLOCK_TAGS = new Set([
  'br',
  'p',
  'div',
  'li',
  'ul',
  'ol',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'tr',
  'td',
  'th',
  'dt',
  'dd',
  'section',
  'table',
  'blockquote',
  'hr',
]);

/**
 * `data`: schema.org values, where a single dot is a decimal point ("1.299" is 1.299).
 * `text`: visible text, where a single dot or comma before exactly three digits groups thousands
 * ("€1.299" is 1299).
 */
export type { NumberContext } from './price';

/** A non-negative amount from a number or a string ("1.299,00", "89.95 EUR"); negatives are not amounts. */
export function parseAmount(input: unknown, context: NumberContext = 'data', hint: PriceHint = {}): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  if (typeof input !== 'string') return undefined;
  const money = parsePrice(input, { context, hint, requireCurrency: false });
  return money && money.amount >= 0 ? money.amount : undefined;
}

export function normaliseCurrency(input: unknown, hint: PriceHint = {}): string | undefined {
  return currencyCode(input, hint);
}

/** The first amount written next to a currency sign or code, e.g. "ab 1.299,00 €"; a negative
 *  one ("-5.00 €", a discount) is not a price. */
export function parseMoney(text: string, context: NumberContext, hint: PriceHint = {}): { amount: number; currency: string } | undefined {
  const money = parsePrice(text, { context, hint });
  return money?.currency && money.amount >= 0 ? { amount: money.amount, currency: money.currency } : undefined;
}

// schema.org item availability (and OpenGraph's spellings), lower-cased with non-letters removed.
const AVAILABILITY: Record<string, Availability> = {
  instock: 'in_stock',
  instoreonly: 'in_stock',
  onlineonly: 'in_stock',
  limitedavailability: 'in_stock',
  available: 'in_stock',
  outofstock: 'out_of_stock',
  oos: 'out_of_stock',
  soldout: 'out_of_stock',
  preorder: 'preorder',
  presale: 'preorder',
  backorder: 'backorder',
  availablefororder: 'backorder',
  discontinued: 'discontinued',
};

export function normaliseAvailability(input: unknown): Availability | undefined {
  if (typeof input !== 'string') return undefined;
  // "https://schema.org/InStock", "schema:InStock", "InStock", "in stock" all name one state.
  const last = input.trim().split(/[/:#]/).pop() ?? '';
  return AVAILABILITY[last.toLowerCase().replace(/[^a-z]/g, '')];
}

/** Absolute http(s) URL, or undefined for data:/javascript: URIs and junk. */
export function resolveUrl(input: unknown, baseUrl: string): string | undefined {
  if (typeof input !== 'string') return undefined;
  const trimmed = input.trim();
  if (!trimmed || /^(data|javascript|blob):/i.test(trimmed)) return undefined;
  try {
    const url = new URL(trimmed, baseUrl);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** GS1 check digit: the last digit makes the weighted sum (3,1,3,1… from the right) a multiple of 10. */
export function validCheckDigit(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 2, weight = 3; i >= 0; i--, weight = 4 - weight) sum += Number(digits[i]) * weight;
  return (10 - (sum % 10)) % 10 === Number(digits[digits.length - 1]);
}

/**
 * GTIN-8/12/13/14 with a valid check digit. Numeric JSON loses leading zeros and shops print
 * UPC-A without its leading zero (11 digits), so those are padded back to the shortest length
 * whose check digit is valid.
 */
export function normaliseGtin(input: unknown): string | undefined {
  if (typeof input !== 'string' && typeof input !== 'number') return undefined;
  const digits = String(input)
    .trim()
    .replace(/^(?:gtin|ean|upc|isbn)\W*/i, '')
    .replace(/[\s-]/g, '');
  if (!/^\d{6,14}$/.test(digits)) return undefined;
  const lengths =
    typeof input === 'number'
      ? [8, 12, 13, 14].filter((length) => length >= digits.length)
      : digits.length === 11
        ? [12]
        : [8, 12, 13, 14].filter((length) => length === digits.length);
  for (const length of lengths) {
    const candidate = digits.padStart(length, '0');
    if (validCheckDigit(candidate)) return candidate;
  }
  return undefined;
}

export function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
