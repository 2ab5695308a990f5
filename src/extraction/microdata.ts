// Microdata: itemscope/itemtype/itemprop. The page scan turns each item into a JSON-LD-shaped
// object, so the Product reader in schema-product.ts applies the very same rules to both formats.
import { toFields } from './fields';
import { chooseMain, claimsPage, type PageIdentity } from './main-product';
import type { MicrodataItem } from './page-scan';
import type { PriceHint } from './price';
import { asArray, productRank, readProductNode, typesOf } from './schema-product';
import type { SourceDraft } from './types';

export interface MicrodataReading {
  draft: SourceDraft;
  pageTypes: Set<string>;
  claims: boolean;
}

export function readMicrodata(items: MicrodataItem[], ctx: { baseUrl: string; identity: PageIdentity; hint: PriceHint }): MicrodataReading {
  const readContext = { baseUrl: ctx.baseUrl, deref: (value: unknown) => value, decode: false, hint: ctx.hint };
  const pageTypes = new Set<string>();
  for (const item of items) if (!item.nested) for (const type of typesOf(item.node)) pageTypes.add(type);
  // Top-level items only: a Product nested as isRelatedTo/itemOffered is not the page's product.
  const products = items
    .filter((item) => !item.nested)
    .map((item) => ({ item, rank: productRank(item.node) }))
    .filter((candidate): candidate is { item: MicrodataItem; rank: number } => candidate.rank !== undefined)
    .map(({ item, rank }) => ({ item, rank, values: readProductNode(item.node, readContext) }));
  const scored = products.map((product, order) => ({
    name: product.values.name,
    urls: [product.item.node['@id'], ...asArray(product.item.node.url)].filter((url): url is string => typeof url === 'string'),
    mainEntity: false,
    rank: product.rank,
    order,
    priced: product.values.price !== undefined,
  }));
  const index = chooseMain(scored, ctx.identity, ctx.baseUrl);
  const empty: SourceDraft = { source: 'microdata', isProduct: false, fields: {} };
  if (index < 0) return { draft: empty, pageTypes, claims: false };
  // Three or more products and none claims the page: a category page.
  if (products.length >= 3 && !scored.some((candidate) => claimsPage(candidate, ctx.identity, ctx.baseUrl))) {
    pageTypes.add('ItemList');
    return { draft: empty, pageTypes, claims: false };
  }
  const best = products[index]!;
  return {
    draft: { source: 'microdata', isProduct: true, fields: toFields(best.values, 'microdata'), name: best.values.name },
    pageTypes,
    claims: claimsPage(scored[index]!, ctx.identity, ctx.baseUrl),
  };
}
