// Provenance and confidence: how much a value is trusted depends on where it came from and on
// whether it had to be repaired or guessed.
import { SCALAR_KEYS, type ExtractedProduct, type Provenance, type ProductValues, type ScalarKey } from './types';

/** Structured data the shop declares beats what we infer from its markup. */
export const BASE_CONFIDENCE: Record<Provenance, number> = {
  jsonld: 0.95,
  microdata: 0.9,
  og: 0.8,
  html: 0.5,
  /** Given by the shop's own feed: what it says about itself. */
  feed: 1,
  llm: 0.6,
};

/** Taken off when a value came from a repaired JSON-LD block or from a weaker heuristic. */
export const PENALTY = 0.2;

export function confidence(source: Provenance, penalty = 0): number {
  const value = Math.round((BASE_CONFIDENCE[source] - penalty) * 100) / 100;
  return Math.min(1, Math.max(0.05, value));
}

export type Penalties = Partial<Record<keyof ProductValues, number>>;

/** Wraps every present value in a Field; `penalties` lowers single fields (e.g. a guessed name). */
export function toFields(values: ProductValues, source: Provenance, penalty = 0, penalties: Penalties = {}): Partial<ExtractedProduct> {
  const fields: Partial<ExtractedProduct> = {};
  const record = fields as Record<ScalarKey, unknown>;
  for (const key of SCALAR_KEYS) {
    const value = values[key];
    if (value !== undefined) record[key] = { value, source, confidence: confidence(source, penalty + (penalties[key] ?? 0)) };
  }
  if (values.images?.length) {
    const imageConfidence = confidence(source, penalty + (penalties.images ?? 0));
    fields.images = values.images.map((value) => ({ value, source, confidence: imageConfidence }));
  }
  return fields;
}
