-- Stack checks: the end-to-end wiring slice (API -> workflow -> activities -> every store).
CREATE TABLE stack_checks (
  check_id     text PRIMARY KEY,
  tenant_id    text NOT NULL,
  note         text NOT NULL,
  workflow_id  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stack_checks_tenant_idx ON stack_checks (tenant_id, created_at DESC);
