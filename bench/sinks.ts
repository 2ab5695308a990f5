// G4 and G5: each sink (and the image stage) as the pipeline writes it, against its raw ceiling
// on the same data. A list's items store their product (per item, at the pipeline's
// concurrency); embedding, index and graph run per page of stored products (LIST_SINK_PAGE_SIZE,
// one page in flight), and the similarity edges once per product at the end of the list:
//   PostgreSQL    storeProduct per item          vs one multi-row server-side upsert of the same rows
//   Elasticsearch indexProducts in pages         vs one raw _bulk of the same documents
//   Neo4j         writeProductPage in pages      vs one plain UNWIND … MERGE of the same nodes and brand/category edges
//   images        optimiseImages                 vs bare sharp (same two resizes) on the same image bytes
// Notes, not targets: the similarity refresh per product (kNN + SIMILAR_TO, as
// refreshListRecommendations runs it) against a raw UNWIND that includes those edges, and the
// per-item index and graph calls (experiment items, runs from before list pages).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createActivities } from '../src/activities';
import { graphRowOf, productDocument, type ProductRow } from '../src/activities/product-store';
import { esIndices } from '../src/stores/elasticsearch';
import { sampleShopCatalog, startSampleShop } from '../fixtures/sample-shop';
import { startWorld } from '../tests/support/world';
import { atLeast, type BenchReport } from './support/figures';
import { activityCaller, perSecond } from './support/stats';

const CONCURRENCY = 8;

/** The best of `runs` measurements (the first also warms caches): the least noisy figure on a
 *  shared machine, taken the same way on both sides of a ratio. */
async function bestOf(runs: number, measure: () => Promise<number>): Promise<number> {
  let best = 0;
  for (let run = 0; run < runs; run++) best = Math.max(best, await measure());
  return best;
}

export async function benchSinks({ quick }: { quick: boolean }): Promise<BenchReport> {
  const count = quick ? 80 : 300;
  const shop = await startSampleShop();
  const world = await startWorld(
    { FETCH_ALLOW_HOSTS: new URL(shop.baseUrl).host, BLOB_DIR: mkdtempSync(path.join(tmpdir(), 'bench-blobs-')), LOG_LEVEL: 'error' },
    { workers: false },
  );
  const { pg, es, neo4j } = world.infra;
  const acts = createActivities(world.infra);
  const call = activityCaller();
  const tenantId = `bench-sinks-${Date.now().toString(36)}`;
  const index = esIndices(world.config).products;
  try {
    // The same data for every pair: generated products, stored, embedded and indexed once.
    const urls = Array.from({ length: count }, (_, i) => new URL(`/gen/${70_000 + i}.html`, shop.baseUrl).href);
    const prepared = await Promise.all(
      urls.map(async (url) => {
        const page = await call(acts.fetchProductPage, { url });
        const extracted = await call(acts.extractProduct, { htmlKey: page.htmlKey, pageUrl: page.finalUrl });
        const text = await call(acts.cleanProductText, { extractKey: extracted.extractKey });
        return { url, htmlKey: page.htmlKey, extractKey: extracted.extractKey, textKey: text.textKey };
      }),
    );
    const ids: string[] = [];
    for (const item of prepared) ids.push((await call(acts.storeProduct, { tenantId, ...item, images: [] })).productId);
    const embedTexts = await pg.query<{ product_id: string }>(
      'SELECT product_id FROM products WHERE product_id = ANY($1) AND embedding IS NULL',
      [ids],
    );
    const pageSize = world.config.LIST_SINK_PAGE_SIZE;
    const pages = Array.from({ length: Math.ceil(count / pageSize) }, (_, i) => ids.slice(i * pageSize, (i + 1) * pageSize));
    const unembedded = embedTexts.rows.map((row) => row.product_id);
    for (let i = 0; i < unembedded.length; i += pageSize)
      await call(acts.embedProducts, { tenantId, productIds: unembedded.slice(i, i + pageSize) });
    await call(acts.indexProducts, { productIds: ids });
    await es.indices.refresh({ index });
    const load = async () =>
      (await pg.query<ProductRow & Record<string, unknown>>('SELECT * FROM products WHERE product_id = ANY($1)', [ids])).rows;

    // PostgreSQL.
    const storeRate = await perSecond(prepared, CONCURRENCY, (item) => call(acts.storeProduct, { tenantId, ...item, images: [] }));
    const rows = await load();
    const columns = Object.keys(rows[0]!).filter((column) => column !== 'product_id');
    const rawUpsert = async () => {
      const started = performance.now();
      await pg.query(
        `INSERT INTO products SELECT * FROM jsonb_populate_recordset(NULL::products, $1::jsonb)
         ON CONFLICT (product_id) DO UPDATE SET ${columns.map((column) => `${column} = EXCLUDED.${column}`).join(', ')}`,
        [JSON.stringify(rows)],
      );
      return count / ((performance.now() - started) / 1000);
    };
    await rawUpsert(); // warm
    const upsertRate = await rawUpsert();

    // Elasticsearch: the list's pages, one after the other, against one raw _bulk of everything.
    const pagedIndex = async () => {
      const started = performance.now();
      for (const productIds of pages) await call(acts.indexProducts, { productIds });
      return count / ((performance.now() - started) / 1000);
    };
    const documents = (await load()).map(productDocument);
    const rawBulk = async () => {
      const started = performance.now();
      const response = await es.bulk({ operations: documents.flatMap((doc) => [{ index: { _index: index, _id: doc.productId } }, doc]) });
      if (response.errors) throw new Error('raw bulk had errors');
      return count / ((performance.now() - started) / 1000);
    };
    const indexRate = await bestOf(3, pagedIndex);
    const bulkRate = await bestOf(3, rawBulk);
    // Per item at the pipeline's concurrency (experiment items, runs from before list pages).
    const itemIndexRate = await perSecond(ids, CONCURRENCY, (id) => call(acts.indexProducts, { productIds: [id] }));
    await es.indices.refresh({ index });

    // Neo4j. The similarity refresh first (its kNN gives the edges the raw statement writes):
    // a page of updates at once, as refreshListRecommendations runs them.
    const refreshRate = await bestOf(2, async () => {
      const started = performance.now();
      for (const productIds of pages) await Promise.all(productIds.map((productId) => call(acts.updateProductGraph, { productId })));
      return count / ((performance.now() - started) / 1000);
    });
    const itemGraphRate = await perSecond(ids, CONCURRENCY, (id) => call(acts.updateProductGraph, { productId: id }));
    const pagedGraph = async () => {
      const started = performance.now();
      for (const productIds of pages) await call(acts.writeProductPage, { productIds });
      return count / ((performance.now() - started) / 1000);
    };
    const session = neo4j.session({ database: world.config.NEO4J_DATABASE });
    try {
      const edges = await session.run(
        'MATCH (p:Product)-[r:SIMILAR_TO]->(q:Product) WHERE p.productId IN $ids RETURN p.productId AS id, collect({id: q.productId, score: r.score}) AS similar',
        { ids },
      );
      const similar = new Map(
        edges.records.map((record) => [record.get('id') as string, record.get('similar') as { id: string; score: number }[]]),
      );
      const graphRows = (await load()).map((row) => graphRowOf(row, similar.get(row.product_id) ?? []));
      /** The raw ceiling: one transaction MERGEing the nodes and their brand and category edges,
       *  and (for the refresh's note) their similarity edges. */
      const rawGraph = (withSimilar: boolean) => async () => {
        const started = performance.now();
        await session.executeWrite((tx) =>
          tx.run(
            `UNWIND $rows AS row
             MERGE (p:Product {productId: row.productId})
             SET p.tenantId = row.tenantId, p.name = row.name, p.url = row.url, p.price = row.price, p.currency = row.currency
             ${withSimilar ? ', p.recommendations = [n IN row.similar | n.id], p.recommendationsAt = datetime()' : ''}
             FOREACH (_ IN CASE WHEN row.brand IS NULL THEN [] ELSE [1] END |
               MERGE (b:Brand {tenantId: row.tenantId, name: row.brand}) MERGE (p)-[:MADE_BY]->(b))
             FOREACH (_ IN CASE WHEN row.category IS NULL THEN [] ELSE [1] END |
               MERGE (c:Category {tenantId: row.tenantId, name: row.category}) MERGE (p)-[:IN_CATEGORY]->(c))
             ${withSimilar ? 'FOREACH (near IN row.similar | MERGE (q:Product {productId: near.id}) MERGE (p)-[s:SIMILAR_TO]->(q) SET s.score = near.score)' : ''}`,
            { rows: graphRows },
          ),
        );
        return count / ((performance.now() - started) / 1000);
      };
      const graphRate = await bestOf(3, pagedGraph);
      const unwindRate = await bestOf(3, rawGraph(false));
      const unwindSimilarRate = await bestOf(3, rawGraph(true));

      // Images: the catalog's real images, through the stage and through bare sharp.
      const imagePages = await Promise.all(
        sampleShopCatalog
          .filter((page) => page.behaviour === 'ok' && page.expected && page.expected.imageCount > 0)
          .map(async (page) => {
            const fetched = await call(acts.fetchProductPage, { url: new URL(page.path, shop.baseUrl).href });
            return (await call(acts.extractProduct, { htmlKey: fetched.htmlKey, pageUrl: fetched.finalUrl })).imageUrls;
          }),
      );
      const bytes = new Map<string, Buffer>();
      for (const url of new Set(imagePages.flat())) {
        const response = await fetch(url);
        if (response.ok) bytes.set(url, Buffer.from(await response.arrayBuffer())); // pages that point at missing images
      }
      const images = [...bytes.keys()];
      const rounds = quick ? 3 : 8;
      const work = Array.from({ length: rounds }, () => images).flat();
      await call(acts.optimiseImages, { imageUrls: images.slice(0, 2) }); // warm
      const stageRate = await perSecond(work, CONCURRENCY, (url) => call(acts.optimiseImages, { imageUrls: [url] }));
      const sharpRate = await perSecond(work, CONCURRENCY, async (url) => {
        const input = sharp(bytes.get(url)).rotate();
        await input.clone().resize({ width: 1200, withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
        await input.clone().resize({ width: 300, height: 300, fit: 'cover' }).webp({ quality: 70 }).toBuffer();
      });

      const rate = (value: number) => `${value.toFixed(0)}/s`;
      const ms = (perSecondValue: number) => `${(1000 / perSecondValue).toFixed(1)} ms`;
      return {
        figures: [
          atLeast(
            'G4',
            'PostgreSQL: storeProduct / multi-row upsert',
            storeRate / upsertRate,
            0.4,
            `${rate(storeRate)} vs ${rate(upsertRate)}, ${count} products`,
          ),
          atLeast(
            'G4',
            `Elasticsearch: indexProducts in pages of ${pageSize} / raw _bulk`,
            indexRate / bulkRate,
            0.7,
            `${rate(indexRate)} vs ${rate(bulkRate)}`,
          ),
          atLeast(
            'G4',
            `Neo4j: writeProductPage in pages of ${pageSize} / UNWIND MERGE`,
            graphRate / unwindRate,
            0.5,
            `${rate(graphRate)} vs ${rate(unwindRate)}, nodes + brand/category edges`,
          ),
          atLeast(
            'G5',
            'image stage / bare sharp, same images',
            stageRate / sharpRate,
            0.9,
            `${rate(stageRate)} vs ${rate(sharpRate)} images, ${images.length} distinct × ${rounds}`,
          ),
        ],
        notes: [
          `G4 store and G5 per item at concurrency ${CONCURRENCY}; index and graph per list page of ${pageSize}, one page at a time; raw ceilings in one statement / request of all ${count}`,
          `G4 note (no target): similarity refresh (kNN + SIMILAR_TO, a page of updateProductGraph at once) ${ms(refreshRate)}/product, ${rate(refreshRate)}; ` +
            `vs raw UNWIND with those edges ${rate(unwindSimilarRate)}: ${(refreshRate / unwindSimilarRate).toFixed(2)}`,
          `G4 note (no target): per item at concurrency ${CONCURRENCY} (experiment items, runs before list pages): indexProducts ${rate(itemIndexRate)} = ${(itemIndexRate / bulkRate).toFixed(2)} of raw _bulk; ` +
            `updateProductGraph ${rate(itemGraphRate)} = ${(itemGraphRate / unwindSimilarRate).toFixed(2)} of raw UNWIND with similarity edges`,
        ],
      };
    } finally {
      await session.close();
    }
  } finally {
    await world.stop();
    await shop.close();
  }
}
