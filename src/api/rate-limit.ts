// Rate limits per user and per tenant, counted in PostgreSQL so that every API replica shares
// them: one atomic upsert per request increments both fixed-window counters and returns them.
import type { RequestHandler } from 'express';
import type { Pool } from 'pg';
import type { Config } from '../config';
import { principalOf } from './auth';
import { HttpError } from './problem';

type LimitConfig = Pick<Config, 'RATE_LIMIT_USER' | 'RATE_LIMIT_TENANT' | 'RATE_LIMIT_WINDOW_SECONDS'>;

export function rateLimit(pg: Pool, config: LimitConfig): RequestHandler {
  const windowSeconds = config.RATE_LIMIT_WINDOW_SECONDS;
  const limits = { user: config.RATE_LIMIT_USER, tenant: config.RATE_LIMIT_TENANT };
  let calls = 0;
  return async (req, res, next) => {
    const { userId, tenantId } = principalOf(req);
    const { rows } = await pg.query<{ bucket: string; count: number; reset: number }>(
      `WITH w AS (SELECT to_timestamp(floor(extract(epoch FROM now()) / $3) * $3) AS start)
       INSERT INTO api_rate_limits (bucket, window_start, count)
       SELECT bucket, w.start, 1 FROM w, unnest(ARRAY[$1, $2]) AS bucket
       ON CONFLICT (bucket, window_start) DO UPDATE SET count = api_rate_limits.count + 1
       RETURNING bucket, count, ceil(extract(epoch FROM window_start + make_interval(secs => $3) - now()))::int AS reset`,
      [`user:${tenantId}:${userId}`, `tenant:${tenantId}`, windowSeconds],
    );
    const user = rows.find((row) => row.bucket.startsWith('user:'))!;
    const tenant = rows.find((row) => row.bucket.startsWith('tenant:'))!;
    // Headers describe whichever limit is closer to running out.
    const binding = limits.user - user.count <= limits.tenant - tenant.count ? { ...user, limit: limits.user } : { ...tenant, limit: limits.tenant };
    res.set({ 'RateLimit-Limit': String(binding.limit), 'RateLimit-Remaining': String(Math.max(0, binding.limit - binding.count)), 'RateLimit-Reset': String(binding.reset) });
    if (++calls % 500 === 0) void pg.query(`DELETE FROM api_rate_limits WHERE window_start < now() - interval '1 day'`).catch(() => undefined);
    if (user.count > limits.user || tenant.count > limits.tenant) {
      const which = user.count > limits.user ? `user ${userId}` : `tenant ${tenantId}`;
      next(new HttpError(429, 'Too Many Requests', `rate limit of ${which} reached; retry in ${binding.reset} s`, {}, { 'Retry-After': String(binding.reset) }));
      return;
    }
    next();
  };
}
