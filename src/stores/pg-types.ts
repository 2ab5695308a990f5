// Result parsing for the pool. Embeddings are real[] columns: pg's generic array parser takes
// about 0.4 ms per 384-dimension vector (more than the query), and every sink reads them
// (indexing, similarity). A one-dimensional float array without NULLs or special values is
// valid JSON once its braces become brackets; anything else goes to pg's own parser.
import { types } from 'pg';

const FLOAT4_ARRAY = 1021;
const FLOAT8_ARRAY = 1022;

/** PostgreSQL's text of a one-dimensional float array without NULLs or special values
 *  ('{0.1,-2e-05}') as the JSON array it is once its braces are brackets; else undefined. */
export function floatArrayJson(text: string): string | undefined {
  return /^\{[-+.,0-9e]+\}$/.test(text) ? `[${text.slice(1, -1)}]` : undefined;
}

/** Parses PostgreSQL's text form of a float array ('{0.1,-2e-05}') into numbers. */
export function parseFloatArray(text: string, fallback: (text: string) => unknown): unknown {
  const json = floatArrayJson(text);
  if (json !== undefined) {
    try {
      return JSON.parse(json) as number[];
    } catch {
      // not a JSON number after all ('{1.}'): the generic parser
    }
  }
  return fallback(text);
}

/** The pool's type parsers: pg's defaults, with the fast float arrays. */
export const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    const parser = types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
    if ((format ?? 'text') === 'text' && (oid === FLOAT4_ARRAY || oid === FLOAT8_ARRAY)) return (text) => parseFloatArray(text, parser);
    return parser;
  },
};

/** A real[] read as text (`embedding::text`), parsed as the pool would have. */
export const parseFloatArrayText = (text: string): unknown => pgTypes.getTypeParser(FLOAT4_ARRAY, 'text')(text);
