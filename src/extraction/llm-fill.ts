// The LLM fallback's rule: a model may point at values on the page, never supply them. Every
// value it returns is accepted only if it occurs in what the page shows (its visible text or the
// attributes a browser uses); a price must also parse as a price. Accepted values fill only the
// fields extraction left empty, with provenance 'llm' and its lower confidence.
import { toFields } from './fields';
import { availabilityFromText } from './html-fallback';
import { normaliseGtin, parseMoney } from './normalise';
import type { ScannedPage } from './page-scan';
import type { PriceHint } from './price';
import type { Availability, ExtractedProduct, ProductValues } from './types';

/** What the model answered (the LLM layer's `extract` task output). */
export interface LlmProductAnswer {
  isProduct: boolean;
  name: string | null;
  brand: string | null;
  sku: string | null;
  gtin: string | null;
  price: string | null;
  listPrice: string | null;
  availability: Availability | null;
  description: string | null;
}

/** Fields the LLM fallback may fill. */
export const LLM_FILLABLE = ['description', 'brand', 'sku', 'gtin', 'price', 'listPrice', 'currency', 'availability'] as const;
export type LlmFillable = (typeof LLM_FILLABLE)[number];

export interface Rejection {
  field: string;
  value: string;
  reason: string;
}

const normalise = (text: string) => text.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();

/** The page's own words: where a value must occur to be believed. */
export function pageEvidence(page: ScannedPage): string {
  return normalise([page.title ?? '', page.visibleText, ...page.attributeText].join('\n'));
}

export function verifyLlmAnswer(
  answer: LlmProductAnswer,
  evidence: string,
  hint: PriceHint = {},
): { values: ProductValues; rejected: Rejection[] } {
  const rejected: Rejection[] = [];
  const values: ProductValues = {};
  const occurs = (field: string, value: string | null): string | undefined => {
    if (value === null || !value.trim()) return undefined;
    const trimmed = value.trim();
    if (evidence.includes(normalise(trimmed))) return trimmed;
    rejected.push({ field, value: trimmed, reason: 'does not occur on the page' });
    return undefined;
  };
  if (!answer.isProduct) return { values, rejected };

  values.name = occurs('name', answer.name);
  values.brand = occurs('brand', answer.brand);
  values.sku = occurs('sku', answer.sku);
  values.description = occurs('description', answer.description);
  const gtinText = answer.gtin?.trim();
  if (gtinText) {
    const gtin = normaliseGtin(gtinText);
    // Digits may be printed grouped ("978-0-306-40615-7"); compare digits with digits.
    const digitsOnPage = evidence.replace(/[\s-]/g, '');
    if (!gtin) rejected.push({ field: 'gtin', value: gtinText, reason: 'not a valid GTIN' });
    else if (!digitsOnPage.includes(gtinText.replace(/[\s-]/g, '')))
      rejected.push({ field: 'gtin', value: gtinText, reason: 'does not occur on the page' });
    else values.gtin = gtin;
  }
  const priceText = occurs('price', answer.price);
  const price = priceText ? parseMoney(priceText, 'text', hint) : undefined;
  if (priceText && (!price || price.amount <= 0)) rejected.push({ field: 'price', value: priceText, reason: 'not a price' });
  if (price && price.amount > 0) {
    values.price = price.amount;
    values.currency = price.currency;
    const listText = occurs('listPrice', answer.listPrice);
    const list = listText ? parseMoney(listText, 'text', hint) : undefined;
    if (list && list.currency === price.currency && list.amount > price.amount) values.listPrice = list.amount;
  }
  if (answer.availability) {
    // A state, not a copied value: the page's own words must say the same.
    if (availabilityFromText(evidence) === answer.availability) values.availability = answer.availability;
    else rejected.push({ field: 'availability', value: answer.availability, reason: 'the page does not say so' });
  }
  const present = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as ProductValues;
  return { values: present, rejected };
}

/** The product with verified LLM values in the fields it lacked; nothing it had is replaced. */
export function fillFromLlm(product: ExtractedProduct, values: ProductValues): { product: ExtractedProduct; filled: LlmFillable[] } {
  const missing = LLM_FILLABLE.filter((field) => product[field] === undefined);
  // A price travels with its currency: both are filled, or neither; a former price only beside
  // a price the model agrees with.
  const priceMissing = missing.includes('price') && missing.includes('currency');
  const samePrice = product.price !== undefined && values.price === product.price.value;
  const wanted = missing.filter((field) => {
    if (field === 'price' || field === 'currency') return priceMissing;
    if (field === 'listPrice') return priceMissing || samePrice;
    return true;
  });
  const accepted: ProductValues = {};
  for (const field of wanted) if (values[field] !== undefined) (accepted as Record<string, unknown>)[field] = values[field];
  const fields = toFields(accepted, 'llm');
  const filled = wanted.filter((field) => accepted[field] !== undefined);
  return { product: { ...product, ...fields, name: product.name, images: product.images }, filled };
}
