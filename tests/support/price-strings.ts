// A large set of price strings with known values: every locale × currency × amount × display
// that Intl (the Unicode CLDR data built into Node) formats, plus shop spellings CLDR lacks.
// Used by tests/extraction-price.test.ts and bench/extraction.ts.

export interface PriceCase {
  text: string;
  amount: number;
  /** Expected currency; undefined when the sign alone cannot tell (a bare "$" in fr-CA). */
  currency?: string;
  region?: string;
}

export const LOCALES = [
  'en-US',
  'en-GB',
  'en-IN',
  'en-CA',
  'en-AU',
  'de-DE',
  'de-AT',
  'de-CH',
  'fr-FR',
  'fr-CH',
  'fr-CA',
  'it-IT',
  'es-ES',
  'es-MX',
  'pt-BR',
  'pt-PT',
  'nl-NL',
  'nl-BE',
  'sv-SE',
  'nb-NO',
  'da-DK',
  'fi-FI',
  'pl-PL',
  'cs-CZ',
  'sk-SK',
  'hu-HU',
  'ro-RO',
  'bg-BG',
  'ru-RU',
  'uk-UA',
  'tr-TR',
  'el-GR',
  'he-IL',
  'ar-EG',
  'ar-SA',
  'fa-IR',
  'hi-IN',
  'th-TH',
  'vi-VN',
  'id-ID',
  'ms-MY',
  'ja-JP',
  'ko-KR',
  'zh-CN',
  'zh-TW',
  'zh-HK',
];
export const CURRENCIES = [
  'USD',
  'EUR',
  'GBP',
  'JPY',
  'CHF',
  'CAD',
  'AUD',
  'SEK',
  'NOK',
  'DKK',
  'PLN',
  'CZK',
  'HUF',
  'RON',
  'BGN',
  'RUB',
  'UAH',
  'TRY',
  'ILS',
  'INR',
  'IDR',
  'KRW',
  'VND',
  'THB',
  'BRL',
  'MXN',
  'CNY',
  'KWD',
  'EGP',
  'MYR',
  'PHP',
  'ZAR',
];
export const AMOUNTS = [0.5, 7, 19.99, 129, 999.9, 1_299, 31_500, 1_234_567.5];

export function intlPriceCases(): PriceCase[] {
  const cases: PriceCase[] = [];
  for (const locale of LOCALES) {
    const region = locale.split('-')[1]!.toLowerCase();
    for (const currency of CURRENCIES) {
      for (const display of ['symbol', 'narrowSymbol', 'code'] as const) {
        const format = new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay: display });
        const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
        for (const amount of AMOUNTS) {
          const text = format.format(amount);
          const shown = Number(amount.toFixed(digits));
          // A narrow sign ("$" for CAD in en-US) does not tell the currency; the full one does ("CA$").
          const ambiguous =
            display === 'narrowSymbol' && text !== new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amount);
          cases.push({ text, amount: shown, currency: ambiguous ? undefined : currency, region });
        }
      }
    }
  }
  return cases;
}

/** Spellings from real shop templates that CLDR does not produce. */
export const SHOP_CASES: PriceCase[] = [
  { text: 'Rp 31.500', amount: 31_500, currency: 'IDR' },
  { text: 'Rp31.500,00', amount: 31_500, currency: 'IDR' },
  { text: '1 290 Kč', amount: 1_290, currency: 'CZK' },
  { text: '2 499,00 Kč s DPH', amount: 2_499, currency: 'CZK' },
  { text: '990 руб.', amount: 990, currency: 'RUB' },
  { text: '1 490 руб', amount: 1_490, currency: 'RUB' },
  { text: 'Цена: 12 990 р.', amount: 12_990, currency: 'RUB' },
  { text: '129,99 zł', amount: 129.99, currency: 'PLN' },
  { text: '49,- zł', amount: 49, currency: 'PLN' },
  { text: '₹ 1,499', amount: 1_499, currency: 'INR' },
  { text: 'Rs. 2,999.00', amount: 2_999, currency: 'INR' },
  { text: "CHF 1'299.–", amount: 1_299, currency: 'CHF' },
  { text: '12,- €', amount: 12, currency: 'EUR' },
  { text: 'ab 1.299,00 €', amount: 1_299, currency: 'EUR' },
  { text: 'Now £24.99 Was £34.99', amount: 24.99, currency: 'GBP' },
  { text: 'US$ 15.00', amount: 15, currency: 'USD' },
  { text: 'USD 1,050', amount: 1_050, currency: 'USD' },
  { text: '3.990 Ft', amount: 3_990, currency: 'HUF' },
  { text: '¥12,800（税込）', amount: 12_800, currency: 'JPY' },
  { text: '12 800 円', amount: 12_800, currency: 'JPY' },
  { text: 'R$ 1.234,56', amount: 1_234.56, currency: 'BRL' },
  { text: '1.250 KWD', amount: 1.25, currency: 'KWD' },
  { text: '599 kr', amount: 599, currency: 'NOK', region: 'no' },
  { text: '599,00 kr', amount: 599, currency: 'SEK', region: 'se' },
  { text: '$49.95', amount: 49.95, currency: 'CAD', region: 'ca' },
  { text: '₺1.299,90', amount: 1_299.9, currency: 'TRY' },
  { text: '1.234.567 ₫', amount: 1_234_567, currency: 'VND' },
  { text: '₩35,000', amount: 35_000, currency: 'KRW' },
  { text: 'Size 42 €39.90', amount: 39.9, currency: 'EUR' },
  { text: '-5.00 €', amount: -5, currency: 'EUR' },
  { text: '−€5', amount: -5, currency: 'EUR' },
];

/** Strings that hold no price: dates, times, ratings, a word that looks like a code. */
export const NOT_PRICES: string[] = [
  '12.5.2024',
  'Delivered 2024-05-12',
  'Ships by 12/05/24',
  'Opens at 10:30',
  '4.5 out of 5 stars',
  'NEW arrivals 2024',
  'Only 3 left',
];
