// The pool's float-array parser: embeddings (real[]) come back as numbers, exactly as pg's own
// parser gives them, for every value PostgreSQL can store in one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pool } from 'pg';
import { loadConfig } from '../src/config';
import { createPgPool } from '../src/stores/postgres';
import { parseFloatArray } from '../src/stores/pg-types';

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
});
