// JSON-LD: every <script type="application/ld+json"> block, parsed as leniently as real shops
// need (comments, trailing commas, raw control characters, entity-encoded blocks). A block that
// parses only after repair lowers the confidence of what it gives; one that never parses is skipped.
import type { CheerioAPI } from 'cheerio';
import { parse as parseJson5 } from 'json5';
import { PENALTY, toFields } from './fields';
import { decodeEntities } from './normalise';
import { isNode, productRank, readProductNode, type Node } from './schema-product';
import type { SourceDraft } from './types';

export interface ParsedBlock {
  data: unknown;
  repaired: boolean;
}

export function parseJsonLdBlock(raw: string): ParsedBlock | undefined {
  // HTML comment and CDATA wrappers are old habits, not damage.
  const text = raw
    .trim()
    .replace(/^(?:<!--|\/\/\s*<!\[CDATA\[|<!\[CDATA\[)/, '')
    .replace(/(?:-->|\/\/\s*\]\]>|\]\]>)$/, '')
    .trim()
    .replace(/;$/, '');
  if (!text) return undefined;
  try {
    const data: unknown = JSON.parse(text);
    return { data, repaired: false };
  } catch {
    // fall through to the repairs below
  }
  const repairs = [
    escapeControlChars(text),
    // Whole block entity-encoded ({&quot;@type&quot;: …}) by a template that escaped it twice.
    escapeControlChars(decodeEntities(text)),
    // Several objects separated by commas, without the enclosing array.
    `[${escapeControlChars(text)}]`,
  ];
  for (const candidate of repairs) {
    try {
      const data: unknown = parseJson5(candidate);
      return { data, repaired: true };
    } catch {
      // try the next repair
    }
  }
  return undefined;
}

const CONTROL_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** Escapes raw control characters inside strings and drops comments outside them. */
function escapeControlChars(text: string): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\') {
        out += ch + (text[i + 1] ?? '');
        i++;
      } else if (ch === quote) {
        quote = undefined;
        out += ch;
      } else if (ch < ' ') {
        out += CONTROL_ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
      } else {
        out += ch;
      }
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      out += ch;
    } else if (ch === '/' && text[i + 1] === '/') {
      // A comment may hold an apostrophe ("// don't"), which must not open a string.
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end - 1;
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
      out += ' ';
    } else {
      out += ch;
    }
  }
  return out;
}

interface Candidate {
  node: Node;
  repaired: boolean;
}

/** Top-level objects, arrays, @graph members and mainEntity: where shops put their Product. */
function collect(data: unknown, repaired: boolean, out: Candidate[], depth = 0): void {
  if (depth > 5) return;
  if (Array.isArray(data)) {
    for (const item of data) collect(item, repaired, out, depth + 1);
  } else if (isNode(data)) {
    out.push({ node: data, repaired });
    collect(data['@graph'], repaired, out, depth + 1);
    collect(data.mainEntity, repaired, out, depth + 1);
  }
}

export function readJsonLd($: CheerioAPI, baseUrl: string): SourceDraft {
  const candidates: Candidate[] = [];
  $('script').each((_, script) => {
    const type = ($(script).attr('type') ?? '').trim().toLowerCase();
    if (!type.startsWith('application/ld+json')) return;
    const parsed = parseJsonLdBlock($(script).text());
    if (parsed) collect(parsed.data, parsed.repaired, candidates);
  });

  const byId = new Map<string, Node>();
  for (const { node } of candidates) {
    if (typeof node['@id'] === 'string' && Object.keys(node).length > 1) byId.set(node['@id'], node);
  }
  const deref = (value: unknown): unknown =>
    isNode(value) && typeof value['@id'] === 'string' && Object.keys(value).length === 1 ? (byId.get(value['@id']) ?? value) : value;

  const ctx = { baseUrl, deref, decode: true };
  // Prefer a Product over IndividualProduct/ProductGroup; within a rank, the first one with a name.
  const products = candidates
    .map((candidate) => ({ ...candidate, rank: productRank(candidate.node) }))
    .filter((candidate): candidate is Candidate & { rank: number } => candidate.rank !== undefined)
    .map((candidate) => ({ ...candidate, values: readProductNode(candidate.node, ctx) }))
    .sort((a, b) => Number(!a.values.name) - Number(!b.values.name) || a.rank - b.rank);
  const best = products[0];
  if (!best) return { source: 'jsonld', isProduct: false, fields: {} };
  return { source: 'jsonld', isProduct: true, fields: toFields(best.values, 'jsonld', best.repaired ? PENALTY : 0) };
}
