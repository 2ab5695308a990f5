-- Answers with cited sources: one row per question asked (the interaction), and the feedback
-- people give on it. The question's embedding is kept so that feedback on one question can be
-- applied to similar later questions (see src/answers/rules.ts, demotion).
CREATE TABLE answer_interactions (
  answer_id          text PRIMARY KEY,
  tenant_id          text NOT NULL,
  asked_by           text NOT NULL,
  question           text NOT NULL,
  question_embedding real[],
  status             text NOT NULL DEFAULT 'retrieving' CHECK (status IN ('retrieving', 'answering', 'answered', 'not_found', 'failed')),
  -- Every candidate retrieval produced, best first: id, kind, fused score, similarity, ranks, demotion, text given to the model.
  retrieved          jsonb NOT NULL DEFAULT '[]',
  answer             text,
  citations          text[] NOT NULL DEFAULT '{}',
  -- AI provenance of the answer: model, prompt version, call id.
  ai                 jsonb,
  model              text,
  prompt_version     text,
  prompt_tokens      integer NOT NULL DEFAULT 0,
  completion_tokens  integer NOT NULL DEFAULT 0,
  cost_usd           numeric(14, 8) NOT NULL DEFAULT 0,
  retrieval_ms       integer,
  latency_ms         integer,
  error              text,
  workflow_id        text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  completed_at       timestamptz
);
CREATE INDEX answer_interactions_tenant_idx ON answer_interactions (tenant_id, created_at DESC);

-- helpful / not_helpful about the answer; wrong_source about one cited source (source_id).
-- One verdict per (answer, person, verdict, source): marking twice does not count twice.
CREATE TABLE answer_feedback (
  id          bigserial PRIMARY KEY,
  answer_id   text NOT NULL REFERENCES answer_interactions (answer_id) ON DELETE CASCADE,
  tenant_id   text NOT NULL,
  given_by    text NOT NULL,
  verdict     text NOT NULL CHECK (verdict IN ('helpful', 'not_helpful', 'wrong_source')),
  source_id   text NOT NULL DEFAULT '',
  comment     text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (answer_id, given_by, verdict, source_id)
);
CREATE INDEX answer_feedback_wrong_idx ON answer_feedback (tenant_id, verdict, created_at DESC);
