// Read side for the API: product and content search in Elasticsearch (BM25 text, kNN on the
// embedding, or both combined), and product recommendations from the Neo4j graph. Every query
// is filtered to the caller's tenant.
import type { Client as EsClient } from '@elastic/elasticsearch';
import type { Driver } from 'neo4j-driver';
import { z } from 'zod';
import type { Config } from '../config';
import type { LlmGateway } from '../llm/gateway';
import { esIndices } from '../stores/elasticsearch';
import { boundedGraphCall } from '../stores/neo4j';

export const SearchQuery = z
  .object({
    q: z.string().trim().min(1).max(500),
    mode: z.enum(['text', 'knn', 'hybrid']).default('hybrid'),
    limit: z.coerce.number().int().min(1).max(50).default(10),
  })
  .strict();

/** A person waits on a search: its embedding waits this long at most for room under the model
 *  provider's rate limit, then the API answers 503 with Retry-After. */
const INTERACTIVE_RATE_WAIT_MS = 5_000;

export interface SearchDeps {
  config: Config;
  es: EsClient;
  llm: LlmGateway;
  neo4j: Driver;
}

const FIELDS = {
  products: {
    text: ['name^3', 'seoTitle^2', 'description', 'bullets', 'brand', 'category'],
    source: ['productId', 'name', 'brand', 'category', 'price', 'currency', 'url', 'ai'],
  },
  content: { text: ['title^2', 'text'], source: ['docId', 'title', 'ai', 'updatedAt'] },
} as const;

export async function search(deps: SearchDeps, tenantId: string, family: 'products' | 'content', query: unknown) {
  const { q, mode, limit } = SearchQuery.parse(query);
  const indices = esIndices(deps.config);
  const filter = family === 'products' ? [{ term: { tenantId } }] : [{ term: { tenantId } }, { term: { kind: 'content' } }];
  const text = { bool: { must: { multi_match: { query: q, fields: [...FIELDS[family].text] } }, filter } };
  const knn =
    mode === 'text'
      ? undefined
      : {
          field: 'embedding',
          query_vector: (await deps.llm.embed([q], { tenantId, maxRateWaitMs: INTERACTIVE_RATE_WAIT_MS }))[0]!,
          k: limit,
          num_candidates: Math.max(50, limit * 5),
          filter,
        };
  const result = await deps.es.search<Record<string, unknown>>({
    index: family === 'products' ? indices.products : indices.documents,
    size: limit,
    _source: [...FIELDS[family].source],
    ...(mode !== 'knn' ? { query: text } : {}),
    ...(knn ? { knn } : {}),
  });
  return {
    mode,
    items: result.hits.hits.map((hit) => ({ score: hit._score ?? 0, ...(hit._source ?? {}) })),
  };
}

export async function recommendations(deps: Pick<SearchDeps, 'neo4j'>, tenantId: string, productId: string) {
  const { records } = await boundedGraphCall((signal) =>
    deps.neo4j.executeQuery(
      `MATCH (p:Product {productId: $productId, tenantId: $tenantId})
       OPTIONAL MATCH (p)-[s:SIMILAR_TO]->(q:Product {tenantId: $tenantId})
       RETURN p.productId AS productId, collect({productId: q.productId, name: q.name, score: s.score}) AS similar`,
      { productId, tenantId },
      { signal },
    ),
  );
  if (!records[0]) return undefined;
  const similar = (records[0].get('similar') as { productId: string | null; name: string; score: number }[])
    .filter((item) => item.productId !== null)
    .sort((a, b) => b.score - a.score);
  return { productId, items: similar };
}
