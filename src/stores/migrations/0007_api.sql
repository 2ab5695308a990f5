-- API state shared by every replica: fixed-window rate-limit counters, and the responses of
-- POSTs sent with an Idempotency-Key (replayed for retries with the same key and body).
CREATE TABLE api_rate_limits (
  bucket       text NOT NULL,
  window_start timestamptz NOT NULL,
  count        integer NOT NULL,
  PRIMARY KEY (bucket, window_start)
);

CREATE TABLE api_idempotency_keys (
  tenant_id        text NOT NULL,
  user_id          text NOT NULL,
  key              text NOT NULL,
  request_hash     text NOT NULL,
  state            text NOT NULL CHECK (state IN ('in-flight', 'done')),
  response_status  integer,
  response_body    jsonb,
  response_headers jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_id, key)
);
