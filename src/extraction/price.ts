// Prices as shops print them, in any locale: "1.299,00 €", "Rp 31.500", "₹12,34,567.50",
// "1 234,50 Kč", "CHF 1'299.–", "12,- zł", "руб. 990". No npm library handled the separators,
// minor units and local currency signs together (see README), so this module does, tested on
// strings formatted by Intl for every locale × currency pair (tests/extraction-price.test.ts).
import currencyCodes from 'currency-codes';

const ISO_CODES = new Set(currencyCodes.codes());

/** Decimal places of a currency (JPY 0, KWD 3); 2 when unknown. */
export function minorUnits(currency: string | undefined): number {
  if (!currency) return 2;
  // ISO says 2 for HUF/TWD/ISK's neighbours, but shops and Intl print them without decimals.
  if (currency === 'HUF' || currency === 'TWD') return 0;
  return currencyCodes.code(currency)?.digits ?? 2;
}

// Currency signs, longest first so "US$" wins over "$" and "руб." over "руб". A sign shared by
// several currencies ("$", "kr", "¥") names the one a hint (the page's country) picks, else the default.
const SIGNS: [string, string][] = [
  ['US$', 'USD'],
  ['CA$', 'CAD'],
  ['C$', 'CAD'],
  ['AU$', 'AUD'],
  ['A$', 'AUD'],
  ['NZ$', 'NZD'],
  ['HK$', 'HKD'],
  ['S$', 'SGD'],
  ['R$', 'BRL'],
  ['MX$', 'MXN'],
  ['BR$', 'BRL'],
  ['UK£', 'GBP'],
  ['EG£', 'EGP'],
  ['NKr', 'NOK'],
  ['Nkr', 'NOK'],
  ['Dkr', 'DKK'],
  ['NIS', 'ILS'],
  ['￦', 'KRW'],
  ['CN¥', 'CNY'],
  ['JP¥', 'JPY'],
  ['NT$', 'TWD'],
  ['E£', 'EGP'],
  ['руб.', 'RUB'],
  ['руб', 'RUB'],
  ['р.', 'RUB'],
  ['₽', 'RUB'],
  ['Kč', 'CZK'],
  ['zł', 'PLN'],
  ['₹', 'INR'],
  ['Rs.', 'INR'],
  ['Rs', 'INR'],
  ['Rp', 'IDR'],
  ['₩', 'KRW'],
  ['₫', 'VND'],
  ['฿', 'THB'],
  ['₱', 'PHP'],
  ['₺', 'TRY'],
  ['TL', 'TRY'],
  ['₴', 'UAH'],
  ['грн', 'UAH'],
  ['₪', 'ILS'],
  ['₦', 'NGN'],
  ['₸', 'KZT'],
  ['₾', 'GEL'],
  ['лв', 'BGN'],
  ['lei', 'RON'],
  ['Ft', 'HUF'],
  ['RM', 'MYR'],
  ['S/', 'PEN'],
  ['€', 'EUR'],
  ['£', 'GBP'],
  ['￥', 'JPY'],
  ['¥', 'JPY'],
  ['円', 'JPY'],
  ['元', 'CNY'],
  ['kr.', 'DKK'],
  ['kr', 'SEK'],
  ['Kr', 'SEK'],
  ['R', 'ZAR'],
  ['Fr.', 'CHF'],
  ['$', 'USD'],
];

/** Which currency an ambiguous sign names in a country (top-level domain or locale region). */
const REGIONAL: Record<string, Record<string, string>> = {
  $: { ca: 'CAD', au: 'AUD', nz: 'NZD', mx: 'MXN', sg: 'SGD', hk: 'HKD', ar: 'ARS', cl: 'CLP', co: 'COP', tw: 'TWD' },
  kr: { no: 'NOK', dk: 'DKK', is: 'ISK', se: 'SEK' },
  'kr.': { no: 'NOK', is: 'ISK', se: 'SEK' },
  '¥': { cn: 'CNY' },
  '￥': { cn: 'CNY' },
};

export interface PriceHint {
  /** Two-letter country of the page (from its host's TLD or its lang), for "$" or "kr". */
  region?: string;
  /** A currency the page already declares (e.g. in structured data). */
  currency?: string;
}

/** Where a number comes from: schema.org values write a dot as the decimal point. */
export type NumberContext = 'data' | 'text';

export interface Money {
  amount: number;
  currency?: string;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const SIGN_PATTERN = SIGNS.map(([sign]) => sign)
  .sort((a, b) => b.length - a.length)
  .map((sign) => (/^[A-Za-zА-я]/.test(sign) ? `(?<![\\p{L}])${escape(sign)}(?![\\p{L}])` : escape(sign)))
  .join('|');
const CODE_PATTERN = String.raw`(?<![\p{L}])[A-Z]{3}(?![\p{L}])`;
// A number as written: digit groups joined by . , space or apostrophe, optional decimals,
// or a whole amount with a dash for decimals ("12,-", "1'299.–").
const NUMBER_PATTERN = String.raw`\d+(?:[.,]\d+|[ '’]\d{3}(?!\d))*(?:[.,][-–—])?`;
const MONEY = new RegExp(
  String.raw`(?<sign1>${SIGN_PATTERN}|${CODE_PATTERN})?\s?(?<minus>-\s?)?(?<sign2>${SIGN_PATTERN}|${CODE_PATTERN})?\s?(?<number>${NUMBER_PATTERN})(?:\s?(?<sign3>${SIGN_PATTERN}|${CODE_PATTERN}))?`,
  'gu',
);
// Dates and times are not prices: 12.5.2024, 2024-05-12, 12/05/24, 10:30.
const DATE_LIKE = /\b\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b|\b\d{1,2}:\d{2}\b/g;

/** Unicode digits and separators of Arabic/Persian scripts, odd spaces and minus signs, as ASCII. */
export function normaliseNumerals(text: string): string {
  return text
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/\u066c/g, ',')
    .replace(/\u066b/g, '.')
    .replace(/[\u00a0\u202f\u2009\u2007]/g, ' ')
    .replace(/[\u200e\u200f\u061c]/g, '')
    .replace(/[\u2212\u2012\u2013](?=\s?[\d\p{Sc}])/gu, '-');
}

function currencyOf(sign: string | undefined, hint: PriceHint): string | undefined {
  if (!sign) return undefined;
  if (/^[A-Z]{3}$/.test(sign)) return ISO_CODES.has(sign) ? sign : undefined;
  const base = SIGNS.find(([candidate]) => candidate === sign)?.[1];
  const regional = hint.region ? REGIONAL[sign]?.[hint.region.toLowerCase()] : undefined;
  if (regional) return regional;
  // "$" on a page that declares CAD elsewhere is CAD.
  const regions = REGIONAL[sign];
  if (hint.currency && regions && Object.values(regions).includes(hint.currency)) return hint.currency;
  return base;
}

/** The value of a written number, given the currency's decimals and where it was written. */
export function numberValue(raw: string, currency: string | undefined, context: NumberContext = 'text'): number | undefined {
  // Spaces and apostrophes only ever group thousands (the pattern lets no other through).
  const s = raw.replace(/[.,][-–—]$/, '').replace(/[ '’]/g, '');
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  let plain: string;
  if (lastDot >= 0 && lastComma >= 0) {
    // Both present: the later one is the decimal separator ("1.299,00", "1,299.00", "12,34,567.50").
    const [decimal, group] = lastDot > lastComma ? ['.', ','] : [',', '.'];
    const [whole, fraction] = [s.slice(0, s.lastIndexOf(decimal)), s.slice(s.lastIndexOf(decimal) + 1)];
    if (whole.includes(decimal)) return undefined; // "1.2.3,4" is not a number
    plain = `${whole.split(group).join('')}.${fraction}`;
  } else if (lastDot >= 0 || lastComma >= 0) {
    const separator = lastDot >= 0 ? '.' : ',';
    const parts = s.split(separator);
    const decimals = minorUnits(currency);
    const last = parts[parts.length - 1]!;
    let grouping: boolean;
    if (parts.length > 2) grouping = true;
    else if (last.length !== 3) grouping = false;
    // One separator before three digits: thousands, unless the currency has three decimals
    // (KWD 1.250) or a schema.org value writes a decimal dot ("1.299" there is 1.299).
    else if (decimals === 3) grouping = false;
    else if (decimals === 0) grouping = true;
    else grouping = separator === ',' || context === 'text';
    if (grouping && parts.slice(1).some((part) => part.length !== 3 && part.length !== 2)) return undefined;
    plain = grouping ? parts.join('') : parts.join('.');
  } else {
    plain = s;
  }
  if (!/^\d+(?:\.\d+)?$/.test(plain)) return undefined;
  const value = Number(plain);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * The first amount with a currency sign or code next to it ("ab 1.299,00 €"), or, with
 * `requireCurrency: false`, the first plain number. Negative amounts come back negative, so a
 * discount "-5.00 €" is never read as a price of 5; dates and times are never amounts.
 */
export function parsePrice(
  input: string,
  options: { context?: NumberContext; hint?: PriceHint; requireCurrency?: boolean } = {},
): Money | undefined {
  const { context = 'text', hint = {}, requireCurrency = true } = options;
  const text = normaliseNumerals(input).replace(DATE_LIKE, (match) => ' '.repeat(match.length));
  let plain: Money | undefined;
  const money = new RegExp(MONEY);
  for (let match = money.exec(text); match; match = money.exec(text)) {
    const groups = match.groups!;
    // "42 €39": the sign after 42 belongs to 39.
    if (groups.sign3 && !groups.sign1 && !groups.sign2 && /^\s?\d/.test(text.slice(match.index + match[0].length))) {
      money.lastIndex = match.index + match[0].length - groups.sign3.length;
      if (!requireCurrency) plain ??= numberOnly(groups.number!, groups.minus, hint, context);
      continue;
    }
    const sign = groups.sign2 ?? groups.sign1 ?? groups.sign3;
    const currency = currencyOf(sign, hint);
    // A three-letter word that is not a currency ("NEW 12") is not a currency.
    if (sign && !currency) continue;
    const digits = groups.number!;
    // "2" of "2 for 1" or a 4-digit year with no currency is not a price we can trust.
    const amount = numberValue(digits, currency ?? hint.currency, context);
    if (amount === undefined) continue;
    const value = groups.minus ? -amount : amount;
    if (currency) return { amount: value, currency };
    if (!requireCurrency) plain ??= { amount: value };
  }
  return plain;
}

function numberOnly(digits: string, minus: string | undefined, hint: PriceHint, context: NumberContext): Money | undefined {
  const amount = numberValue(digits, hint.currency, context);
  return amount === undefined ? undefined : { amount: minus ? -amount : amount };
}

/** Normalises a currency given as an ISO code or a sign ("€", "zł"), or undefined. */
export function currencyCode(input: unknown, hint: PriceHint = {}): string | undefined {
  if (typeof input !== 'string') return undefined;
  const trimmed = input.trim();
  const upper = trimmed.toUpperCase();
  if (/^[A-Z]{3}$/.test(upper) && ISO_CODES.has(upper)) return upper;
  return currencyOf(SIGNS.find(([sign]) => sign === trimmed)?.[0], hint);
}
