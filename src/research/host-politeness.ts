// Per-host politeness that holds across every worker process: a PostgreSQL row per host holds
// the earliest next request start, and expiring leases count the requests in flight.
//
// Why PostgreSQL rather than a task queue with a server-side rate limit: Temporal's limit
// (maxTaskQueueActivitiesPerSecond) is per queue, not per host, so per-host limits would need a
// queue — and workers — per crawled host, created on the fly; it also bounds starts per second,
// not requests in flight, and cannot follow a robots.txt Crawl-delay. A row lock per host gives
// both (concurrency and gap) for any number of hosts and processes, with the database every
// worker already uses. Leases expire, so a killed worker cannot hold a host's slot for long.
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';

export interface HostPolitenessOptions {
  /** Requests in flight per host, across all processes. */
  concurrency: number;
  /** How long a lease lives if its holder never releases it (crash): above the fetch timeout. */
  leaseMs: number;
  /** Longest single wait between attempts, so a freed slot is noticed soon. */
  pollMs?: number;
}

/** Logs a start (a CTE after `taken`) at the very instant it was granted — the next start less
 *  the gap — rather than whenever the log row is written: a row stamped a few milliseconds late
 *  on a busy machine would show its successor closer than the gap it actually kept. */
const RECORD_START = `recorded AS (
           INSERT INTO crawl_host_starts (host, holder, started_at)
           SELECT $1, $3, next_start_at - make_interval(secs => $2::float8 / 1000) FROM taken)`;

export class SharedHostPoliteness {
  readonly holder = `${hostname()}:${process.pid}`;

  constructor(
    private readonly pg: Pool,
    private readonly options: HostPolitenessOptions,
  ) {}

  /** Runs `task` once the host has a free slot and `gapMs` has passed since the last start there. */
  async run<T>(host: string, gapMs: number, task: () => Promise<T>, onWait?: () => void): Promise<T> {
    const lease = await this.acquire(host, gapMs, onWait);
    try {
      return await task();
    } finally {
      await this.pg.query('DELETE FROM crawl_host_leases WHERE lease_id = $1', [lease]).catch(() => undefined); // expiry frees it otherwise
    }
  }

  /** For a redirect hop inside a leased fetch: waits until the host's gap has passed and takes
   *  the next start, so every request to the host — hops included — keeps the gap. */
  async nextStart(host: string, gapMs: number): Promise<void> {
    await this.pg.query('INSERT INTO crawl_hosts (host) VALUES ($1) ON CONFLICT (host) DO NOTHING', [host]);
    for (;;) {
      const { rows } = await this.pg.query<{ wait_ms: number | null }>(
        `WITH taken AS (
           UPDATE crawl_hosts SET next_start_at = clock_timestamp() + make_interval(secs => $2::float8 / 1000)
           WHERE host = $1 AND next_start_at <= clock_timestamp() RETURNING next_start_at),
         ${RECORD_START}
         SELECT CASE WHEN EXISTS (SELECT 1 FROM taken) THEN NULL
                ELSE (SELECT GREATEST(0, EXTRACT(EPOCH FROM (next_start_at - clock_timestamp())) * 1000)::float8 FROM crawl_hosts WHERE host = $1) END AS wait_ms`,
        [host, gapMs, this.holder],
      );
      if (rows[0]?.wait_ms === null || rows[0]?.wait_ms === undefined) return;
      await sleep(Math.min(Math.max(rows[0].wait_ms, 10), this.options.pollMs ?? 250));
    }
  }

  private async acquire(host: string, gapMs: number, onWait?: () => void): Promise<string> {
    await this.pg.query('INSERT INTO crawl_hosts (host) VALUES ($1) ON CONFLICT (host) DO NOTHING', [host]);
    for (;;) {
      const waitMs = await this.tryAcquire(host, gapMs);
      if (typeof waitMs === 'string') return waitMs;
      onWait?.();
      await sleep(Math.min(Math.max(waitMs, 10), this.options.pollMs ?? 250));
    }
  }

  /** One attempt in one transaction: the lease id, or how long to wait before the next attempt. */
  private async tryAcquire(host: string, gapMs: number): Promise<string | number> {
    const client = await this.pg.connect();
    try {
      await client.query('BEGIN');
      // clock_timestamp(), not now(): now() is when the transaction began, before the lock wait.
      const { rows } = await client.query<{ wait_ms: number }>(
        `SELECT GREATEST(0, EXTRACT(EPOCH FROM (next_start_at - clock_timestamp())) * 1000)::float8 AS wait_ms
         FROM crawl_hosts WHERE host = $1 FOR UPDATE`,
        [host],
      );
      await client.query('DELETE FROM crawl_host_leases WHERE host = $1 AND expires_at < clock_timestamp()', [host]);
      const active = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM crawl_host_leases WHERE host = $1', [host]);
      const waitMs = rows[0]?.wait_ms ?? 0;
      if (waitMs > 0 || active.rows[0]!.n >= this.options.concurrency) {
        await client.query('COMMIT');
        return waitMs > 0 ? waitMs : (this.options.pollMs ?? 250);
      }
      const lease = await client.query<{ lease_id: string }>(
        `INSERT INTO crawl_host_leases (host, holder, expires_at) VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3::float8 / 1000))
         RETURNING lease_id`,
        [host, this.holder, this.options.leaseMs],
      );
      await client.query(
        `WITH taken AS (
           UPDATE crawl_hosts SET next_start_at = clock_timestamp() + make_interval(secs => $2::float8 / 1000)
           WHERE host = $1 RETURNING next_start_at),
         ${RECORD_START}
         SELECT 1`,
        [host, gapMs, this.holder],
      );
      await client.query(`DELETE FROM crawl_host_starts WHERE host = $1 AND started_at < clock_timestamp() - interval '1 day'`, [host]);
      await client.query('COMMIT');
      return lease.rows[0]!.lease_id;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
