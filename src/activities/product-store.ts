// Persisting a product: PostgreSQL upsert (system of record), embedding, Elasticsearch index,
// Neo4j graph with similarity edges and recommendations, inventory sync — per product, or per
// page of a list (embedProducts, indexProducts, writeProductPage; similarity in the refresh).
// Every write is keyed by the product id, so re-running a list never duplicates rows,
// documents, nodes or edges.
import { createHash } from 'node:crypto';
import { activityInfo, heartbeat } from '@temporalio/activity';
import { permanent, transient } from '../errors';
import type { ExtractedProduct } from '../extraction';
import { LlmErrorType } from '../llm/error-types';
import type { AiProvenance } from '../llm/gateway';
import type { EnhancementOutput } from '../llm/tasks';
import { esIndices } from '../stores/elasticsearch';
import { GroupCommit, type BatchOutcome } from '../stores/group-commit';
import { graphRejected, refusedByNeo4j, withGraphSession } from '../stores/neo4j';
import type { ActivityDeps } from './deps';
import { callContext } from './llm';
import type { OptimisedImage } from './product-crawl';
import type { SentimentSummary } from './product-enrich';
import type { z } from 'zod';
import { storableJson, storableParam } from '../text/storable';
import { floatArrayJson, parseFloatArrayText } from '../stores/pg-types';

type Enhancement = z.infer<typeof EnhancementOutput> & { ai: AiProvenance };

export interface StoreProductInput {
  tenantId: string;
  url: string;
  /** Absent for feed items (nothing was crawled). */
  htmlKey?: string;
  extractKey: string;
  textKey?: string;
  images: OptimisedImage[];
  sentiment?: SentimentSummary | null;
  enhancementKey?: string;
}

export interface ProductRow {
  product_id: string;
  tenant_id: string;
  url: string;
  name: string;
  description: string | null;
  brand: string | null;
  sku: string | null;
  gtin: string | null;
  price: string | null;
  list_price: string | null;
  high_price: string | null;
  currency: string | null;
  availability: string | null;
  category: string | null;
  rating_value: number | null;
  clean_text: string | null;
  sentiment: SentimentSummary | null;
  enhancement: Enhancement | null;
  embedding: number[] | null;
  updated_at: Date;
}

/** Stable id of a product: the tenant and the page it was crawled from. */
export const productIdFor = (tenantId: string, url: string) =>
  createHash('sha256').update(`${tenantId}\n${url}`).digest('hex').slice(0, 24);

/** The search document of a stored product (the document id is the product id). */
export function productDocument(row: ProductRow) {
  return {
    productId: row.product_id,
    tenantId: row.tenant_id,
    url: row.url,
    name: row.name,
    description: row.clean_text ?? row.description ?? undefined,
    brand: row.brand ?? undefined,
    category: row.category ?? undefined,
    sku: row.sku ?? undefined,
    gtin: row.gtin ?? undefined,
    price: row.price === null ? undefined : Number(row.price),
    listPrice: row.list_price === null ? undefined : Number(row.list_price),
    highPrice: row.high_price === null ? undefined : Number(row.high_price),
    currency: row.currency ?? undefined,
    availability: row.availability ?? undefined,
    ratingValue: row.rating_value ?? undefined,
    seoTitle: row.enhancement?.seoTitle,
    bullets: row.enhancement?.bullets,
    tags: row.enhancement?.tags,
    sentimentLabel: row.sentiment?.label,
    embedding: row.embedding ?? undefined,
    ai: row.enhancement?.ai,
    updatedAt: row.updated_at.toISOString(),
  };
}

const SIMILAR_PER_PRODUCT = 5;

/** The columns productDocument reads; the vector as PostgreSQL prints it (see documentLine). */
const DOCUMENT_COLUMNS = `product_id, tenant_id, url, name, description, brand, sku, gtin, price, list_price, high_price, currency,
  availability, category, rating_value, clean_text, sentiment, enhancement, embedding::text AS embedding_text, updated_at`;

export type DocumentRow = Omit<ProductRow, 'embedding'> & { embedding_text: string | null };

/**
 * A product's document as the line `_bulk` sends, with its vector spliced in as PostgreSQL
 * printed it. Parsing 384 floats per product and printing them again cost about 4 ms of a
 * 100-product page's 5 ms in the worker (bench G4); anything but plain floats is parsed.
 */
export function documentLine(row: DocumentRow): string {
  const vector = row.embedding_text === null ? undefined : floatArrayJson(row.embedding_text);
  if (vector === undefined) {
    const embedding = row.embedding_text === null ? null : (parseFloatArrayText(row.embedding_text) as number[]);
    return JSON.stringify(productDocument({ ...row, embedding }));
  }
  const rest = JSON.stringify(productDocument({ ...row, embedding: null }));
  return `${rest.slice(0, -1)},"embedding":${vector}}`;
}

type GraphSourceRow = Pick<
  ProductRow,
  'product_id' | 'tenant_id' | 'name' | 'url' | 'price' | 'currency' | 'brand' | 'category' | 'embedding'
>;

/** What the graph holds of a product: its node's properties and its nearest neighbours. */
interface GraphRow {
  productId: string;
  tenantId: string;
  name: string;
  url: string;
  price: number | null;
  currency: string | null;
  brand: string | null;
  category: string | null;
  similar: { id: string; score: number }[];
}

/** The product's brand and category edges, for a row that has them (`p` bound to its node). */
const BRAND_AND_CATEGORY_EDGES = `FOREACH (_ IN CASE WHEN row.brand IS NULL THEN [] ELSE [1] END |
  MERGE (b:Brand {tenantId: row.tenantId, name: row.brand}) MERGE (p)-[:MADE_BY]->(b))
FOREACH (_ IN CASE WHEN row.category IS NULL THEN [] ELSE [1] END |
  MERGE (c:Category {tenantId: row.tenantId, name: row.category}) MERGE (p)-[:IN_CATEGORY]->(c))`;

/** A product's outgoing edges are replaced, never appended: those it no longer has are deleted,
 *  the others kept (MERGE finds them) and missing ones created, so an unchanged product costs no
 *  relationship writes (deleting and re-creating every edge took about a third longer). Only a
 *  product's own outgoing edges are touched, so the rows of one batch cannot undo each other's. */
const GRAPH_UPDATE = `UNWIND $rows AS row
MERGE (p:Product {productId: row.productId})
SET p.tenantId = row.tenantId, p.name = row.name, p.url = row.url, p.price = row.price, p.currency = row.currency,
    p.recommendations = [n IN row.similar | n.id], p.recommendationsAt = datetime()
WITH p, row, [n IN row.similar | n.id] AS similarIds
OPTIONAL MATCH (p)-[old:MADE_BY|IN_CATEGORY|SIMILAR_TO]->(target)
WHERE NOT CASE type(old)
  WHEN 'MADE_BY' THEN coalesce(target.tenantId = row.tenantId AND target.name = row.brand, false)
  WHEN 'IN_CATEGORY' THEN coalesce(target.tenantId = row.tenantId AND target.name = row.category, false)
  ELSE coalesce(target.productId IN similarIds, false)
END
DELETE old
WITH DISTINCT p, row
${BRAND_AND_CATEGORY_EDGES}
FOREACH (near IN row.similar |
  MERGE (q:Product {productId: near.id}) MERGE (p)-[r:SIMILAR_TO]->(q) SET r.score = near.score)`;

/** A list page's graph write: Product nodes with their brand and category edges, replaced like
 *  GRAPH_UPDATE's but without similarity. SIMILAR_TO edges and recommendations are the list's
 *  end-of-run refresh's (refreshListRecommendations), once per product when all are searchable. */
const PAGE_GRAPH_WRITE = `UNWIND $rows AS row
MERGE (p:Product {productId: row.productId})
SET p.tenantId = row.tenantId, p.name = row.name, p.url = row.url, p.price = row.price, p.currency = row.currency
WITH p, row
OPTIONAL MATCH (p)-[old:MADE_BY|IN_CATEGORY]->(target)
WHERE NOT CASE type(old)
  WHEN 'MADE_BY' THEN coalesce(target.tenantId = row.tenantId AND target.name = row.brand, false)
  ELSE coalesce(target.tenantId = row.tenantId AND target.name = row.category, false)
END
DELETE old
WITH DISTINCT p, row
${BRAND_AND_CATEGORY_EDGES}`;

/** A product of a list page that cannot go through a sink for good (e.g. no longer stored). */
export interface PageFailure {
  productId: string;
  errorType: string;
  message: string;
}

/** The text a product's embedding is computed from. */
const embeddingText = (row: Pick<ProductRow, 'name' | 'brand' | 'category' | 'enhancement' | 'clean_text' | 'description'>) =>
  [row.name, row.brand, row.category, row.enhancement?.seoTitle, row.clean_text ?? row.description]
    .filter(Boolean)
    .join('\n')
    .slice(0, 2_000);

/** The products of a page that are no longer stored (`rows`: those read). */
function missingFrom(productIds: string[], rows: { product_id: string }[]): PageFailure[] {
  const stored = new Set(rows.map((row) => row.product_id));
  return [...new Set(productIds)]
    .filter((id) => !stored.has(id))
    .map((productId) => ({ productId, errorType: 'ProductMissing', message: `product ${productId} is not stored` }));
}

/** A stored product as the graph update writes it (the sinks bench writes the same rows raw). */
export const graphRowOf = (row: GraphSourceRow, similar: GraphRow['similar']): GraphRow => ({
  productId: row.product_id,
  tenantId: row.tenant_id,
  name: row.name,
  url: row.url,
  price: row.price === null ? null : Number(row.price),
  currency: row.currency,
  brand: row.brand || null,
  category: row.category || null,
  similar,
});

/** Splits `items` into rounds in which no key repeats: a key's n-th write goes in round n, so
 *  rounds run in order keep each key's writes in order. */
function distinctRounds<T>(items: T[], keyOf: (item: T) => string): T[][] {
  const rounds: T[][] = [];
  const seen = new Map<string, number>();
  for (const item of items) {
    const key = keyOf(item);
    const round = seen.get(key) ?? 0;
    seen.set(key, round + 1);
    (rounds[round] ??= []).push(item);
  }
  return rounds;
}

export function createProductStoreActivities({
  pg,
  es,
  neo4j,
  blobs,
  llm,
  config,
}: Pick<ActivityDeps, 'pg' | 'es' | 'neo4j' | 'blobs' | 'llm' | 'config'>) {
  const index = esIndices(config).products;

  /** Product upserts of concurrent activities share one multi-row statement (group commit).
   *  A product written twice in one batch goes in two statements, in order, as it would alone;
   *  a batch the server refuses is retried row by row, so one bad row fails only its own write. */
  const upserts = new GroupCommit<unknown[], void>(async (rows) => {
    try {
      for (const round of distinctRounds(rows, (row) => row[0] as string)) await upsertProducts(round);
      return rows.map(() => ({ ok: true }));
    } catch (error) {
      if (rows.length === 1) return [{ ok: false, error }];
      return Promise.all(
        rows.map((row) =>
          upsertProducts([row]).then(
            () => ({ ok: true }),
            (failure: unknown) => ({ ok: false, error: failure }),
          ),
        ),
      );
    }
  });
  async function upsertProducts(rows: unknown[][]): Promise<void> {
    const width = rows[0]!.length;
    const values = rows.map((_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(',')})`).join(',\n');
    await pg.query(
      `INSERT INTO products (product_id, tenant_id, url, name, description, brand, sku, gtin, price, currency, availability,
         category, rating_value, rating_count, fields, images, clean_text, sentiment, enhancement, html_key, list_price, high_price)
       VALUES ${values}
       ON CONFLICT (product_id) DO UPDATE SET
         name = EXCLUDED.name, description = EXCLUDED.description, brand = EXCLUDED.brand, sku = EXCLUDED.sku,
         gtin = EXCLUDED.gtin, price = EXCLUDED.price, currency = EXCLUDED.currency, availability = EXCLUDED.availability,
         category = EXCLUDED.category, rating_value = EXCLUDED.rating_value, rating_count = EXCLUDED.rating_count,
         fields = EXCLUDED.fields, images = EXCLUDED.images, clean_text = EXCLUDED.clean_text,
         sentiment = COALESCE(EXCLUDED.sentiment, products.sentiment),
         enhancement = COALESCE(EXCLUDED.enhancement, products.enhancement),
         html_key = EXCLUDED.html_key, list_price = EXCLUDED.list_price, high_price = EXCLUDED.high_price, updated_at = now()`,
      rows.flat(),
    );
  }

  /** One read and one _bulk for the products: which were stored, and the documents Elasticsearch
   *  turned away (by id: its status and reason). */
  async function bulkIndex(productIds: string[]) {
    const { rows } = await pg.query<DocumentRow>(`SELECT ${DOCUMENT_COLUMNS} FROM products WHERE product_id = ANY($1)`, [
      [...new Set(productIds)],
    ]);
    const rejected = new Map<string, { status: number; reason: string }>();
    if (rows.length > 0) {
      // No refresh=wait_for: it holds each call up to the refresh interval (1 s), which made
      // indexing the pipeline's slowest stage; documents become searchable within a second.
      const response = await es.bulk<string>({
        operations: rows.flatMap((row) => [{ index: { _index: index, _id: row.product_id } }, documentLine(row)]),
      });
      if (response.errors) {
        for (const item of response.items)
          if (item.index?.error)
            rejected.set(item.index._id ?? '', { status: item.index.status, reason: item.index.error.reason ?? item.index.error.type });
      }
    }
    return { rows, rejected };
  }

  /** Index requests of concurrent activities share one PostgreSQL read and one _bulk request;
   *  a document Elasticsearch rejects fails only the request that asked for it. */
  const indexing = new GroupCommit<string[], { indexed: number }>(
    async (requests) => {
      const { rows, rejected } = await bulkIndex(requests.flat());
      const stored = new Set(rows.map((row) => row.product_id));
      return requests.map((productIds) => {
        const reason = productIds.map((id) => rejected.get(id)?.reason).find((found) => found !== undefined);
        if (reason !== undefined)
          return { ok: false, error: transient('IndexFailed', `Elasticsearch rejected a product document: ${reason}`) };
        return { ok: true, value: { indexed: new Set(productIds.filter((id) => stored.has(id))).size } };
      });
    },
    // Gathering: the writers of a returned batch come back together (without it, batches of 1
    // and 7 alternated at concurrency 8; a second batch in flight split them the same way).
    { maxBatch: 200, maxInFlight: 1, gatherMs: 0 },
  );

  /** The products' graph rows in one read and their nearest neighbours in one _msearch (kNN on
   *  the embedding within the tenant). A product that is not stored, or whose search fails,
   *  fails alone. */
  async function graphRowsOf(productIds: string[]): Promise<BatchOutcome<GraphRow>[]> {
    const { rows } = await pg.query<GraphSourceRow>(
      `SELECT product_id, tenant_id, name, url, price, currency, brand, category, embedding
         FROM products WHERE product_id = ANY($1)`,
      [[...new Set(productIds)]],
    );
    const searched = rows.filter((row) => row.embedding);
    const neighbours = new Map<string, GraphRow['similar'] | Error>();
    if (searched.length > 0) {
      const { responses } = await es.msearch({
        searches: searched.flatMap((row) => [
          { index },
          {
            knn: {
              field: 'embedding',
              query_vector: row.embedding!,
              k: SIMILAR_PER_PRODUCT + 1,
              num_candidates: 100,
              filter: { bool: { filter: [{ term: { tenantId: row.tenant_id } }], must_not: [{ term: { productId: row.product_id } }] } },
            },
            // Only the neighbours' ids, from doc values: no stored fields, no total count.
            _source: false,
            stored_fields: ['_none_'],
            docvalue_fields: ['productId'],
            track_total_hits: false,
          },
        ]),
      });
      responses.forEach((response, i) => {
        const productId = searched[i]!.product_id;
        if ('error' in response) {
          neighbours.set(
            productId,
            transient('SimilaritySearchFailed', `kNN search failed: ${response.error.reason ?? response.error.type}`),
          );
        } else {
          const hits = response.hits.hits.slice(0, SIMILAR_PER_PRODUCT);
          neighbours.set(
            productId,
            hits.map((hit) => ({ id: (hit.fields?.productId as string[])[0]!, score: hit._score ?? 0 })),
          );
        }
      });
    }
    const byId = new Map(rows.map((row) => [row.product_id, row]));
    return productIds.map((productId) => {
      const row = byId.get(productId);
      if (!row) return { ok: false, error: permanent('ProductMissing', `product ${productId} is not stored`) };
      const similar = neighbours.get(productId) ?? [];
      if (similar instanceof Error) return { ok: false, error: similar };
      return { ok: true, value: graphRowOf(row, similar) };
    });
  }

  /** One UNWIND transaction for the rows; if Neo4j refuses it, each product on its own, so a bad
   *  row fails only its own update. */
  async function writeGraphRows(rows: GraphRow[]): Promise<BatchOutcome<void>[]> {
    const latest = [...new Map(rows.map((row) => [row.productId, row])).values()];
    try {
      await writeGraph(latest);
      return rows.map(() => ({ ok: true }));
    } catch (error) {
      const final = (failure: unknown) => (refusedByNeo4j(failure) ? graphRejected(failure as Error) : failure);
      if (latest.length === 1) return rows.map(() => ({ ok: false, error: final(error) }));
      const failed = new Map<string, unknown>();
      for (const row of latest) await writeGraph([row]).catch((failure: unknown) => failed.set(row.productId, final(failure)));
      return rows.map((row) => (failed.has(row.productId) ? { ok: false, error: failed.get(row.productId) } : { ok: true }));
    }
  }

  /** Graph updates of concurrent activities share one read, one _msearch and one transaction. */
  const graphUpdates = new GroupCommit<string, { similar: number }>(
    async (productIds) => {
      const sources = await graphRowsOf(productIds);
      const ready = sources.flatMap((source) => (source.ok ? [source.value!] : []));
      const written = ready.length > 0 ? await writeGraphRows(ready) : [];
      const writeOf = new Map(ready.map((row, i) => [row.productId, written[i]!]));
      return sources.map((source) => {
        if (!source.ok) return { ok: false, error: source.error };
        const write = writeOf.get(source.value!.productId)!;
        return write.ok ? { ok: true, value: { similar: source.value!.similar.length } } : { ok: false, error: write.error };
      });
    },
    { maxBatch: 100, maxInFlight: 1, gatherMs: 0 },
  );

  async function writeGraph(rows: GraphRow[], statement = GRAPH_UPDATE): Promise<void> {
    // One statement, one transaction (GRAPH_UPDATE; a list page's PAGE_GRAPH_WRITE leaves the
    // similarity edges to the refresh): each product's outgoing edges become
    // exactly its current brand, category and neighbours, so re-runs add nothing — and a batch
    // cut off by the deadline (a Neo4j that stopped answering) is safe to retry.
    await withGraphSession(neo4j, config.NEO4J_DATABASE, (session, txConfig) =>
      session.executeWrite((tx) => tx.run(statement, { rows }), txConfig),
    );
  }

  async function loadProduct(productId: string): Promise<ProductRow> {
    const { rows } = await pg.query<ProductRow>('SELECT * FROM products WHERE product_id = $1', [productId]);
    if (!rows[0]) throw permanent('ProductMissing', `product ${productId} is not stored`);
    return rows[0];
  }

  const activities = {
    async storeProduct(input: StoreProductInput): Promise<{ productId: string }> {
      const product = await blobs.getJson<ExtractedProduct>(input.extractKey);
      const text = input.textKey ? (await blobs.get(input.textKey)).toString('utf8') : null;
      const enhancement = input.enhancementKey ? await blobs.getJson<Enhancement>(input.enhancementKey) : null;
      if (product.price && (!Number.isFinite(product.price.value) || product.price.value < 0 || product.price.value > 1e10)) {
        throw permanent('InvalidProductData', `price ${product.price.value} is not a valid amount`, { url: input.url });
      }
      const productId = productIdFor(input.tenantId, input.url);
      const fields = Object.fromEntries(
        Object.entries(product)
          .filter(([, field]) => field && !Array.isArray(field))
          .map(([name, field]) => {
            const { source, confidence } = field as { source: string; confidence: number };
            return [name, { source, confidence }];
          }),
      );
      await upserts.submit(
        [
          productId,
          input.tenantId,
          input.url,
          product.name.value,
          product.description?.value ?? null,
          product.brand?.value ?? null,
          product.sku?.value ?? null,
          product.gtin?.value ?? null,
          product.price?.value ?? null,
          product.currency?.value ?? null,
          product.availability?.value ?? null,
          product.category?.value ?? null,
          product.rating?.value.value ?? null,
          product.rating?.value.count ?? null,
          storableJson(fields),
          storableJson(input.images),
          text,
          input.sentiment ? storableJson(input.sentiment) : null,
          enhancement ? storableJson(enhancement) : null,
          input.htmlKey ?? null,
          product.listPrice?.value ?? null,
          product.highPrice?.value ?? null,
        ].map(storableParam), // crawled and model text: NULs and lone surrogates cannot be stored
      );
      return { productId };
    },

    /** The vector for kNN search and similarity; runs on the LLM queue. */
    async embedProduct({ productId }: { productId: string }): Promise<{ dimensions: number }> {
      const row = await loadProduct(productId);
      const [vector] = await llm.embed([embeddingText(row)], callContext(row.tenant_id));
      await pg.query('UPDATE products SET embedding = $2 WHERE product_id = $1', [productId, vector]);
      return { dimensions: vector!.length };
    },

    /** A list page's vectors in one request to the embeddings endpoint; runs on the LLM queue
     *  (its rate limit and budget as embedProduct's). Products no longer stored are answered as
     *  failed, the others embedded. */
    async embedProducts({ tenantId, productIds }: { tenantId: string; productIds: string[] }): Promise<{ failed: PageFailure[] }> {
      const { rows } = await pg.query<ProductRow>(
        `SELECT product_id, name, brand, category, enhancement, clean_text, description FROM products WHERE product_id = ANY($1)`,
        [[...new Set(productIds)]],
      );
      const failed = missingFrom(productIds, rows);
      if (rows.length === 0) return { failed };
      const ctx = callContext(tenantId);
      /** One request for the page; a page over the rate limit's tokens per window (LLM_RATE_LIMITS)
       *  goes in halves, each of which may fit. */
      const embedAll = async (texts: string[]): Promise<number[][]> => {
        try {
          return await llm.embed(texts, ctx);
        } catch (error) {
          if (texts.length < 2 || (error as { type?: string }).type !== LlmErrorType.RequestTooLarge) throw error;
          const half = Math.ceil(texts.length / 2);
          return [...(await embedAll(texts.slice(0, half))), ...(await embedAll(texts.slice(half)))];
        }
      };
      const vectors = await embedAll(rows.map(embeddingText));
      await pg.query(
        `UPDATE products SET embedding = page.embedding
           FROM jsonb_to_recordset($1::jsonb) AS page (product_id text, embedding real[])
          WHERE products.product_id = page.product_id`,
        [JSON.stringify(rows.map((row, i) => ({ product_id: row.product_id, embedding: vectors[i] })))],
      );
      return { failed };
    },

    /** Indexes products by id (bulk when several); the document id is the product id. With
     *  `rejected: 'report'` (a list page) a document Elasticsearch refuses for good (a 4xx other
     *  than 429) fails only its product, reported in `failed`; anything else retries the page. */
    async indexProducts({
      productIds,
      rejected: rejections = 'fail',
    }: {
      productIds: string[];
      rejected?: 'fail' | 'report';
    }): Promise<{ indexed: number; failed?: PageFailure[] }> {
      if (rejections === 'fail') return indexing.submit(productIds);
      const { rows, rejected } = await bulkIndex(productIds);
      const failed: PageFailure[] = [];
      for (const [productId, { status, reason }] of rejected) {
        if (status === 429 || status >= 500)
          throw transient('IndexFailed', `Elasticsearch could not take a product document now (${status}): ${reason}`);
        failed.push({ productId, errorType: 'IndexRejected', message: `Elasticsearch rejected the document (${status}): ${reason}` });
      }
      return { indexed: rows.length - failed.length, failed: [...missingFrom(productIds, rows), ...failed] };
    },

    /** MERGEs Product/Brand/Category, replaces the product's similarity edges with its current
     *  nearest neighbours (kNN on the embedding) and refreshes its recommendation list.
     *  Concurrent updates share their reads, searches and graph transaction (see graphUpdates). */
    async updateProductGraph({ productId }: { productId: string }): Promise<{ similar: number }> {
      return graphUpdates.submit(productId);
    },

    /** A list page's products into the graph in one transaction: nodes, brand and category edges
     *  (PAGE_GRAPH_WRITE); no kNN, no similarity edges (the list's refresh writes those). A page
     *  Neo4j refuses is written product by product, and only the refused ones are answered as
     *  failed (`GraphRejected`); a Neo4j that is down or busy fails the page, to be retried. */
    async writeProductPage({ productIds }: { productIds: string[] }): Promise<{ failed: PageFailure[] }> {
      const { rows } = await pg.query<GraphSourceRow>(
        `SELECT product_id, tenant_id, name, url, price, currency, brand, category FROM products WHERE product_id = ANY($1)`,
        [[...new Set(productIds)]],
      );
      const failed = missingFrom(productIds, rows);
      if (rows.length === 0) return { failed };
      const graphRows = rows.map((row) => graphRowOf(row, []));
      try {
        await writeGraph(graphRows, PAGE_GRAPH_WRITE);
      } catch (error) {
        if (!refusedByNeo4j(error)) throw error;
        for (const row of graphRows) {
          await writeGraph([row], PAGE_GRAPH_WRITE).catch((failure: unknown) => {
            if (!refusedByNeo4j(failure)) throw failure;
            const { type, message } = graphRejected(failure as Error);
            failed.push({ productId: row.productId, errorType: type, message });
          });
        }
      }
      return { failed };
    },

    /** Pushes availability and price to the inventory target (idempotent per product). */
    async syncInventory({ productId }: { productId: string }): Promise<{ target: 'table' | 'endpoint' }> {
      const row = await loadProduct(productId);
      const record = {
        productId,
        tenantId: row.tenant_id,
        sku: row.sku,
        availability: row.availability,
        price: row.price === null ? null : Number(row.price),
        currency: row.currency,
      };
      if (config.INVENTORY_ENDPOINT_URL) {
        const response = await fetch(config.INVENTORY_ENDPOINT_URL, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `${productId}:${row.updated_at.toISOString()}` },
          body: JSON.stringify(record),
          signal: AbortSignal.timeout(10_000),
        });
        if (response.status >= 500 || response.status === 429)
          throw transient('InventoryUnavailable', `inventory endpoint answered ${response.status}`);
        if (!response.ok) throw permanent('InventoryRejected', `inventory endpoint answered ${response.status}`);
        return { target: 'endpoint' };
      }
      await pg.query(
        `INSERT INTO inventory (tenant_id, product_id, sku, availability, price, currency) VALUES ($1,$2,$3,$4,$5,$6)
         ON CONFLICT (tenant_id, product_id) DO UPDATE SET sku = EXCLUDED.sku, availability = EXCLUDED.availability,
           price = EXCLUDED.price, currency = EXCLUDED.currency, synced_at = now()`,
        [row.tenant_id, productId, row.sku, row.availability, row.price, row.currency],
      );
      return { target: 'table' };
    },

    /** After a list: recompute the similarity edges and recommendations of its products, now
     *  that all of them are searchable (items early in a first run saw few neighbours).
     *  Heartbeats its position, so a retry resumes where the last attempt stopped. */
    async refreshListRecommendations({ listId }: { listId: string }): Promise<{ refreshed: number }> {
      await es.indices.refresh({ index });
      const resumed = (activityInfo().heartbeatDetails as { afterKey?: string; refreshed?: number } | undefined) ?? {};
      let afterKey = resumed.afterKey ?? '';
      let refreshed = resumed.refreshed ?? 0;
      for (;;) {
        const { rows } = await pg.query<{ item_key: string; product_id: string }>(
          `SELECT item_key, product_id FROM product_list_items
           WHERE list_id = $1 AND state = 'succeeded' AND product_id IS NOT NULL AND item_key > $2 ORDER BY item_key LIMIT 100`,
          [listId, afterKey],
        );
        if (rows.length === 0) return { refreshed };
        // A page at a time, all at once: the updates share reads, searches and transactions.
        // A failed page is redone whole on retry (the updates are idempotent).
        await Promise.all(rows.map((row) => activities.updateProductGraph({ productId: row.product_id })));
        refreshed += rows.length;
        afterKey = rows[rows.length - 1]!.item_key;
        heartbeat({ afterKey, refreshed });
      }
    },
  };
  return activities;
}
