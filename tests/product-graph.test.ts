// The product graph under concurrent updates: updates that run at the same time share one
// PostgreSQL read, one _msearch and one Neo4j transaction, and still give each product exactly
// its own nodes and edges; a product that cannot be written fails alone. Real PostgreSQL,
// Elasticsearch and Neo4j; embeddings are set by the test, so the nearest neighbours are known.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../src/activities';
import { productIdFor } from '../src/activities/product-store';
import { esIndices } from '../src/stores/elasticsearch';
import { startWorld, type World } from './support/world';

/** Angles (degrees) in one plane, chosen so that for every product its six nearest differ in
 *  distance by 8° or more: the five nearest and their order are unambiguous. */
const ANGLES = [0, 12, 33, 43, 114, 149, 168, 176];
/** Product 0 moved (the test changes its embedding): distances stay unambiguous. */
const MOVED = [137, 12, 33, 43, 114, 149, 168, 176];

describe('product graph: concurrent updates', () => {
  let world: World;
  let acts: ReturnType<typeof createActivities>;
  const env = new MockActivityEnvironment();
  const tenantId = `graph-${randomUUID().slice(0, 8)}`;
  const ids = ANGLES.map((_, i) => productIdFor(tenantId, `https://shop.example/p/${i}`));

  /** A point at `degrees` in the plane of two orthonormal dense vectors: cosine similarity is
   *  the cosine of the angle between two points. Dense, like a real embedding (the index
   *  quantises to int8 from the values' spread, which a vector of two non-zero values defeats). */
  const vectorAt = (degrees: number) => {
    const radians = (degrees * Math.PI) / 180;
    return plane[0].map((u, d) => Math.cos(radians) * u + Math.sin(radians) * plane[1][d]!);
  };
  let plane: [number[], number[]];
  const seededPlane = (dimensions: number): [number[], number[]] => {
    let seed = 42;
    const next = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648) * 2 - 1;
    const unit = (v: number[]) => v.map((x) => x / Math.hypot(...v));
    const u = unit(Array.from({ length: dimensions }, next));
    const raw = Array.from({ length: dimensions }, next);
    const along = raw.reduce((sum, x, d) => sum + x * u[d]!, 0);
    return [u, unit(raw.map((x, d) => x - along * u[d]!))];
  };

  /** The five others nearest in angle, nearest first. */
  const expectedNeighbours = (i: number, angles = ANGLES) =>
    angles
      .map((angle, j) => ({ id: ids[j]!, distance: Math.abs(angle - angles[i]!) }))
      .filter((_, j) => j !== i)
      .sort((a, b) => a.distance - b.distance)
      .slice(0, 5)
      .map((n) => n.id);

  const update = (productId: string): Promise<{ similar: number }> =>
    env.run<[{ productId: string }], { similar: number }, typeof acts.updateProductGraph>(acts.updateProductGraph, { productId });

  async function graphOf(productId: string) {
    const { records } = await world.infra.neo4j.executeQuery(
      `MATCH (p:Product {productId: $productId})
       RETURN p.recommendations AS recommendations,
              [(p)-[:SIMILAR_TO]->(q) | q.productId] AS similar,
              [(p)-[:MADE_BY]->(b) | b.name] AS brands,
              [(p)-[:IN_CATEGORY]->(c) | c.name] AS categories`,
      { productId },
      { database: world.config.NEO4J_DATABASE },
    );
    assert.equal(records.length, 1, `one node for ${productId}`);
    const record = records[0]!;
    return {
      recommendations: record.get('recommendations') as string[],
      similar: record.get('similar') as string[],
      brands: record.get('brands') as string[],
      categories: record.get('categories') as string[],
    };
  }

  before(async () => {
    world = await startWorld({}, { workers: false });
    acts = createActivities(world.infra);
    plane = seededPlane(world.config.EMBEDDING_DIMENSIONS);
    for (const [i, angle] of ANGLES.entries()) {
      await world.infra.pg.query(
        `INSERT INTO products (product_id, tenant_id, url, name, brand, category, price, currency, fields, embedding)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'EUR', '{}', $8)`,
        [ids[i], tenantId, `https://shop.example/p/${i}`, `Product ${i}`, `Brand ${i % 2}`, `Category ${i % 3}`, 10 + i, vectorAt(angle)],
      );
    }
    await env.run(acts.indexProducts, { productIds: ids });
    await world.infra.es.indices.refresh({ index: esIndices(world.config).products });
  });
  after(async () => {
    await world?.infra.neo4j.executeQuery(
      'MATCH (n) WHERE n.tenantId = $tenantId DETACH DELETE n',
      { tenantId },
      {
        database: world.config.NEO4J_DATABASE,
      },
    );
    await world?.stop();
  });

  it('gives every product of a concurrent batch exactly its own brand, category and nearest neighbours', async () => {
    const results = await Promise.all(ids.map(update));
    assert.deepEqual(
      results.map((r) => r.similar),
      ids.map(() => 5),
    );
    for (const [i, id] of ids.entries()) {
      const graph = await graphOf(id);
      assert.deepEqual(graph.recommendations, expectedNeighbours(i), `neighbours of product ${i}, nearest first`);
      assert.deepEqual([...graph.similar].sort(), [...expectedNeighbours(i)].sort());
      assert.deepEqual(graph.brands, [`Brand ${i % 2}`]);
      assert.deepEqual(graph.categories, [`Category ${i % 3}`]);
    }
  });

  it('replaces edges rather than appending them, and adds nothing when run again', async () => {
    await world.infra.pg.query(`UPDATE products SET brand = 'Brand New', category = NULL WHERE product_id = $1`, [ids[0]]);
    await Promise.all([...ids, ...ids].map(update)); // each product twice in the same rounds
    const first = await graphOf(ids[0]!);
    assert.deepEqual(first.brands, ['Brand New']);
    assert.deepEqual(first.categories, []);
    for (const [i, id] of ids.entries()) {
      const graph = await graphOf(id);
      assert.equal(graph.similar.length, 5, `product ${i} keeps exactly five similarity edges`);
      if (i > 0) assert.deepEqual(graph.brands, [`Brand ${i % 2}`]);
    }
    const { records } = await world.infra.neo4j.executeQuery(
      'MATCH (p:Product) WHERE p.tenantId = $tenantId RETURN count(p) AS products',
      { tenantId },
      { database: world.config.NEO4J_DATABASE },
    );
    assert.equal(records[0]!.get('products'), ids.length);
  });

  it('removes the similarity edges a product no longer has when its embedding moves', async () => {
    await world.infra.pg.query('UPDATE products SET embedding = $2 WHERE product_id = $1', [ids[0], vectorAt(MOVED[0]!)]);
    await env.run(acts.indexProducts, { productIds: [ids[0]!] });
    await world.infra.es.indices.refresh({ index: esIndices(world.config).products });
    await Promise.all(ids.map(update));
    for (const [i, id] of ids.entries()) {
      const graph = await graphOf(id);
      assert.deepEqual(graph.recommendations, expectedNeighbours(i, MOVED), `neighbours of product ${i} after the move`);
      assert.deepEqual([...graph.similar].sort(), [...expectedNeighbours(i, MOVED)].sort());
    }
    assert.notDeepEqual(expectedNeighbours(0, MOVED), expectedNeighbours(0)); // the move changed them
  });

  it('fails only the update of a product that is not stored', async () => {
    const missing = productIdFor(tenantId, 'https://shop.example/never-stored');
    const outcomes = await Promise.allSettled([ids[1]!, missing, ids[2]!].map(update));
    assert.equal(outcomes[0]!.status, 'fulfilled');
    assert.equal(outcomes[2]!.status, 'fulfilled');
    assert.equal(outcomes[1]!.status, 'rejected');
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /ProductMissing|is not stored/);
  });

  it('fails only the update Neo4j refuses, and writes the others of its batch', async () => {
    // A brand name too long for the Brand key index: Neo4j refuses the node, so the batch's
    // transaction fails and each product is written on its own.
    const bad = ids[3]!;
    await world.infra.pg.query(`UPDATE products SET brand = repeat('x', 40000) WHERE product_id = $1`, [bad]);
    await world.infra.neo4j.executeQuery(
      'MATCH (p:Product)-[r:SIMILAR_TO]->() WHERE p.tenantId = $tenantId DELETE r',
      { tenantId },
      { database: world.config.NEO4J_DATABASE },
    );
    const outcomes = await Promise.allSettled(ids.map(update));
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ids.map((id) => (id === bad ? 'rejected' : 'fulfilled')),
    );
    assert.match(String((outcomes[3] as PromiseRejectedResult).reason), /too large/);
    for (const [i, id] of ids.entries()) {
      if (id === bad) continue;
      assert.deepEqual((await graphOf(id)).recommendations, expectedNeighbours(i, MOVED), `product ${i} written despite the bad row`);
      assert.equal((await graphOf(id)).similar.length, 5);
    }
  });
});
