// The pool's float-array parser: embeddings (real[]) come back as numbers, exactly as pg's own
// parser gives them, for every value PostgreSQL can store in one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pool } from 'pg';
import { loadConfig } from '../src/config';
import { createPgPool } from '../src/stores/postgres';
import { parseFloatArray } from '../src/stores/pg-types';
import { documentLine, productDocument, type DocumentRow } from '../src/activities/product-store';

describe('float arrays from PostgreSQL', () => {
  let pool: Pool;
  before(() => {
    pool = createPgPool(loadConfig(process.env));
  });
  after(() => pool?.end());

  it('reads real[] and float8[] values as pg would, including exponents, NULLs and special values', async () => {
    const { rows } = await pool.query<Record<string, unknown>>(
      `SELECT ARRAY[0.5, -1.25e-7, 3e20, 0]::real[] || '-0'::real AS plain,
              ARRAY[1, NULL, 2]::real[] AS with_null,
              ARRAY['NaN', 'Infinity', '-Infinity']::float8[] AS special,
              ARRAY[[1, 2], [3, 4]]::real[] AS nested,
              '{}'::real[] AS empty,
              NULL::real[] AS absent`,
    );
    const row = rows[0]!;
    assert.deepEqual(row.plain, [0.5, -1.25e-7, 3e20, 0, -0]);
    assert.deepEqual(row.with_null, [1, null, 2]);
    assert.deepEqual(row.special, [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    assert.deepEqual(row.nested, [
      [1, 2],
      [3, 4],
    ]);
    assert.deepEqual(row.empty, []);
    assert.equal(row.absent, null);
  });

  it('leaves what is not plain JSON to the fallback parser', () => {
    const seen: string[] = [];
    const fallback = (text: string) => (seen.push(text), 'fallback');
    assert.deepEqual(parseFloatArray('{1,2.5,-3e-05}', fallback), [1, 2.5, -3e-5]);
    assert.equal(parseFloatArray('{1,NULL}', fallback), 'fallback');
    assert.equal(parseFloatArray('{{1},{2}}', fallback), 'fallback');
    assert.deepEqual(seen, ['{1,NULL}', '{{1},{2}}']);
  });

  it('puts the vector into a product document as PostgreSQL printed it: the same JSON as the parsed vector gives', async () => {
    const { rows } = await pool.query<{ text: string | null; parsed: number[] | null }>(
      `SELECT v::text AS text, v AS parsed FROM (VALUES (ARRAY[0.5, -1.25e-7, 3e20, 0.1]::real[]),
         (ARRAY[1, NULL]::real[]), (ARRAY['NaN', 1]::real[]), ('{}'::real[]), (NULL::real[])) AS vectors (v)`,
    );
    const base: Omit<DocumentRow, 'embedding_text'> = {
      product_id: 'p1',
      tenant_id: 't1',
      url: 'https://shop.example/p1',
      name: 'Linen "towel"',
      description: null,
      brand: 'Weavers',
      sku: null,
      gtin: null,
      price: '12.50',
      list_price: null,
      high_price: null,
      currency: 'EUR',
      availability: null,
      category: null,
      rating_value: null,
      clean_text: 'Soft.',
      sentiment: null,
      enhancement: null,
      updated_at: new Date('2026-12-06T08:00:00Z'),
    };
    for (const { text, parsed } of rows) {
      const line = documentLine({ ...base, embedding_text: text });
      assert.deepEqual(JSON.parse(line), JSON.parse(JSON.stringify(productDocument({ ...base, embedding: parsed }))), `vector ${text}`);
    }
    assert.match(documentLine({ ...base, embedding_text: rows[0]!.text }), /"embedding":\[0\.5,-1\.25e-07,3e\+20,0\.1\]\}$/);
  });
});
