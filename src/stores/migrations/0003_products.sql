-- Product-list processing. A list's items live here (not in workflow history); the parent
-- workflow pages through pending items, and each item's outcome is recorded by its child.
CREATE TABLE product_lists (
  list_id     text PRIMARY KEY,
  tenant_id   text NOT NULL,
  options     jsonb NOT NULL,
  item_count  integer NOT NULL,
  status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'cancelled')),
  report      jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE product_list_items (
  list_id       text NOT NULL REFERENCES product_lists (list_id) ON DELETE CASCADE,
  item_key      text NOT NULL,
  url           text NOT NULL,
  inline        jsonb,           -- fields given inline by a feed (used when no URL is crawled)
  state         text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'succeeded', 'failed', 'skipped')),
  product_id    text,
  runs          integer NOT NULL DEFAULT 0,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (list_id, item_key)
);
CREATE INDEX product_list_items_state_idx ON product_list_items (list_id, state, item_key);

-- The error ledger: the latest failure of each failed item (cleared when a redrive succeeds).
CREATE TABLE product_list_errors (
  list_id     text NOT NULL,
  item_key    text NOT NULL,
  url         text NOT NULL,
  stage       text NOT NULL,
  error_type  text NOT NULL,
  message     text NOT NULL,
  attempts    integer NOT NULL,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (list_id, item_key),
  FOREIGN KEY (list_id, item_key) REFERENCES product_list_items (list_id, item_key) ON DELETE CASCADE
);

CREATE TABLE products (
  product_id     text PRIMARY KEY,            -- derived from tenant + canonical URL
  tenant_id      text NOT NULL,
  url            text NOT NULL,
  name           text NOT NULL,
  description    text,
  brand          text,
  sku            text,
  gtin           text,
  price          numeric(14, 2),
  currency       char(3),
  availability   text,
  category       text,
  rating_value   real,
  rating_count   integer,
  fields         jsonb NOT NULL,              -- per field: source (jsonld/microdata/og/html/llm) and confidence
  images         jsonb NOT NULL DEFAULT '[]', -- blob keys of optimised images and thumbnails
  clean_text     text,
  sentiment      jsonb,                       -- AI-generated: carries model and prompt version
  enhancement    jsonb,                       -- AI-generated: carries model and prompt version
  embedding      real[],
  html_key       text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, url)
);
CREATE INDEX products_tenant_idx ON products (tenant_id, updated_at DESC);

-- The default inventory target (INVENTORY_ENDPOINT_URL unset).
CREATE TABLE inventory (
  tenant_id     text NOT NULL,
  product_id    text NOT NULL REFERENCES products (product_id) ON DELETE CASCADE,
  sku           text,
  availability  text,
  price         numeric(14, 2),
  currency      char(3),
  synced_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, product_id)
);
