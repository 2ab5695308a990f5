// Text the service did not receive from a client — crawled pages, feed files, model output —
// is normalised before it reaches PostgreSQL, which cannot store a NUL character (text, jsonb)
// nor a lone UTF-16 surrogate (jsonb): NULs are dropped, lone surrogates become U+FFFD.
// (Text from API clients is refused instead, with a 400 naming the field: src/api/input.ts.)

const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function storableText(text: string): string {
  return text.replaceAll('\u0000', '').replace(LONE_SURROGATES, '\uFFFD');
}

/** JSON for a jsonb column, every string (keys included) made storable. */
export function storableJson(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _key, inner: unknown) {
    if (typeof inner === 'string') return storableText(inner);
    if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
      return Object.fromEntries(Object.entries(inner as Record<string, unknown>).map(([k, v]) => [storableText(k), v]));
    }
    return inner;
  });
}

/** A query parameter made storable: strings cleaned, everything else as it is. */
export const storableParam = (value: unknown): unknown => (typeof value === 'string' ? storableText(value) : value);
