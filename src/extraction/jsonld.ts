// JSON-LD: every <script type="application/ld+json"> block, parsed as leniently as real shops
// need (comments, trailing commas, raw control characters, entity-encoded blocks). A block that
// parses only after repair lowers the confidence of what it gives; one that never parses is skipped.
import { parse as parseJson5 } from 'json5';
import { PENALTY, toFields } from './fields';
import { decodeEntities } from './normalise';
import { chooseMain, claimsPage, LISTING_TYPES, type PageIdentity } from './main-product';
import type { PriceHint } from './price';
import { asArray, isNode, productRank, readProductNode, typesOf, type Node } from './schema-product';
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
  mainEntity: boolean;
  order: number;
}

/** What the page's JSON-LD says: its main product (if any) and what kind of page it is. */
export interface JsonLdReading {
  draft: SourceDraft;
  /** Types of the page's top-level nodes (Event, Invoice, ItemList…). */
  pageTypes: Set<string>;
  /** Products listed in a top-level ItemList. */
  listed: number;
  /** The chosen product claims the page (its URL, mainEntity, OpenGraph or <title> match). */
  claims: boolean;
}

// Nodes read at most: a hostile block of a million tiny objects costs no more than this.
const MAX_NODES = 50_000;

/**
 * Top-level objects, arrays (nested any depth), @graph members (nested any depth) and
 * mainEntity: where shops put their Product. Walked with an explicit stack, so 20 nested
 * arrays or three levels of @graph cost nothing special and cannot overflow the call stack.
 */
function collect(data: unknown, repaired: boolean, out: Candidate[], pageTypes: Set<string>): number {
  let listed = 0;
  const stack: { value: unknown; mainEntity: boolean }[] = [{ value: data, mainEntity: false }];
  let visited = 0;
  while (stack.length && visited++ < MAX_NODES) {
    const { value, mainEntity } = stack.pop()!;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], mainEntity });
    } else if (isNode(value)) {
      out.push({ node: value, repaired, mainEntity, order: out.length });
      for (const type of typesOf(value)) pageTypes.add(type);
      if (typesOf(value).includes('ItemList')) listed += asArray(value.itemListElement).length;
      if (value['@graph'] !== undefined) stack.push({ value: value['@graph'], mainEntity: false });
      if (value.mainEntity !== undefined) stack.push({ value: value.mainEntity, mainEntity: true });
    }
  }
  return listed;
}

export function readJsonLd(blocks: string[], ctx: { baseUrl: string; identity: PageIdentity; hint: PriceHint }): JsonLdReading {
  const candidates: Candidate[] = [];
  const pageTypes = new Set<string>();
  let listed = 0;
  for (const block of blocks.slice(0, 100)) {
    const parsed = parseJsonLdBlock(block);
    if (parsed) listed += collect(parsed.data, parsed.repaired, candidates, pageTypes);
  }

  const byId = new Map<string, Node>();
  for (const { node } of candidates) {
    if (typeof node['@id'] === 'string' && Object.keys(node).length > 1) byId.set(node['@id'], node);
  }
  const deref = (value: unknown): unknown =>
    isNode(value) && typeof value['@id'] === 'string' && Object.keys(value).length === 1 ? (byId.get(value['@id']) ?? value) : value;

  const readContext = { baseUrl: ctx.baseUrl, deref, decode: true, hint: ctx.hint };
  const products = candidates
    .map((candidate) => ({ ...candidate, rank: productRank(candidate.node) }))
    .filter((candidate): candidate is Candidate & { rank: number } => candidate.rank !== undefined)
    .map((candidate) => ({ ...candidate, values: readProductNode(candidate.node, readContext) }));
  const scored = products.map((product, order) => ({
    name: product.values.name,
    urls: [
      product.node['@id'],
      product.node.url,
      ...asArray(product.node.offers)
        .map(deref)
        .filter(isNode)
        .map((offer) => offer.url),
    ].filter((url): url is string => typeof url === 'string'),
    mainEntity: product.mainEntity,
    rank: product.rank,
    order,
    priced: product.values.price !== undefined,
  }));
  const index = chooseMain(scored, ctx.identity, ctx.baseUrl);
  const best = index >= 0 ? products[index]! : undefined;
  const empty: SourceDraft = { source: 'jsonld', isProduct: false, fields: {} };
  if (!best) return { draft: empty, pageTypes, listed, claims: false };
  // Several products and none of them claims the page: a listing, not a product page.
  const claimed = scored.some((candidate) => claimsPage(candidate, ctx.identity, ctx.baseUrl));
  const listingPage = [...pageTypes].some((type) => LISTING_TYPES.has(type) && type !== 'OfferCatalog');
  if (!claimed && (listed >= 2 || (products.length >= 3 && listingPage)))
    return { draft: empty, pageTypes, listed: Math.max(listed, products.length), claims: false };
  return {
    draft: {
      source: 'jsonld',
      isProduct: true,
      fields: toFields(best.values, 'jsonld', best.repaired ? PENALTY : 0),
      name: best.values.name,
    },
    pageTypes,
    listed,
    claims: claimsPage(scored[index]!, ctx.identity, ctx.baseUrl),
  };
}
