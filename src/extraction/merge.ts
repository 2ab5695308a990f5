// Merge: per field, the first source in priority order that has a value. Sources are not mixed
// within a field (images all come from one source), so a field is as good as its provenance says.
import { SCALAR_KEYS, type ExtractedProduct, type Provenance, type SourceDraft } from './types';

export const PRIORITY: readonly Provenance[] = ['jsonld', 'microdata', 'og', 'html'];

/** The merged fields; `name` may still be missing, which the caller treats as "no product". */
export function mergeDrafts(drafts: SourceDraft[]): Partial<ExtractedProduct> & Pick<ExtractedProduct, 'images'> {
  const ordered = [...drafts].sort((a, b) => rank(a.source) - rank(b.source));
  const merged: Partial<ExtractedProduct> = {};
  const record = merged as Record<string, unknown>;
  for (const key of SCALAR_KEYS) {
    const field = ordered.find((draft) => draft.fields[key] !== undefined)?.fields[key];
    if (field !== undefined) record[key] = field;
  }
  return { ...merged, images: ordered.find((draft) => draft.fields.images?.length)?.fields.images ?? [] };
}

const rank = (source: Provenance) => {
  const index = PRIORITY.indexOf(source);
  return index < 0 ? PRIORITY.length : index;
};
