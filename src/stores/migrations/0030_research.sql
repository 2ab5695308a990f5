-- Site research: a crawl of another site into a tenant-scoped snapshot (apart from the
-- tenant's own products), its SQL analysis, matches to own products, the LLM report, schedules
-- and price-watch alerts. The crawl frontier lives here, so a run resumes where it stopped.
CREATE TABLE research_runs (
  run_id           text PRIMARY KEY,
  tenant_id        text NOT NULL,
  site             text NOT NULL,                 -- origin of the first start URL: what "previous snapshot" compares against
  input            jsonb NOT NULL,
  workflow_id      text NOT NULL,                 -- LLM calls are recorded under it: the run's cost
  schedule_id      text,
  previous_run_id  text,
  status           text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
  host_gap_ms      integer NOT NULL DEFAULT 0,    -- politeness gap for this site (config, raised by Crawl-delay)
  robots_key       text,                          -- the site's robots.txt in the blob store, read once per run
  analysis         jsonb,
  report           jsonb,
  timings          jsonb,                         -- ms per stage, feeds later runs' ETA
  cost             jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz
);
CREATE INDEX research_runs_tenant_idx ON research_runs (tenant_id, site, created_at DESC);

-- The crawl frontier and its outcome per URL.
CREATE TABLE research_pages (
  run_id      text NOT NULL REFERENCES research_runs (run_id) ON DELETE CASCADE,
  url         text NOT NULL,
  depth       integer NOT NULL,
  state       text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'fetched', 'failed', 'skipped')),
  reason      text,                               -- error type of a failed / skipped page
  html_key    text,
  is_product  boolean NOT NULL DEFAULT false,
  fetched_at  timestamptz,
  PRIMARY KEY (run_id, url)
);
CREATE INDEX research_pages_frontier_idx ON research_pages (run_id, state, depth, url);

-- The research snapshot: competitor products found by one run.
CREATE TABLE research_products (
  run_id              text NOT NULL REFERENCES research_runs (run_id) ON DELETE CASCADE,
  research_product_id text NOT NULL,             -- stable across runs: tenant + page URL
  tenant_id           text NOT NULL,
  url                 text NOT NULL,
  name                text NOT NULL,
  brand               text,
  category            text,
  sku                 text,
  gtin                text,
  price               numeric(14, 2),
  currency            char(3),
  availability        text,
  extract_key         text NOT NULL,
  PRIMARY KEY (run_id, research_product_id)
);
CREATE INDEX research_products_tenant_idx ON research_products (tenant_id, research_product_id);

-- A competitor product linked to an own product (GTIN, SKU, or embedding similarity).
CREATE TABLE research_matches (
  run_id              text NOT NULL REFERENCES research_runs (run_id) ON DELETE CASCADE,
  research_product_id text NOT NULL,
  product_id          text NOT NULL,
  method              text NOT NULL CHECK (method IN ('gtin', 'sku', 'embedding')),
  score               real NOT NULL,
  PRIMARY KEY (run_id, research_product_id)
);

-- Per-host politeness shared by every worker process: one row per host holds the earliest next
-- request start; leases count requests in flight and expire, so a crashed worker frees its slot.
CREATE TABLE crawl_hosts (
  host           text PRIMARY KEY,
  next_start_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE crawl_host_leases (
  lease_id     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  host         text NOT NULL REFERENCES crawl_hosts (host) ON DELETE CASCADE,
  holder       text NOT NULL,
  started_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);
CREATE INDEX crawl_host_leases_host_idx ON crawl_host_leases (host, expires_at);
-- Every request start ever granted (kept for a day): what the politeness test reads.
CREATE TABLE crawl_host_starts (
  host        text NOT NULL,
  holder      text NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX crawl_host_starts_idx ON crawl_host_starts (host, started_at);

-- Recurring research runs (Temporal Schedules); the row scopes a schedule to its tenant.
CREATE TABLE research_schedules (
  schedule_id  text PRIMARY KEY,
  tenant_id    text NOT NULL,
  spec         jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- Price-watch alerts sent (one per run and product: a retried activity sends none twice).
CREATE TABLE research_price_alerts (
  run_id              text NOT NULL,
  research_product_id text NOT NULL,
  tenant_id           text NOT NULL,
  previous_price      numeric(14, 2) NOT NULL,
  price               numeric(14, 2) NOT NULL,
  change_pct          real NOT NULL,
  sent_at             timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, research_product_id)
);
