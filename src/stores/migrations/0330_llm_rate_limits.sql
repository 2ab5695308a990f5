-- The model provider's rate limit, shared by every process (src/llm/rate-limiter.ts): one row
-- per limit key (its lock serialises admissions; blocked_until holds a 429's Retry-After), and one
-- row per admitted call, counted until a window after the call ended.
CREATE TABLE llm_rate_limits (
  limit_key     text PRIMARY KEY,
  blocked_until timestamptz NOT NULL DEFAULT 'epoch'
);

CREATE TABLE llm_rate_grants (
  grant_id   bigserial PRIMARY KEY,
  limit_key  text NOT NULL,
  tokens     integer NOT NULL,
  granted_at timestamptz NOT NULL,
  -- While in flight: the grant plus the client timeout plus a window (a crashed holder frees it
  -- then); once the call ended: its end plus a window.
  held_until timestamptz NOT NULL,
  ended      boolean NOT NULL DEFAULT false
);
CREATE INDEX llm_rate_grants_key_held ON llm_rate_grants (limit_key, held_until);
