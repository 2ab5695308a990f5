-- Content review and publishing. The workflow owns the state machine; these tables are the
-- system of record for texts (revisions), the audit trail, publications and their metrics.
CREATE TABLE content_items (
  tenant_id    text NOT NULL,
  content_id   text NOT NULL,
  author_id    text NOT NULL,
  locale       text NOT NULL,
  platforms    text[] NOT NULL,
  publish_at   timestamptz,
  status       text NOT NULL,
  stage        text NOT NULL DEFAULT 'review',
  revision     integer NOT NULL DEFAULT 0,
  ai_generated boolean NOT NULL DEFAULT false,
  risk         jsonb,
  assignee     text,
  due_at       timestamptz,
  workflow_id  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, content_id)
);
CREATE INDEX content_items_status_idx ON content_items (tenant_id, status, due_at);

-- Every revision is kept: the author's text, or the model's draft with its provenance.
CREATE TABLE content_revisions (
  tenant_id   text NOT NULL,
  content_id  text NOT NULL,
  revision    integer NOT NULL,
  title       text NOT NULL,
  body        text NOT NULL,
  author_id   text NOT NULL,
  comment     text,
  ai          jsonb,            -- {model, promptVersion, callId} when the LLM wrote this revision
  checks      jsonb,
  risk        jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, content_id, revision),
  FOREIGN KEY (tenant_id, content_id) REFERENCES content_items (tenant_id, content_id) ON DELETE CASCADE
);

-- The audit trail: who did what, when, with which model and prompt version. event_key makes
-- a retried activity write each transition once.
CREATE TABLE content_audit (
  id             bigserial PRIMARY KEY,
  event_key      text NOT NULL UNIQUE,
  tenant_id      text NOT NULL,
  content_id     text NOT NULL,
  at             timestamptz NOT NULL,
  actor          text NOT NULL,
  action         text NOT NULL,
  from_status    text,
  to_status      text,
  revision       integer,
  model          text,
  prompt_version text,
  detail         jsonb NOT NULL DEFAULT '{}',
  workflow_id    text NOT NULL
);
CREATE INDEX content_audit_content_idx ON content_audit (tenant_id, content_id, id);

-- One row per (content, platform): written before the platform is called and after it
-- accepted, so that a retry after a crash finds the post instead of making a second one.
CREATE TABLE content_publications (
  tenant_id       text NOT NULL,
  content_id      text NOT NULL,
  platform        text NOT NULL,
  idempotency_key text NOT NULL UNIQUE,
  status          text NOT NULL CHECK (status IN ('sending', 'published', 'failed')),
  revision        integer NOT NULL,
  external_id     text,
  url             text,
  attempts        integer NOT NULL DEFAULT 0,
  last_error      jsonb,
  published_at    timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, content_id, platform)
);

-- Engagement snapshots taken by the monitoring timers (+1 h, +24 h, +7 d by default).
CREATE TABLE content_metrics (
  tenant_id    text NOT NULL,
  content_id   text NOT NULL,
  platform     text NOT NULL,
  checkpoint   text NOT NULL,
  views        bigint NOT NULL,
  clicks       bigint NOT NULL,
  likes        bigint NOT NULL,
  shares       bigint NOT NULL,
  comments     bigint NOT NULL,
  collected_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, content_id, platform, checkpoint)
);

-- Outcomes the learning loop learns from: which model / prompt version produced content that
-- was approved, rejected, or engaged readers.
CREATE TABLE learning_feedback (
  id             bigserial PRIMARY KEY,
  feedback_key   text NOT NULL UNIQUE,
  tenant_id      text NOT NULL,
  subject_kind   text NOT NULL,
  subject_id     text NOT NULL,
  model          text,
  prompt_version text,
  signal         text NOT NULL,
  value          double precision NOT NULL,
  detail         jsonb NOT NULL DEFAULT '{}',
  recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX learning_feedback_prompt_idx ON learning_feedback (prompt_version, signal);
