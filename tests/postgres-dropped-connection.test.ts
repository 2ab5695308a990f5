// A PostgreSQL connection dropped by the server while a process holds it checked out (in a
// transaction, holding a lock) must not end the process: the fault suite saw a worker die of an
// unhandled 'error' event when PostgreSQL restarted. The server ends the connection for real
// here (pg_terminate_backend on this test's own connection).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createPgPool } from '../src/stores/postgres';
import { eventually, testConfig } from './support/world';

describe('a checked-out PostgreSQL connection dropped by the server', () => {
  const pool = createPgPool(testConfig());
  after(async () => pool.end());

  it('does not end the process; the pool serves again with a fresh connection', async () => {
    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    let dropped = false;
    client.once('end', () => (dropped = true));
    const other = await pool.connect();
    await other.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    other.release();
    await eventually(() => Promise.resolve(dropped ? true : undefined), 10_000, 'the server to end the connection');
    await assert.rejects(client.query('SELECT 1'));
    client.release(true);
    assert.equal((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one, 1);
  });
});
