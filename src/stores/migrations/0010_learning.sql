-- The learning loop (SPEC §4): the prompt/model registry, the decisions that pick a version
-- for each model call, experiments between versions, and the audit trail of every change.

-- Immutable prompt versions per task, each with its model configuration. scope '' = the
-- global versions seeded from code (src/llm/tasks.ts); otherwise the tenant that owns it.
CREATE TABLE prompt_versions (
  version        text PRIMARY KEY,          -- '<task>@<n>' (global) or '<task>@<tenant>.<n>'
  scope          text NOT NULL,
  task           text NOT NULL,
  instructions   text NOT NULL,             -- the system prompt's job text ({placeholders} filled per call)
  model          text,                      -- NULL = the configured model of the task (LLM_MODELS)
  temperature    real NOT NULL CHECK (temperature >= 0 AND temperature <= 2),
  max_tokens     integer NOT NULL CHECK (max_tokens > 0),
  schema_version integer NOT NULL DEFAULT 1,
  note           text,
  created_by     text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX prompt_versions_task_idx ON prompt_versions (task, scope, created_at);

-- A version once written never changes: a change is a new version.
CREATE FUNCTION prompt_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'prompt versions are immutable (version %)', OLD.version;
END $$;
CREATE TRIGGER prompt_versions_no_update BEFORE UPDATE OR DELETE ON prompt_versions
  FOR EACH ROW EXECUTE FUNCTION prompt_versions_immutable();

-- Movable pointers: production, candidate, or any tenant label. A tenant's label overrides the
-- global one ('' scope).
CREATE TABLE prompt_labels (
  scope      text NOT NULL,
  task       text NOT NULL,
  label      text NOT NULL,
  version    text NOT NULL REFERENCES prompt_versions (version),
  moved_by   text NOT NULL,
  moved_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, task, label)
);

-- Who changed what in the registry and experiments, when and why.
CREATE TABLE learning_audit (
  id            bigserial PRIMARY KEY,
  event_key     text UNIQUE,                -- set by activities so that a retry writes once
  at            timestamptz NOT NULL DEFAULT now(),
  actor         text NOT NULL,
  scope         text NOT NULL,
  task          text NOT NULL,
  action        text NOT NULL,              -- version.created, label.moved, label.removed, rollback, promote, experiment.*
  label         text,
  from_version  text,
  to_version    text,
  experiment_id text,
  reason        text,
  detail        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX learning_audit_scope_idx ON learning_audit (scope, task, id);

-- Experiments: one running per (tenant, task). The workflow owns the live state; this row is
-- what decisions read (the current allocation) and what stays after the workflow ends.
CREATE TABLE experiments (
  experiment_id text PRIMARY KEY,
  scope         text NOT NULL,
  task          text NOT NULL,
  status        text NOT NULL CHECK (status IN ('running', 'rolled-back', 'promoted', 'stopped')),
  arms          jsonb NOT NULL,             -- [{arm, version}]
  allocation    jsonb NOT NULL,             -- {version: share}
  config        jsonb NOT NULL,
  workflow_id   text NOT NULL,
  created_by    text NOT NULL,
  started_at    timestamptz NOT NULL DEFAULT now(),
  ended_at      timestamptz,
  outcome       jsonb
);
CREATE UNIQUE INDEX experiments_one_running ON experiments (scope, task) WHERE status = 'running';

-- One row per decision of the engine: what it chose and why; its outcome once the call settled.
CREATE TABLE llm_decisions (
  decision_id    uuid PRIMARY KEY,
  tenant_id      text NOT NULL,
  task           text NOT NULL,
  prompt_version text NOT NULL,
  model          text NOT NULL,
  temperature    real NOT NULL,
  max_tokens     integer NOT NULL,
  priority_key   integer NOT NULL,
  experiment_id  text,
  arm            text,
  reasons        jsonb NOT NULL,
  workflow_id    text,
  subject        text,                      -- what the call is about (product id, content id)
  outcome        jsonb,                     -- {firstTry, final, latencyMs, costUsd}
  created_at     timestamptz NOT NULL DEFAULT now(),
  settled_at     timestamptz
);
CREATE INDEX llm_decisions_experiment_idx ON llm_decisions (experiment_id, arm);
CREATE INDEX llm_decisions_workflow_idx ON llm_decisions (workflow_id);
CREATE INDEX llm_decisions_version_idx ON llm_decisions (tenant_id, task, prompt_version, created_at DESC);

-- Calls record the decision that chose their version (NULL for calls made without one).
ALTER TABLE llm_calls ADD COLUMN decision_id uuid;
CREATE INDEX llm_calls_decision_idx ON llm_calls (decision_id) WHERE decision_id IS NOT NULL;

-- Redrive after a rollback: each item produced by the rolled-back version, run again once.
CREATE TABLE learning_redrives (
  experiment_id text NOT NULL,
  subject_kind  text NOT NULL,              -- product | content
  subject_id    text NOT NULL,
  tenant_id     text NOT NULL,
  from_version  text NOT NULL,
  action        text NOT NULL,              -- rerun | flagged-for-review
  workflow_id   text,
  status        text NOT NULL DEFAULT 'pending',
  created_at    timestamptz NOT NULL DEFAULT now(),
  done_at       timestamptz,
  PRIMARY KEY (experiment_id, subject_kind, subject_id)
);
