// Result parsing for the pool. Embeddings are real[] columns: pg's generic array parser takes
// about 0.4 ms per 384-dimension vector (more than the query), and every sink reads them
// (indexing, similarity). A one-dimensional float array without NULLs or special values is
// valid JSON once its braces become brackets; anything else goes to pg's own parser.
import { types } from 'pg';

const FLOAT4_ARRAY = 1021;
const FLOAT8_ARRAY = 1022;

/** Parses PostgreSQL's text form of a float array ('{0.1,-2e-05}') into numbers. */
export function parseFloatArray(text: string, fallback: (text: string) => unknown): unknown {
  if (text.length >= 2 && text[0] === '{' && text[text.length - 1] === '}' && !text.includes('{', 1)) {
    try {
      return JSON.parse(`[${text.slice(1, -1)}]`) as number[]; // NULL, NaN, Infinity are not JSON: they throw
    } catch {
      // fall through to the generic parser
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
