-- The strategy side of the learning loop. Which strategy (and brand) produced each content;
-- every engagement observation (pushed by a platform or collected by the monitoring timers),
-- once per event id; the reward currently credited per (content, platform), with a version
-- that grows when later metrics revise it; and the learners' latest state per (brand, channel),
-- from which a new brand's prior is built.
CREATE TABLE content_strategies (
  tenant_id   text NOT NULL,
  content_id  text NOT NULL,
  brand       text NOT NULL,
  channel     text NOT NULL,          -- the learner asked (the content's first platform)
  strategy    jsonb,                  -- {tone, length, structure, hourOfWeek}; NULL = none recorded
  source      text NOT NULL CHECK (source IN ('learner', 'author', 'none')),
  recommendation jsonb,               -- the learner's answer (uncertainty), when it was asked
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, content_id)
);
CREATE INDEX content_strategies_brand_idx ON content_strategies (tenant_id, brand);

CREATE TABLE engagement_events (
  tenant_id   text NOT NULL,
  source      text NOT NULL,          -- 'push' (signed endpoint) or 'monitor' (timers)
  event_id    text NOT NULL,
  content_id  text NOT NULL,
  platform    text NOT NULL,
  occurred_at timestamptz NOT NULL,   -- when the counts were true; the latest per (content, platform) wins
  views       bigint NOT NULL DEFAULT 0,
  likes       bigint NOT NULL DEFAULT 0,
  comments    bigint NOT NULL DEFAULT 0,
  shares      bigint NOT NULL DEFAULT 0,
  clicks      bigint NOT NULL DEFAULT 0,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, source, event_id)
);
CREATE INDEX engagement_events_content_idx ON engagement_events (tenant_id, content_id, platform, occurred_at DESC);

CREATE TABLE strategy_credits (
  tenant_id       text NOT NULL,
  content_id      text NOT NULL,
  platform        text NOT NULL,
  brand           text NOT NULL,
  strategy        jsonb NOT NULL,
  reward          double precision NOT NULL,
  previous_reward double precision,
  version         integer NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, content_id, platform)
);

CREATE TABLE strategy_learners (
  tenant_id    text NOT NULL,
  brand        text NOT NULL,
  channel      text NOT NULL,
  state        jsonb NOT NULL,
  observations integer NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, brand, channel)
);
