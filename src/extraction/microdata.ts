// Microdata: itemscope/itemtype/itemprop. Each item becomes a JSON-LD-shaped object so the
// Product reader in schema-product.ts applies the very same rules to both formats.
import type { CheerioAPI } from 'cheerio';
import { toFields } from './fields';
import { collapse } from './normalise';
import { asArray, productRank, readProductNode, type Node } from './schema-product';
import type { Elements, SourceDraft } from './types';

const SRC_TAGS = new Set(['img', 'audio', 'video', 'source', 'embed', 'iframe', 'track']);
const HREF_TAGS = new Set(['a', 'area', 'link']);

/** "http://schema.org/price" and "price" name the same property. */
const localName = (name: string) => name.split(/[/#]/).pop() ?? name;

const itemTypes = (el: Elements) => (el.attr('itemtype') ?? '').split(/\s+/).filter(Boolean);

function propertyValue(el: Elements): string {
  const tag = (el.prop('tagName') ?? '').toLowerCase();
  const content = el.attr('content');
  if (content !== undefined) return content;
  if (SRC_TAGS.has(tag)) {
    // Lazy-loading themes put a data: placeholder in src and the picture in data-src.
    const src = el.attr('src');
    return (src && !src.startsWith('data:') ? src : el.attr('data-src')) ?? '';
  }
  if (HREF_TAGS.has(tag)) return el.attr('href') ?? '';
  if (tag === 'data' || tag === 'meter') return el.attr('value') ?? collapse(el.text());
  if (tag === 'time') return el.attr('datetime') ?? collapse(el.text());
  return collapse(el.text());
}

/** The properties of one item: descendants with itemprop, not descending into nested items. */
function readItem($: CheerioAPI, scope: Elements, depth = 0): Node {
  const item: Node = { '@type': itemTypes(scope) };
  const add = (name: string, value: unknown) => {
    const existing = item[name];
    item[name] = existing === undefined ? value : [...asArray(existing), value];
  };
  const visit = (parent: Elements) => {
    parent.children().each((_, child) => {
      const el = $(child);
      const nested = el.attr('itemscope') !== undefined;
      const names = (el.attr('itemprop') ?? '').split(/\s+/).filter(Boolean).map(localName);
      if (names.length) {
        const value = nested && depth < 5 ? readItem($, el, depth + 1) : propertyValue(el);
        for (const name of names) add(name, value);
      }
      if (!nested) visit(el);
    });
  };
  visit(scope);
  return item;
}

export function readMicrodata($: CheerioAPI, baseUrl: string): SourceDraft {
  const ctx = { baseUrl, deref: (value: unknown) => value, decode: false };
  // Top-level items first: a Product nested as isRelatedTo/itemOffered is not the page's product.
  const products = $('[itemscope][itemtype]')
    .toArray()
    .map((element) => $(element))
    .map((el) => ({ el, rank: productRank({ '@type': itemTypes(el) }) }))
    .filter((candidate): candidate is { el: Elements; rank: number } => candidate.rank !== undefined)
    .map(({ el, rank }) => ({
      rank,
      nested: el.attr('itemprop') !== undefined,
      values: readProductNode(readItem($, el), ctx),
    }))
    .sort((a, b) => Number(!a.values.name) - Number(!b.values.name) || Number(a.nested) - Number(b.nested) || a.rank - b.rank);
  const best = products[0];
  if (!best) return { source: 'microdata', isProduct: false, fields: {} };
  return { source: 'microdata', isProduct: true, fields: toFields(best.values, 'microdata') };
}
