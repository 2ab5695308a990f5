// PostgreSQL: the system of record. One pool per process; migrations applied at start.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Pool, type PoolClient } from 'pg';
import type { Config } from '../config';
import type { Logger } from '../observability/logger';
import { pgTypes } from './pg-types';

export function createPgPool(config: Pick<Config, 'DATABASE_URL' | 'PG_POOL_MAX'>): Pool {
  const pool = new Pool({
    connectionString: config.DATABASE_URL,
    max: config.PG_POOL_MAX,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'magicai-workflows',
    types: pgTypes,
  });
  // An idle connection dropped by the server (restart, outage) is discarded by the pool; without
  // a listener the 'error' event would end the process. The next query opens a fresh connection.
  pool.on('error', () => undefined);
  // The same for a connection dropped while checked out (a transaction, a held lock): the pool
  // takes its listener off during checkout, so a PostgreSQL restart then killed the worker
  // process (seen in the fault suite). The query in flight still rejects; the broken client is
  // discarded when released.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** Runs `work` in one transaction on one connection: committed if it resolves, rolled back if it throws. */
export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
// Any fixed number shared by every process; serialises concurrent migrators.
const MIGRATION_LOCK_KEY = 727_001;

/**
 * Applies every `migrations/NNNN_name.sql` not yet recorded in `schema_migrations`, each in
 * its own transaction, under an advisory lock so that API and worker replicas can all call it.
 */
export async function migratePostgres(pool: Pool, logger?: Logger): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await readFile(path.join(MIGRATIONS_DIR, file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(file);
      logger?.info({ migration: file }, 'postgres migration applied');
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
  return applied;
}
