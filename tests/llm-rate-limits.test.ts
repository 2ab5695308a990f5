// The model provider's rate limit: the admission rules (pure), the configuration, and the limiter
// shared through the real PostgreSQL by several independent connection pools (as processes are).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { Pool } from 'pg';
import { ConfigError, loadConfig } from '../src/config';
import { LlmErrorType } from '../src/llm/error-types';
import { SharedRateLimiter, type RateLimiterConfig } from '../src/llm/rate-limiter';
import { admit, estimateInputTokens, limitFor, UNLIMITED } from '../src/llm/rate-rules';
import { createLogger } from '../src/observability/logger';
import { migratePostgres } from '../src/stores/postgres';
import { busiestWindow } from './support/openai-standin';

describe('rate limit rules', () => {
  const limit = { requests: 3, tokens: 1_000 };

  it('when a call fits beside what is held, then it is admitted', () => {
    assert.deepEqual(
      admit(
        [
          { tokens: 100, freesAtMs: 2_000 },
          { tokens: 100, freesAtMs: 3_000 },
        ],
        limit,
        800,
        1_000,
      ),
      { admitted: true },
    );
    assert.deepEqual(admit([], UNLIMITED, 10_000_000, 0), { admitted: true });
  });

  it('when the requests are used up, then the wait is until enough held calls free', () => {
    const held = [
      { tokens: 1, freesAtMs: 5_000 },
      { tokens: 1, freesAtMs: 2_000 },
      { tokens: 1, freesAtMs: 9_000 },
    ];
    assert.deepEqual(admit(held, limit, 1, 1_000), { admitted: false, waitMs: 1_000 });
    // Calls that already freed do not count.
    assert.deepEqual(admit(held, limit, 1, 2_000), { admitted: true });
  });

  it('when the tokens are used up, then the wait is until enough tokens free, and a call larger than the window never fits', () => {
    const held = [
      { tokens: 400, freesAtMs: 2_000 },
      { tokens: 300, freesAtMs: 4_000 },
      { tokens: 200, freesAtMs: 3_000 },
    ];
    // 900 held + 500 asked = 400 too many: the 400 freeing first (at 2 s) are enough.
    assert.deepEqual(admit(held, { requests: 10, tokens: 1_000 }, 500, 1_000), { admitted: false, waitMs: 1_000 });
    // 900 held + 700 asked = 600 too many: 400 (2 s) + 200 (3 s).
    assert.deepEqual(admit(held, { requests: 10, tokens: 1_000 }, 700, 1_000), { admitted: false, waitMs: 2_000 });
    assert.deepEqual(admit([], limit, 1_001, 0), { admitted: false, never: true });
  });

  it('a model without its own limit shares the default one; estimates over-count rather than under-count', () => {
    const limits = { default: { requests: 5, tokens: 50 }, 'gpt-4o': { requests: 1, tokens: 10 } };
    assert.deepEqual(limitFor(limits, 'gpt-4o'), { key: 'gpt-4o', limit: limits['gpt-4o'] });
    assert.deepEqual(limitFor(limits, 'embedder'), { key: 'default', limit: limits.default });
    assert.deepEqual(limitFor({}, 'any'), { key: 'default', limit: UNLIMITED });
    const english = 'The battery lasts two full days and the speaker is clear.';
    assert.ok(estimateInputTokens(english) >= Math.ceil(english.length / 4));
    assert.ok(estimateInputTokens('価格は税込みです') >= 8, 'three bytes per CJK character');
  });
});

describe('rate limit configuration', () => {
  it('when unset, then nothing is limited with a 60 s window; when set, then limits are parsed per model', () => {
    const defaults = loadConfig({});
    assert.deepEqual(defaults.LLM_RATE_LIMITS, {});
    assert.equal(defaults.LLM_RATE_WINDOW, 60_000);
    assert.equal(defaults.LLM_RATE_MAX_WAIT, 25_000);
    const config = loadConfig({
      LLM_RATE_LIMITS: 'default=500/200000, gpt-4o=100/unlimited',
      LLM_RATE_WINDOW: '10s',
      LLM_RATE_MAX_WAIT: '5s',
    });
    assert.deepEqual(config.LLM_RATE_LIMITS, {
      default: { requests: 500, tokens: 200_000 },
      'gpt-4o': { requests: 100, tokens: Number.POSITIVE_INFINITY },
    });
    assert.equal(config.LLM_RATE_WINDOW, 10_000);
  });

  it('when a limit is malformed or the wait cannot fit the activity, then the variable is named', () => {
    for (const [env, variable] of [
      [{ LLM_RATE_LIMITS: 'default=fast' }, 'LLM_RATE_LIMITS'],
      [{ LLM_RATE_LIMITS: 'default=0/100' }, 'LLM_RATE_LIMITS'],
      [{ LLM_RATE_WINDOW: '10ms' }, 'LLM_RATE_WINDOW'],
      [{ LLM_RATE_MAX_WAIT: '40s', LLM_TIMEOUT_MS: '60000' }, 'LLM_RATE_MAX_WAIT'],
    ] as const) {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => error instanceof ConfigError && error.issues.some((issue) => issue.variable === variable),
        JSON.stringify(env),
      );
    }
  });
});

describe('the shared limiter in PostgreSQL', () => {
  // Three pools stand for three processes: they share nothing but the database.
  const pools: Pool[] = [];
  before(async () => {
    for (let i = 0; i < 3; i++)
      pools.push(new Pool({ connectionString: process.env.DATABASE_URL ?? 'postgres://magicai:magicai@127.0.0.1:5432/magicai', max: 4 }));
    await migratePostgres(pools[0]!, createLogger('warn', 'test'));
  });
  after(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
  });

  const limiterFor = (pool: Pool, model: string, limit: { requests: number; tokens: number }, overrides: Partial<RateLimiterConfig> = {}) =>
    new SharedRateLimiter(pool, {
      LLM_RATE_LIMITS: { [model]: limit },
      LLM_RATE_WINDOW: 1_000,
      LLM_RATE_MAX_WAIT: 20_000,
      LLM_TIMEOUT_MS: 5_000,
      ...overrides,
    });

  it('when three processes call at once, then no window holds more than the limit and every call goes through', async () => {
    const model = `m-${randomUUID().slice(0, 8)}`;
    const limit = { requests: 4, tokens: 500 };
    const limiters = pools.map((pool) => limiterFor(pool, model, limit));
    const arrivals: { at: number; weight: number }[] = [];
    // Calls alternate between 200 tokens reserved and 150 used, and 100 reserved and used:
    // sometimes the requests bind, sometimes the tokens.
    await Promise.all(
      Array.from({ length: 15 }, async (_, i) => {
        const limiter = limiters[i % limiters.length]!;
        const [reserved, used] = i % 2 === 0 ? [200, 150] : [100, 100];
        const grant = await limiter.acquire(model, reserved);
        await new Promise((resolve) => setTimeout(resolve, 20 + (i % 5) * 30)); // the request travelling to the provider
        arrivals.push({ at: Date.now(), weight: used });
        await new Promise((resolve) => setTimeout(resolve, (i % 3) * 40)); // the provider answering
        await limiter.settle(grant, used);
      }),
    );
    assert.equal(arrivals.length, 15, 'every call went through');
    const requests = busiestWindow(
      arrivals.map(({ at }) => ({ at })),
      1_000,
    );
    const tokens = busiestWindow(arrivals, 1_000);
    assert.ok(requests <= limit.requests, `busiest window: ${requests} requests`);
    assert.ok(tokens <= limit.tokens, `busiest window: ${tokens} tokens`);
    assert.ok(tokens >= 300, `the limit was reached (${tokens} tokens in the busiest window)`);
  });

  it('when a call used fewer tokens than reserved, then the rest is free at once; a 429 holds every process back', async () => {
    const model = `m-${randomUUID().slice(0, 8)}`;
    const [a, b] = [
      limiterFor(pools[0]!, model, { requests: 100, tokens: 1_000 }, { LLM_RATE_WINDOW: 60_000 }),
      limiterFor(pools[1]!, model, { requests: 100, tokens: 1_000 }, { LLM_RATE_WINDOW: 60_000 }),
    ];
    const first = await a.acquire(model, 800);
    const refused = await b.acquire(model, 800, { maxWaitMs: 0 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(refused instanceof ApplicationFailure && refused.type === LlmErrorType.RateLimited, String(refused));
    assert.ok(
      Number(refused.nextRetryDelay) >= 59_000,
      `retry after ${refused.nextRetryDelay} ms: the reservation holds a window after the call ends`,
    );
    await a.settle(first, 150);
    await b.acquire(model, 800, { maxWaitMs: 0 }); // 150 + 800 fit under 1,000

    const tooLarge = await a.acquire(model, 1_001).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(tooLarge instanceof ApplicationFailure && tooLarge.type === LlmErrorType.RequestTooLarge && tooLarge.nonRetryable);

    const other = `u-${randomUUID().slice(0, 8)}`;
    const unlimited = new SharedRateLimiter(pools[2]!, {
      LLM_RATE_LIMITS: {},
      LLM_RATE_WINDOW: 60_000,
      LLM_RATE_MAX_WAIT: 20_000,
      LLM_TIMEOUT_MS: 5_000,
    });
    const elsewhere = new SharedRateLimiter(pools[0]!, {
      LLM_RATE_LIMITS: { [other]: UNLIMITED },
      LLM_RATE_WINDOW: 60_000,
      LLM_RATE_MAX_WAIT: 20_000,
      LLM_TIMEOUT_MS: 5_000,
    });
    await elsewhere.block(other, 30_000);
    const blocked = await elsewhere.acquire(other, 1, { maxWaitMs: 0 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(
      blocked instanceof ApplicationFailure && blocked.type === LlmErrorType.RateLimited && Number(blocked.nextRetryDelay) > 25_000,
      String(blocked),
    );
    // Without any limit configured a call only checks for a 429's block, and goes.
    await unlimited.acquire(`x-${randomUUID()}`, 10_000_000, { maxWaitMs: 0 });
  });
});
