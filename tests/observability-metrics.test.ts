// The service metrics behind the alerts, against the real PostgreSQL: every query counted
// (pool.query and checked-out clients, connections opened before instrumentation included),
// failures sorted by kind, a refused connection counted as a failed query; the memory limit.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createPgPool, withTransaction } from '../src/stores/postgres';
import { createDbMetrics, instrumentPgPool, memoryLimitBytes, type DbMetrics } from '../src/observability/metrics';
import { testConfig } from './support/world';

async function counts(metrics: DbMetrics) {
  const queries = (await metrics.queries.get()).values.reduce((sum, v) => sum + v.value, 0);
  const errors = Object.fromEntries((await metrics.errors.get()).values.map((v) => [String(v.labels.kind), v.value]));
  return { queries, errors };
}

describe('PostgreSQL query and error counters', () => {
  const config = testConfig();
  const pool = createPgPool(config);
  let metrics: DbMetrics;

  before(async () => {
    await pool.query('SELECT 1'); // a connection made before instrumentation
    metrics = createDbMetrics(new Registry());
    instrumentPgPool(pool, metrics);
  });
  after(() => pool.end());

  it('counts queries, and failed ones by kind (constraint violations apart)', async () => {
    await pool.query('SELECT 1');
    await withTransaction(pool, async (client) => {
      await client.query('CREATE TEMP TABLE metrics_probe (id int PRIMARY KEY) ON COMMIT DROP');
      await client.query('INSERT INTO metrics_probe VALUES (1)');
      await assert.rejects(client.query('INSERT INTO metrics_probe VALUES (1)'), /duplicate key/);
    }).catch(() => undefined); // the transaction is rolled back after the violation
    await assert.rejects(pool.query('SELEKT 1'), /syntax error/);
    const { queries, errors } = await counts(metrics);
    // SELECT 1, BEGIN, CREATE, INSERT, INSERT (failed), ROLLBACK, SELEKT (failed)
    assert.equal(queries, 7);
    assert.deepEqual(errors, { constraint: 1, other: 1 });
  });

  it('counts a refused connection as a failed query of kind connection', async () => {
    const refused = createPgPool({ ...config, DATABASE_URL: 'postgres://magicai:magicai@127.0.0.1:1/none' });
    const refusedMetrics = createDbMetrics(new Registry());
    instrumentPgPool(refused, refusedMetrics);
    await assert.rejects(refused.query('SELECT 1'));
    await assert.rejects(refused.connect());
    await refused.end();
    assert.deepEqual(await counts(refusedMetrics), { queries: 2, errors: { connection: 2 } });
  });
});

describe('memory limit', () => {
  it('prefers MEMORY_LIMIT_BYTES (the container limit from the downward API)', () => {
    assert.equal(memoryLimitBytes({ MEMORY_LIMIT_BYTES: '536870912' }), 536_870_912);
    assert.ok(memoryLimitBytes({}) > 0);
  });
});
