-- LLM audit trail: one row per provider call (repairs included), for audit and the learning loop.
CREATE TABLE llm_calls (
  call_id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id         text NOT NULL,
  task              text NOT NULL,
  prompt_version    text NOT NULL,
  model             text NOT NULL,
  params            jsonb NOT NULL,
  status            text NOT NULL CHECK (status IN ('ok', 'invalid_output', 'error')),
  error_type        text,
  prompt_tokens     integer NOT NULL DEFAULT 0,
  completion_tokens integer NOT NULL DEFAULT 0,
  latency_ms        integer NOT NULL,
  est_cost_usd      numeric(14, 8) NOT NULL DEFAULT 0,
  output            jsonb,
  workflow_id       text,
  activity_id       text,
  activity_attempt  integer,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX llm_calls_task_idx ON llm_calls (task, prompt_version, created_at DESC);
CREATE INDEX llm_calls_tenant_idx ON llm_calls (tenant_id, created_at DESC);
CREATE INDEX llm_calls_workflow_idx ON llm_calls (workflow_id);

-- Per-tenant token budgets. No row means no limit. An exhausted budget pauses LLM work
-- (workflows wait) until token_limit is raised.
CREATE TABLE llm_budgets (
  tenant_id    text PRIMARY KEY,
  token_limit  bigint NOT NULL CHECK (token_limit >= 0),
  tokens_used  bigint NOT NULL DEFAULT 0,
  updated_at   timestamptz NOT NULL DEFAULT now()
);
