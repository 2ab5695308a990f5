// Rate limits. Before authentication, a per-client limit (by peer address, counted in this
// process's memory, so junk traffic with bad tokens costs PostgreSQL nothing). After
// authentication, per user and per tenant, counted in PostgreSQL so that every API replica
// shares them: one statement increments the user's fixed-window counter, and the tenant's only
// when the user is still within their own limit — one user's refused requests never use up the
// tenant's allowance.
//
// PostgreSQL outage: the user/tenant limiter FAILS CLOSED. Its query fails, and the error
// handler answers 503 problem+json with Retry-After (see dependencyUnavailable in stores/availability.ts);
// every /v1 route needs PostgreSQL or Temporal state anyway, and letting unmetered traffic
// through would leave the per-tenant guarantee to chance. The per-client limit keeps working.
import type { RequestHandler, Response } from 'express';
import type { Pool } from 'pg';
import type { Config } from '../config';
import { principalOf } from './auth';
import { HttpError } from './problem';

type LimitConfig = Pick<Config, 'RATE_LIMIT_USER' | 'RATE_LIMIT_TENANT' | 'RATE_LIMIT_WINDOW_SECONDS'>;

function tooMany(who: string, limit: number, reset: number, remaining = 0) {
  return new HttpError(
    429,
    'Too Many Requests',
    `rate limit of ${who} reached; retry in ${reset} s`,
    {},
    {
      'Retry-After': String(reset),
      'RateLimit-Limit': String(limit),
      'RateLimit-Remaining': String(remaining),
      'RateLimit-Reset': String(reset),
    },
  );
}

/** Fixed-window counter per client address, in this process (limits are per API replica). */
export function clientRateLimit(config: Pick<Config, 'RATE_LIMIT_CLIENT' | 'RATE_LIMIT_WINDOW_SECONDS'>): RequestHandler {
  const windowMs = config.RATE_LIMIT_WINDOW_SECONDS * 1_000;
  let windowStart = 0;
  let counts = new Map<string, number>();
  return (req, _res, next) => {
    const now = Date.now();
    const start = now - (now % windowMs);
    if (start !== windowStart) {
      windowStart = start;
      counts = new Map();
    }
    const client = req.socket.remoteAddress ?? 'unknown';
    const count = (counts.get(client) ?? 0) + 1;
    counts.set(client, count);
    if (count > config.RATE_LIMIT_CLIENT) {
      next(tooMany(`client ${client}`, config.RATE_LIMIT_CLIENT, Math.max(1, Math.ceil((start + windowMs - now) / 1_000))));
      return;
    }
    next();
  };
}

/**
 * Signed engagement pushes per tenant, counted in PostgreSQL like the user and tenant limits (every
 * replica shares them). Called after the signature check, so pushes with bad signatures never use
 * up a tenant's allowance; before it, the per-client limit applies. Sets the RateLimit headers;
 * throws a 429 (with Retry-After) when the tenant is over its limit.
 */
export async function consumePushAllowance(
  pg: Pool,
  config: Pick<Config, 'RATE_LIMIT_ENGAGEMENT_PUSH' | 'RATE_LIMIT_WINDOW_SECONDS'>,
  tenantId: string,
  res: Response,
): Promise<void> {
  const limit = config.RATE_LIMIT_ENGAGEMENT_PUSH;
  const { rows } = await pg.query<{ count: number; reset: number }>(
    `WITH w AS (SELECT to_timestamp(floor(extract(epoch FROM now()) / $2) * $2) AS start)
     INSERT INTO api_rate_limits (bucket, window_start, count) SELECT $1, w.start, 1 FROM w
     ON CONFLICT (bucket, window_start) DO UPDATE SET count = api_rate_limits.count + 1
     RETURNING count, ceil(extract(epoch FROM window_start + make_interval(secs => $2) - now()))::int AS reset`,
    [`engagement-push:${tenantId}`, config.RATE_LIMIT_WINDOW_SECONDS],
  );
  const { count, reset } = rows[0]!;
  res.set({
    'RateLimit-Limit': String(limit),
    'RateLimit-Remaining': String(Math.max(0, limit - count)),
    'RateLimit-Reset': String(reset),
  });
  if (count > limit) throw tooMany(`engagement pushes of tenant ${tenantId}`, limit, Math.max(1, reset));
}

export function rateLimit(pg: Pool, config: LimitConfig): RequestHandler {
  const windowSeconds = config.RATE_LIMIT_WINDOW_SECONDS;
  const limits = { user: config.RATE_LIMIT_USER, tenant: config.RATE_LIMIT_TENANT };
  let calls = 0;
  return async (req, res, next) => {
    const { userId, tenantId } = principalOf(req);
    const userBucket = `user:${tenantId}:${userId}`;
    const tenantBucket = `tenant:${tenantId}`;
    const { rows } = await pg.query<{ bucket: string; count: number; reset: number }>(
      `WITH w AS (SELECT to_timestamp(floor(extract(epoch FROM now()) / $3) * $3) AS start),
       u AS (
         INSERT INTO api_rate_limits (bucket, window_start, count) SELECT $1, w.start, 1 FROM w
         ON CONFLICT (bucket, window_start) DO UPDATE SET count = api_rate_limits.count + 1
         RETURNING bucket, count, window_start),
       t AS (
         INSERT INTO api_rate_limits (bucket, window_start, count) SELECT $2, u.window_start, 1 FROM u WHERE u.count <= $4
         ON CONFLICT (bucket, window_start) DO UPDATE SET count = api_rate_limits.count + 1
         RETURNING bucket, count, window_start),
       seen AS (
         SELECT bucket, count, window_start FROM api_rate_limits, w
          WHERE bucket = $2 AND window_start = w.start AND NOT EXISTS (SELECT 1 FROM t))
       SELECT bucket, count, ceil(extract(epoch FROM window_start + make_interval(secs => $3) - now()))::int AS reset
         FROM (SELECT * FROM u UNION ALL SELECT * FROM t UNION ALL SELECT * FROM seen) AS counters`,
      [userBucket, tenantBucket, windowSeconds, limits.user],
    );
    const user = rows.find((row) => row.bucket === userBucket)!;
    const tenant = rows.find((row) => row.bucket === tenantBucket) ?? { bucket: tenantBucket, count: 0, reset: user.reset };
    // Headers describe whichever limit is closer to running out.
    const binding =
      limits.user - user.count <= limits.tenant - tenant.count ? { ...user, limit: limits.user } : { ...tenant, limit: limits.tenant };
    res.set({
      'RateLimit-Limit': String(binding.limit),
      'RateLimit-Remaining': String(Math.max(0, binding.limit - binding.count)),
      'RateLimit-Reset': String(binding.reset),
    });
    if (++calls % 500 === 0)
      void pg.query(`DELETE FROM api_rate_limits WHERE window_start < now() - interval '1 day'`).catch(() => undefined);
    if (user.count > limits.user) return next(tooMany(`user ${userId}`, limits.user, user.reset));
    if (tenant.count > limits.tenant) return next(tooMany(`tenant ${tenantId}`, limits.tenant, tenant.reset));
    next();
  };
}
