// Value normalisation shared by every source: text, prices, currencies, availability, URLs.
// Shops write the same fact many ways; everything downstream sees one form.
import { load } from 'cheerio';
import type { Availability } from './types';

export function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Decodes HTML entities. A <textarea> is parsed as RCDATA: entities are decoded, tags are not. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  const $ = load(`<textarea>${text.replace(/<\/textarea/gi, '&lt;/textarea')}</textarea>`, null, false);
  return $('textarea').text();
}

/** Plain text from a string that may hold markup, escaped markup (`&lt;p&gt;`) or entities. */
export function htmlToText(text: string): string {
  const $ = load(decodeEntities(text), null, false);
  $('script, style, template').remove();
  // Block boundaries become spaces, so "<p>One</p><p>Two</p>" does not read "OneTwo".
  $('br, p, div, li, h1, h2, h3, h4, h5, h6, tr, td').after(' ');
  return collapse($.root().text());
}

// A number as people write it: digit groups joined by . or , or by a space/apostrophe that is
// followed by exactly three digits ("1 299,00", "1'299.00").
const NUMBER = String.raw`\d+(?:[.,]\d+|[ '’\u00a0\u202f]\d{3}(?!\d))*`;

/**
 * `data`: schema.org values, where a single dot is a decimal point ("1.299" is 1.299).
 * `text`: visible text, where a single dot or comma before exactly three digits groups thousands
 * ("€1.299" is 1299).
 */
export type NumberContext = 'data' | 'text';

export function parseAmount(input: unknown, context: NumberContext = 'data'): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  if (typeof input !== 'string') return undefined;
  const match = new RegExp(NUMBER).exec(input);
  return match ? numberFrom(match[0], context) : undefined;
}

function numberFrom(raw: string, context: NumberContext): number | undefined {
  const s = raw.replace(/[ '’\u00a0\u202f]/g, '');
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  let plain: string;
  if (lastDot >= 0 && lastComma >= 0) {
    // Both present: the later one is the decimal separator ("1.299,00", "1,299.00").
    const [decimal, group] = lastDot > lastComma ? ['.', ','] : [',', '.'];
    plain = s.split(group).join('').replace(decimal, '.');
  } else if (lastDot >= 0 || lastComma >= 0) {
    const separator = lastDot >= 0 ? '.' : ',';
    const parts = s.split(separator);
    const groupsThousands =
      parts.length > 2 || (parts[1]?.length === 3 && (separator === ',' || context === 'text'));
    plain = groupsThousands ? parts.join('') : parts.join('.');
  } else {
    plain = s;
  }
  const value = Number(plain);
  return Number.isFinite(value) ? value : undefined;
}

const SYMBOLS: Record<string, string> = { 'US$': 'USD', '€': 'EUR', $: 'USD', '£': 'GBP', '¥': 'JPY', '￥': 'JPY', 円: 'JPY' };
// ISO codes people print next to prices; a closed list, so words like "NEW" are never currencies.
const CODES = ['EUR', 'USD', 'GBP', 'JPY', 'CHF', 'CAD', 'AUD', 'NZD', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'HUF', 'CNY', 'INR', 'BRL', 'MXN'];
const CURRENCY = String.raw`(US\$|€|\$|£|¥|￥|円|(?<![A-Za-z])(?:${CODES.join('|')})(?![A-Za-z]))`;
const MONEY = new RegExp(`${CURRENCY}\\s*(${NUMBER})|(${NUMBER})\\s*${CURRENCY}`);

export function normaliseCurrency(input: unknown): string | undefined {
  if (typeof input !== 'string') return undefined;
  const trimmed = input.trim();
  const code = (SYMBOLS[trimmed] ?? trimmed).toUpperCase();
  return /^[A-Z]{3}$/.test(code) ? code : undefined;
}

/** The first amount written next to a currency symbol or code, e.g. "ab 1.299,00 €". */
export function parseMoney(text: string, context: NumberContext): { amount: number; currency: string } | undefined {
  const match = MONEY.exec(text);
  if (!match) return undefined;
  const [, symbolBefore, numberAfter, numberBefore, symbolAfter] = match;
  const amount = numberFrom((numberAfter ?? numberBefore)!, context);
  const currency = normaliseCurrency(symbolBefore ?? symbolAfter);
  return amount !== undefined && currency ? { amount, currency } : undefined;
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

/** GTIN-8/12/13/14 digits. Numeric JSON loses leading zeros, so those are padded back. */
export function normaliseGtin(input: unknown): string | undefined {
  if (typeof input !== 'string' && typeof input !== 'number') return undefined;
  let digits = String(input).replace(/[\s-]/g, '');
  if (!/^\d+$/.test(digits)) return undefined;
  if (typeof input === 'number') {
    const target = [8, 12, 13, 14].find((length) => length >= digits.length);
    if (target) digits = digits.padStart(target, '0');
  }
  return [8, 12, 13, 14].includes(digits.length) ? digits : undefined;
}

export function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
