// Merge: the main source (the first in priority order that names a product) gives every field it
// has; other sources fill the gaps only when they describe the same product (their name agrees),
// so a record never mixes two products. A price travels with its currency and former price, from
// one source, except for a sale: a lower price elsewhere whose former price is the main source's
// price is the sale price (JSON-LD often carries only the regular price).
import { sameProduct } from './main-product';
import { SCALAR_KEYS, type ExtractedProduct, type Provenance, type SourceDraft } from './types';

export const PRIORITY: readonly Provenance[] = ['jsonld', 'microdata', 'og', 'html', 'llm'];

const PRICE_GROUP = ['price', 'listPrice', 'highPrice', 'currency'] as const;

/** The merged fields; `name` may still be missing, which the caller treats as "no product". */
export function mergeDrafts(drafts: SourceDraft[]): Partial<ExtractedProduct> & Pick<ExtractedProduct, 'images'> {
  const ordered = [...drafts].sort((a, b) => rank(a.source) - rank(b.source));
  const main = ordered.find((draft) => draft.isProduct && draft.fields.name) ?? ordered.find((draft) => draft.fields.name);
  const agreeing = ordered.filter((draft) => draft === main || !main?.name || !draft.name || sameProduct(draft.name, main.name));
  const merged: Partial<ExtractedProduct> = {};
  const record = merged as Record<string, unknown>;
  for (const key of SCALAR_KEYS) {
    if ((PRICE_GROUP as readonly string[]).includes(key)) continue;
    const field = agreeing.find((draft) => draft.fields[key] !== undefined)?.fields[key];
    if (field !== undefined) record[key] = field;
  }
  const priced = agreeing.find((draft) => draft.fields.price !== undefined);
  if (priced) {
    for (const key of PRICE_GROUP) if (priced.fields[key] !== undefined) record[key] = priced.fields[key];
    const sale = saleElsewhere(priced, agreeing);
    if (sale) Object.assign(merged, sale);
  } else {
    const currency = agreeing.find((draft) => draft.fields.currency)?.fields.currency;
    if (currency) merged.currency = currency;
  }
  return { ...merged, images: agreeing.find((draft) => draft.fields.images?.length)?.fields.images ?? [] };
}

function saleElsewhere(priced: SourceDraft, drafts: SourceDraft[]): Partial<ExtractedProduct> | undefined {
  const regular = priced.fields.price!;
  if (priced.fields.listPrice) return undefined;
  for (const draft of drafts) {
    const { price, listPrice, currency } = draft.fields;
    if (draft === priced || !price || !listPrice || price.value >= regular.value) continue;
    if (currency && priced.fields.currency && currency.value !== priced.fields.currency.value) continue;
    if (Math.abs(listPrice.value - regular.value) > 0.005 * regular.value) continue;
    return { price, listPrice: regular };
  }
  return undefined;
}

const rank = (source: Provenance) => {
  const index = PRIORITY.indexOf(source);
  return index < 0 ? PRIORITY.length : index;
};
