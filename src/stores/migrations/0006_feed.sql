-- The RSS/Atom feed platform: one entry per published content, keyed by its idempotency key so
-- that a repeated publish is a no-op. The API renders the feeds from here.
CREATE TABLE feed_entries (
  idempotency_key text PRIMARY KEY,
  tenant_id       text NOT NULL,
  content_id      text NOT NULL,
  revision        integer NOT NULL,
  title           text NOT NULL,
  body            text NOT NULL,
  locale          text NOT NULL,
  ai_notice       text,
  reads           bigint NOT NULL DEFAULT 0,
  published_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feed_entries_tenant_idx ON feed_entries (tenant_id, published_at DESC);
