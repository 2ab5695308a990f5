// G4 and G5: each sink (and the image stage) as the pipeline writes it, per item at the
// pipeline's concurrency, against its raw ceiling on the same data:
//   PostgreSQL  storeProduct            vs one multi-row server-side upsert of the same rows
//   Elasticsearch indexProducts         vs raw _bulk of the same documents
//   Neo4j       updateProductGraph      vs a plain UNWIND … MERGE of the same nodes and edges
//   images      optimiseImages          vs bare sharp (same two resizes) on the same image bytes
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
    for (const row of embedTexts.rows) await call(acts.embedProduct, { productId: row.product_id });
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

    // Elasticsearch.
    const indexRate = await perSecond(ids, CONCURRENCY, (id) => call(acts.indexProducts, { productIds: [id] }));
    const documents = (await load()).map(productDocument);
    const rawBulk = async () => {
      const started = performance.now();
      const response = await es.bulk({ operations: documents.flatMap((doc) => [{ index: { _index: index, _id: doc.productId } }, doc]) });
      if (response.errors) throw new Error('raw bulk had errors');
      return count / ((performance.now() - started) / 1000);
    };
    await rawBulk();
    const bulkRate = await rawBulk();
    await es.indices.refresh({ index });

    // Neo4j: the activity first (its kNN gives the edges), then the same graph in one UNWIND.
    const graphRate = await perSecond(ids, CONCURRENCY, (id) => call(acts.updateProductGraph, { productId: id }));
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
      const rawGraph = async () => {
        const started = performance.now();
        await session.executeWrite((tx) =>
          tx.run(
            `UNWIND $rows AS row
             MERGE (p:Product {productId: row.productId})
             SET p.tenantId = row.tenantId, p.name = row.name, p.url = row.url, p.price = row.price, p.currency = row.currency,
                 p.recommendations = [n IN row.similar | n.id], p.recommendationsAt = datetime()
             FOREACH (_ IN CASE WHEN row.brand IS NULL THEN [] ELSE [1] END |
               MERGE (b:Brand {tenantId: row.tenantId, name: row.brand}) MERGE (p)-[:MADE_BY]->(b))
             FOREACH (_ IN CASE WHEN row.category IS NULL THEN [] ELSE [1] END |
               MERGE (c:Category {tenantId: row.tenantId, name: row.category}) MERGE (p)-[:IN_CATEGORY]->(c))
             FOREACH (near IN row.similar |
               MERGE (q:Product {productId: near.id}) MERGE (p)-[s:SIMILAR_TO]->(q) SET s.score = near.score)`,
            { rows: graphRows },
          ),
        );
        return count / ((performance.now() - started) / 1000);
      };
      await rawGraph();
      const unwindRate = await rawGraph();

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
      return {
        figures: [
          atLeast(
            'G4',
            'PostgreSQL: storeProduct / multi-row upsert',
            storeRate / upsertRate,
            0.4,
            `${rate(storeRate)} vs ${rate(upsertRate)}, ${count} products`,
          ),
          atLeast('G4', 'Elasticsearch: indexProducts / raw _bulk', indexRate / bulkRate, 0.7, `${rate(indexRate)} vs ${rate(bulkRate)}`),
          atLeast(
            'G4',
            'Neo4j: updateProductGraph / UNWIND MERGE',
            graphRate / unwindRate,
            0.5,
            `${rate(graphRate)} vs ${rate(unwindRate)}`,
          ),
          atLeast(
            'G5',
            'image stage / bare sharp, same images',
            stageRate / sharpRate,
            0.9,
            `${rate(stageRate)} vs ${rate(sharpRate)} images, ${images.length} distinct × ${rounds}`,
          ),
        ],
        notes: [`G4/G5 per item at concurrency ${CONCURRENCY}; raw ceilings in one statement / request`],
      };
    } finally {
      await session.close();
    }
  } finally {
    await world.stop();
    await shop.close();
  }
}
