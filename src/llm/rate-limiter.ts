// The model provider's rate limit (requests and tokens per window), held across every worker
// process and the API through PostgreSQL.
//
// Why a sliding-window log of calls in PostgreSQL: the provider counts requests and tokens in
// any window of LLM_RATE_WINDOW. A fixed window or a token bucket lets up to twice the limit
// through inside one window (a burst at the end of one period and the start of the next), so
// each admitted call is a row, and a call is admitted only if it fits beside the rows still held.
// A call is held from its admission until one window after it ENDED: the provider sees it at
// some moment in between, so whatever the network delays, no window at the provider can hold
// more than the limit. Admission is serialised by the limit key's row lock (SELECT … FOR UPDATE),
// on PostgreSQL's clock, so every process sees the same rows and the same time; no process keeps
// any state of its own. A crashed holder's call stops counting after the client timeout plus a
// window. Tokens are reserved as an estimate (input estimated, plus max_tokens) and replaced by
// the actual usage when the call ends.
//
// Over the limit, a call waits (sleeping until the earliest moment it could fit, never polling
// in a loop; the worker keeps heartbeating the activity meanwhile) for at most LLM_RATE_MAX_WAIT;
// if it could not fit by then it fails retryably as LlmRateLimited with that wait as the next
// retry delay. A provider's 429 blocks the key until its Retry-After for every process alike.
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import type { Pool, PoolClient } from 'pg';
import type { Config } from '../config';
import { withTransaction } from '../stores/postgres';
import { LlmErrorType } from './error-types';
import { admit, isUnlimited, limitFor, type Admission, type Held, type RateLimit } from './rate-rules';

export type RateLimiterConfig = Pick<Config, 'LLM_RATE_LIMITS' | 'LLM_RATE_WINDOW' | 'LLM_RATE_MAX_WAIT' | 'LLM_TIMEOUT_MS'>;

/** An admitted call; `settle` it when it ended. `grantId` is absent under no limit. */
export interface RateGrant {
  key: string;
  grantId?: string;
}

export interface WaitOptions {
  /** A shorter wait than LLM_RATE_MAX_WAIT (interactive callers, short activities). */
  maxWaitMs?: number;
  /** Ends the wait early (an activity's cancellation). */
  signal?: AbortSignal;
}

/** What a process's metrics count: waits for room, refusals after the longest wait, 429s. */
export interface RateLimitObserver {
  waited(key: string, ms: number): void;
  refused(key: string): void;
  providerLimited(key: string): void;
}

/** Extra time a call in flight is held beyond its client timeout, before it counts as abandoned. */
const IN_FLIGHT_SLACK_MS = 5_000;

export class SharedRateLimiter {
  private readonly knownKeys = new Set<string>();
  private readonly observers: RateLimitObserver[] = [];

  constructor(
    private readonly pg: Pool,
    private readonly config: RateLimiterConfig,
  ) {}

  observe(observer: RateLimitObserver): void {
    this.observers.push(observer);
  }

  /** Waits until a call of `tokens` to `model` fits under its limit, and records it as held. */
  async acquire(model: string, tokens: number, options: WaitOptions = {}): Promise<RateGrant> {
    const { key, limit } = limitFor(this.config.LLM_RATE_LIMITS, model);
    const deadline = Date.now() + Math.min(options.maxWaitMs ?? Number.POSITIVE_INFINITY, this.config.LLM_RATE_MAX_WAIT);
    const started = Date.now();
    let slept = false;
    for (;;) {
      const outcome = isUnlimited(limit) ? await this.blockedOnly(key) : await this.tryAdmit(key, limit, tokens);
      if (outcome.admitted) {
        if (slept) this.observers.forEach((observer) => observer.waited(key, Date.now() - started));
        return outcome.grant;
      }
      if ('never' in outcome) {
        throw ApplicationFailure.nonRetryable(
          `a call to ${model} needs about ${tokens} tokens, more than the ${limit.tokens} per window that LLM_RATE_LIMITS allows for ${key}`,
          LlmErrorType.RequestTooLarge,
          { key, tokens, limit: limit.tokens },
        );
      }
      if (Date.now() + outcome.waitMs > deadline) {
        this.observers.forEach((observer) => observer.refused(key));
        throw ApplicationFailure.create({
          message: `the rate limit for ${key} (LLM_RATE_LIMITS, shared by all workers) has no room for ${Math.ceil(outcome.waitMs / 1000)} s`,
          type: LlmErrorType.RateLimited,
          details: [{ source: 'shared-limit', key }],
          nextRetryDelay: outcome.waitMs,
        });
      }
      slept = true;
      await sleep(outcome.waitMs, undefined, { signal: options.signal });
    }
  }

  /** The call ended: it counts for one more window, with its actual tokens when known. */
  async settle(grant: RateGrant, actualTokens?: number): Promise<void> {
    if (!grant.grantId) return;
    await this.pg
      .query(
        `UPDATE llm_rate_grants SET ended = true, tokens = COALESCE($2, tokens),
           held_until = clock_timestamp() + make_interval(secs => $3::float8 / 1000)
         WHERE grant_id = $1`,
        [grant.grantId, actualTokens && actualTokens > 0 ? Math.ceil(actualTokens) : null, this.config.LLM_RATE_WINDOW],
      )
      .catch(() => undefined); // if this write fails the call still stops counting when its in-flight hold ends
  }

  /** The provider answered 429: no process calls `model` (its limit key) for `ms`. */
  async block(model: string, ms: number): Promise<void> {
    const { key } = limitFor(this.config.LLM_RATE_LIMITS, model);
    this.observers.forEach((observer) => observer.providerLimited(key));
    await this.pg.query(
      `INSERT INTO llm_rate_limits (limit_key, blocked_until) VALUES ($1, clock_timestamp() + make_interval(secs => $2::float8 / 1000))
       ON CONFLICT (limit_key) DO UPDATE SET blocked_until = GREATEST(llm_rate_limits.blocked_until, EXCLUDED.blocked_until)`,
      [key, ms],
    );
    this.knownKeys.add(key);
  }

  /** Under no configured limit only a provider's 429 holds calls back. */
  private async blockedOnly(key: string): Promise<{ admitted: true; grant: RateGrant } | Exclude<Admission, { admitted: true }>> {
    const { rows } = await this.pg.query<{ wait_ms: number }>(
      `SELECT (EXTRACT(EPOCH FROM (blocked_until - clock_timestamp())) * 1000)::float8 AS wait_ms
       FROM llm_rate_limits WHERE limit_key = $1 AND blocked_until > clock_timestamp()`,
      [key],
    );
    if (!rows[0]) return { admitted: true, grant: { key } };
    return { admitted: false, waitMs: Math.max(1, Math.ceil(rows[0].wait_ms)) };
  }

  private async tryAdmit(
    key: string,
    limit: RateLimit,
    tokens: number,
  ): Promise<{ admitted: true; grant: RateGrant } | Exclude<Admission, { admitted: true }>> {
    if (!this.knownKeys.has(key)) {
      await this.pg.query('INSERT INTO llm_rate_limits (limit_key) VALUES ($1) ON CONFLICT (limit_key) DO NOTHING', [key]);
      this.knownKeys.add(key);
    }
    return withTransaction(this.pg, (client) => this.admitLocked(client, key, limit, tokens));
  }

  private async admitLocked(client: PoolClient, key: string, limit: RateLimit, tokens: number) {
    const window = this.config.LLM_RATE_WINDOW;
    // The lock first, then the time: a process that waited for the lock reads the time after it.
    const {
      rows: [state],
    } = await client.query<{ now_ms: number; blocked_ms: number }>(
      `SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::float8 AS now_ms,
              (EXTRACT(EPOCH FROM blocked_until - clock_timestamp()) * 1000)::float8 AS blocked_ms
       FROM llm_rate_limits WHERE limit_key = $1 FOR UPDATE`,
      [key],
    );
    const nowMs = state!.now_ms;
    if (state!.blocked_ms > 0) return { admitted: false as const, waitMs: Math.ceil(state!.blocked_ms) };
    const { rows } = await client.query<{ tokens: number; ended: boolean; held_ms: number }>(
      `SELECT tokens, ended, (EXTRACT(EPOCH FROM held_until) * 1000)::float8 AS held_ms
       FROM llm_rate_grants WHERE limit_key = $1 AND held_until > to_timestamp($2::float8 / 1000)`,
      [key, nowMs],
    );
    // A call in flight ends no sooner than now, so it counts for at least another window.
    const held: Held[] = rows.map((row) => ({
      tokens: row.tokens,
      freesAtMs: row.ended ? row.held_ms : Math.min(row.held_ms, nowMs + window),
    }));
    const decision = admit(held, limit, tokens, nowMs);
    if (!decision.admitted) return decision;
    const inFlightHold = this.config.LLM_TIMEOUT_MS + IN_FLIGHT_SLACK_MS + window;
    const {
      rows: [grant],
    } = await client.query<{ grant_id: string }>(
      `INSERT INTO llm_rate_grants (limit_key, tokens, granted_at, held_until)
       VALUES ($1, $2, to_timestamp($3::float8 / 1000), to_timestamp(($3::float8 + $4) / 1000)) RETURNING grant_id`,
      [key, Math.ceil(tokens), nowMs, inFlightHold],
    );
    await client.query('DELETE FROM llm_rate_grants WHERE limit_key = $1 AND held_until <= to_timestamp($2::float8 / 1000)', [key, nowMs]);
    return { admitted: true as const, grant: { key, grantId: grant!.grant_id } };
  }
}
