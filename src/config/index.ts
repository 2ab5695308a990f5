// Typed configuration from environment variables. Every process validates it at boot and
// stops with a message naming the offending variable rather than failing later on use.
import { z } from 'zod';
import { LLM_START_TO_CLOSE_MS } from '../temporal/timeouts';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL with protocol ${protocols.join(' or ')}` },
  );
const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port');
const csv = z.string().transform((value) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean),
);

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** A duration such as 90s, 12h or 7d, as milliseconds. */
const duration = z
  .string()
  .regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'a duration such as 90s, 12h or 7d')
  .transform((value) => {
    const [, amount, unit] = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value)!;
    return Math.round(Number(amount) * DURATION_UNITS[unit!]!);
  });

/** `500/200000` as a limit; `unlimited` is no limit on that measure. */
function rateLimitOf(spec: string): { requests: number; tokens: number } {
  const [requests, tokens] = spec.split('/').map((part) => (part === 'unlimited' ? Number.POSITIVE_INFINITY : Number(part)));
  return { requests: requests!, tokens: tokens! };
}

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_UI_URL: url(['http:', 'https:']).default('http://127.0.0.1:8233'),
  /** Prefix of every task queue name, so that deployments (or test runs) can share a namespace. */
  TEMPORAL_TASK_QUEUE_PREFIX: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes')
    .default('magicai'),

  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://magicai:magicai@127.0.0.1:5432/magicai'),
  PG_POOL_MAX: positiveInt.default(10),

  ELASTICSEARCH_URL: url(['http:', 'https:']).default('http://127.0.0.1:9200'),
  ELASTICSEARCH_INDEX_PREFIX: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes')
    .default('magicai'),

  NEO4J_URL: url(['bolt:', 'neo4j:', 'bolt+s:', 'neo4j+s:']).default('bolt://127.0.0.1:7687'),
  NEO4J_USER: z.string().default('neo4j'),
  NEO4J_PASSWORD: z.string().default(''),
  NEO4J_DATABASE: z.string().default('neo4j'),

  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(8080),
  API_BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'a size such as 100kb or 1mb')
    .default('256kb'),
  /** Largest product feed (CSV / JSON lines) accepted by POST /v1/product-lists. */
  API_FEED_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'a size such as 100kb or 1mb')
    .default('20mb'),

  /** Any OpenAI-compatible endpoint; the local stack serves a small real model here. */
  OPENAI_BASE_URL: url(['http:', 'https:']).default('http://127.0.0.1:8090/v1'),
  OPENAI_API_KEY: z.string().min(1).default('local-no-key'),
  /** Embeddings endpoint (OpenAI-compatible); in production usually the same as OPENAI_BASE_URL. */
  EMBEDDINGS_BASE_URL: url(['http:', 'https:']).default('http://127.0.0.1:8091/v1'),
  /** Model per task, e.g. `default=gpt-4o-mini,draft=gpt-4o`; tasks not named use `default`. */
  LLM_MODELS: csv
    .transform((pairs) => Object.fromEntries(pairs.map((pair) => pair.split('=').map((part) => part.trim()))) as Record<string, string>)
    .pipe(z.record(z.string().min(1), z.string().min(1)))
    .default({ default: 'smollm2-135m-instruct' }),
  /** Sampling seed sent with each request (providers that honour it give repeatable output). */
  LLM_SEED: z.coerce.number().int().min(0).default(7),
  /** Client-side timeout of one LLM request; must stay below the LLM activity's start-to-close. */
  LLM_TIMEOUT_MS: positiveInt.default(60_000),
  /** LLM activities one worker runs at once. Model calls wait on the provider, not the CPU: a
   *  remote provider takes more (its limits are held by LLM_RATE_LIMITS and the queue's rate);
   *  the default suits the local CPU model, which answers one or two calls at a time. */
  LLM_ACTIVITY_SLOTS: positiveInt.default(4),
  /** Server-side rate limit of the LLM task queue, across all workers. */
  LLM_MAX_ACTIVITIES_PER_SECOND: z.coerce.number().positive().default(20),
  /** The model provider's limits, held across every process through PostgreSQL (src/llm/rate-limiter.ts):
   *  `model=requests/tokens` per LLM_RATE_WINDOW, either part a positive integer or `unlimited`,
   *  e.g. `default=500/200000,gpt-4o=100/30000`. `default` is one budget shared by every model not
   *  named; unset = no limit (the local model). */
  LLM_RATE_LIMITS: csv
    .transform((pairs) => pairs.map((pair) => pair.split('=').map((part) => part.trim())))
    .pipe(
      z.array(
        z.tuple([
          z.string().min(1),
          z.string().regex(/^(\d+|unlimited)\/(\d+|unlimited)$/, 'requests/tokens such as 500/200000 (each a number or unlimited)'),
        ]),
      ),
    )
    .transform((entries) => Object.fromEntries(entries.map(([model, spec]) => [model, rateLimitOf(spec)])))
    .default({}),
  /** The window the provider counts requests and tokens in (60s at OpenAI-style providers). */
  LLM_RATE_WINDOW: duration.pipe(z.number().min(1_000).max(3_600_000)).prefault('60s'),
  /** Longest a call waits for room under the limit before its activity fails retryably
   *  (LlmRateLimited, retried after the wait it would have needed). */
  LLM_RATE_MAX_WAIT: duration.pipe(z.number().min(0).max(600_000)).prefault('25s'),
  /** Estimated cost in USD per 1,000 tokens (input, output), recorded per call. */
  LLM_PRICE_INPUT_PER_1K: z.coerce.number().min(0).default(0),
  LLM_PRICE_OUTPUT_PER_1K: z.coerce.number().min(0).default(0),
  /** Per-model prices in USD per 1,000 tokens, `model=input/output` pairs, e.g.
   *  `gpt-4o-mini=0.00015/0.0006,gpt-4o=0.0025/0.01`; models not named use the two prices above. */
  LLM_PRICE_TABLE: csv
    .transform((pairs) => pairs.map((pair) => pair.split('=').map((part) => part.trim())))
    .pipe(
      z.array(z.tuple([z.string().min(1), z.string().regex(/^\d+(\.\d+)?\/\d+(\.\d+)?$/, 'input/output prices such as 0.00015/0.0006')])),
    )
    .transform((entries) =>
      Object.fromEntries(entries.map(([model, prices]) => [model, prices.split('/').map(Number) as [number, number]])),
    )
    .default({}),
  /** Learning loop: interactive calls avoid versions slower than this (p95); also the reward's latency target. */
  LEARNING_LATENCY_TARGET_MS: positiveInt.default(10_000),
  /** Learning loop: outcome weights of the reward, JSON, e.g. {"schema":1,"review":2}; unset keys keep their defaults (src/learning/reward.ts). */
  LEARNING_OUTCOME_WEIGHTS: z
    .string()
    .default('{}')
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as Record<string, number>;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of weights' });
        return z.NEVER;
      }
    })
    .pipe(z.partialRecord(z.enum(['schema', 'review', 'checks', 'engagement', 'latency', 'cost']), z.number().min(0))),
  EMBEDDING_MODEL: z.string().min(1).default('all-minilm-l6-v2'),
  EMBEDDING_DIMENSIONS: positiveInt.default(384),

  /** Large data (HTML, images, LLM text) lives here; workflow history carries keys only. */
  BLOB_DIR: z.string().min(1).default('.stack/blobs'),

  /** host or host:port entries the crawler may reach even though they are private/loopback. */
  FETCH_ALLOW_HOSTS: csv.default([]),
  FETCH_USER_AGENT: z.string().min(3).default('MagicAIBot/0.1 (+https://magicai.example/bot)'),
  FETCH_TIMEOUT_MS: positiveInt.default(15_000),
  FETCH_MAX_BYTES: positiveInt.default(5 * 1024 * 1024),
  FETCH_PER_HOST_CONCURRENCY: positiveInt.default(2),
  FETCH_PER_HOST_DELAY_MS: z.coerce.number().int().min(0).default(0),
  IMAGE_MAX_COUNT: z.coerce.number().int().min(0).default(4),
  IMAGE_MAX_BYTES: positiveInt.default(8 * 1024 * 1024),
  /** Inventory sync target: an HTTP endpoint (POST JSON); empty = the inventory table in PostgreSQL. */
  INVENTORY_ENDPOINT_URL: z.union([z.literal(''), url(['http:', 'https:'])]).default(''),
  /** Product lists: children in flight per list, and items per run before continue-as-new. */
  LIST_CONCURRENCY: positiveInt.max(200).default(8),
  LIST_ITEMS_PER_RUN: positiveInt.default(500),
  /** Stored products per page of a list's embedding, index and graph writes (one request each). */
  LIST_SINK_PAGE_SIZE: positiveInt.max(500).default(100),

  /** Site research: requests in flight and the gap between request starts per crawled host,
   *  across every worker process (robots.txt Crawl-delay raises the gap). */
  RESEARCH_HOST_CONCURRENCY: positiveInt.max(16).default(1),
  RESEARCH_HOST_GAP_MS: z.coerce.number().int().min(0).max(60_000).default(500),
  /** Pages one workflow run crawls before continue-as-new (history stays bounded). */
  RESEARCH_PAGES_PER_RUN: positiveInt.default(200),
  /** Lowest kNN score (Elasticsearch cosine, 0..1) that links a competitor product to an own one. */
  RESEARCH_MATCH_MIN_SCORE: z.coerce.number().min(0).max(1).default(0.92),
  /** Price watch alerts: a signed webhook; empty = alerts are only recorded and logged. */
  RESEARCH_WATCH_WEBHOOK_URL: z.union([z.literal(''), url(['http:', 'https:'])]).default(''),
  RESEARCH_WATCH_WEBHOOK_SECRET: z.string().default(''),

  /** Content review: risk thresholds that route to auto-approval / one / two reviewers. */
  CONTENT_AUTO_APPROVE_BELOW: z.coerce.number().min(0).max(1).default(0.2),
  CONTENT_TWO_REVIEWERS_AT: z.coerce.number().min(0).max(1.01).default(0.6),
  /** Review SLA, from the moment a text awaits review: reminder, escalation, expiry. */
  CONTENT_REMINDER_AFTER: duration.prefault('12h'),
  CONTENT_ESCALATE_AFTER: duration.prefault('20h'),
  CONTENT_EXPIRE_AFTER: duration.prefault('24h'),
  CONTENT_EXPIRY_POLICY: z.enum(['expire', 'auto-approve']).default('expire'),
  /** Reviewer pool (user ids) new reviews are assigned to, and who overdue reviews go to. */
  CONTENT_REVIEWERS: csv.default([]),
  CONTENT_ESCALATE_TO: z.string().min(1).default('review-leads'),
  /** Metrics collection after publishing. */
  CONTENT_MONITOR_AFTER: csv.pipe(z.array(duration).min(1)).prefault('1h,24h,7d'),
  /** Sensitive-word lexicons (<dir>/<locale>.json); empty = the built-in ones. */
  CONTENT_LEXICON_DIR: z.string().default(''),
  /** Also ask the provider's moderation endpoint (OpenAI offers one; local servers do not). */
  CONTENT_MODERATION: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .default(false),

  /** Strategy learners (src/strategy/): how long engagement gathers before a learner saves its state. */
  STRATEGY_SAVE_AFTER: duration.prefault('30s'),
  /** Signed engagement push: `tenant=secret` pairs (secrets ≥ 16 characters), and how old a signature may be. */
  ENGAGEMENT_PUSH_SECRETS: csv.default([]),
  ENGAGEMENT_MAX_AGE: duration.prefault('5m'),
  /** Performance report: content is published within SLA when published no later than this after
   *  the later of its submission and its requested publish time. */
  CONTENT_PUBLISH_SLA: duration.prefault('48h'),

  /** Publishing platforms (see README "Publishing platforms"); an empty URL = not configured. */
  PUBLISH_WEBHOOK_URL: z.union([z.literal(''), url(['http:', 'https:'])]).default(''),
  PUBLISH_WEBHOOK_SECRET: z.string().default(''),
  WORDPRESS_URL: z.union([z.literal(''), url(['http:', 'https:'])]).default(''),
  WORDPRESS_USER: z.string().default(''),
  WORDPRESS_APP_PASSWORD: z.string().default(''),
  PLATFORM_TIMEOUT_MS: positiveInt.default(15_000),
  /** Where the API is reachable from outside: links in the RSS/Atom feeds. */
  PUBLIC_BASE_URL: url(['http:', 'https:']).default('http://127.0.0.1:8080'),
  /** Notifications (review assigned, reminder, escalation, …): signed webhook; empty = logged only. */
  NOTIFY_WEBHOOK_URL: z.union([z.literal(''), url(['http:', 'https:'])]).default(''),
  NOTIFY_WEBHOOK_SECRET: z.string().default(''),

  /** API auth: JWTs verified against this public key (PEM text, or a path to a PEM file).
   *  Empty outside production = the development key pair in JWT_DEV_KEY_DIR (see `npm run token`). */
  JWT_PUBLIC_KEY: z.string().default(''),
  JWT_ISSUER: z.string().min(1).default('magicai-dev'),
  JWT_AUDIENCE: z.string().min(1).default('magicai-api'),
  /** Accepted signature algorithms (asymmetric only: a token can never pick HMAC with the public key). */
  JWT_ALGORITHMS: csv.pipe(z.array(z.enum(['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256'])).min(1)).prefault('ES256'),
  JWT_DEV_KEY_DIR: z.string().default('.stack/jwt'),
  /** Requests per window, per user and per tenant, shared by all API replicas through PostgreSQL. */
  RATE_LIMIT_USER: positiveInt.default(120),
  RATE_LIMIT_TENANT: positiveInt.default(600),
  RATE_LIMIT_WINDOW_SECONDS: positiveInt.max(86_400).default(60),
  /** Requests per window per client address before authentication, counted per API process. */
  RATE_LIMIT_CLIENT: positiveInt.default(1_200),
  /** Signed engagement pushes per window per tenant (after the signature check), shared through PostgreSQL. */
  RATE_LIMIT_ENGAGEMENT_PUSH: positiveInt.default(300),

  /** Answers: a source below this cosine similarity to the question is not about it ("not found"). */
  ANSWERS_MIN_SIMILARITY: z.coerce.number().min(-1).max(1).default(0.3),
  ANSWERS_MAX_SOURCES: positiveInt.max(10).default(5),
  /** Feedback: questions this similar share wrong-source marks; after this many answers with the
   *  source marked wrong, it is demoted (its fused score multiplied by the penalty). */
  ANSWERS_SIMILAR_QUESTION: z.coerce.number().min(0).max(1).default(0.8),
  ANSWERS_DEMOTE_AFTER: positiveInt.default(2),
  ANSWERS_DEMOTION_PENALTY: z.coerce.number().min(0).max(1).default(0.25),

  /** Which kinds of work this worker process polls for (see src/temporal/task-queues.ts). */
  WORKER_TASK_QUEUES: csv.pipe(z.array(z.enum(['default', 'high', 'crawl', 'llm'])).min(1)).default(['default', 'high', 'crawl', 'llm']),

  /** Operations (README "Production"). Worker /metrics (service metrics + the Temporal SDK's). */
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  WORKER_METRICS_PORT: port.default(9464),
  /** Loopback port of the Temporal SDK's own Prometheus exporter, relayed by the worker's /metrics. */
  TEMPORAL_SDK_METRICS_PORT: port.default(9465),
  /** On SIGTERM: how long in-flight activities may run on before the worker cancels them. */
  WORKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
  /** On SIGTERM: how long the API finishes open requests before it exits. */
  API_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  /** The release this process runs (the image sets it from its BUILD_ID build argument). */
  MAGICAI_BUILD_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, dot, dash, underscore')
    .default(''),
  /** Worker versioning: `pinned` = join the Worker Deployment WORKER_DEPLOYMENT_NAME as version
   *  MAGICAI_BUILD_ID, runs pinned to their version (needs the side-by-side rollout in README
   *  "Production"); `off` = unversioned workers, plain rolling updates. */
  WORKER_VERSIONING: z.enum(['off', 'pinned']).default('off'),
  WORKER_DEPLOYMENT_NAME: z.string().min(1).default('magicai'),
  /** Payload encryption at rest (README "Payloads at rest"): `id:base64` pairs of 256-bit AES keys,
   *  e.g. `k2026a:<openssl rand -base64 32>,k2026b:…`; empty = payloads are stored as plain JSON.
   *  Every key listed still decrypts; PAYLOAD_ENCRYPTION_KEY_ID names the one that encrypts. */
  PAYLOAD_ENCRYPTION_KEYS: csv
    .transform((pairs, ctx) => {
      const keys = pairs.map((pair) => {
        const [id = '', secret = ''] = pair.split(/:(.*)/s);
        const key = Buffer.from(secret, 'base64');
        // Never echo the key material: name the entry by its id (or position) only.
        if (!/^[A-Za-z0-9._-]{1,64}$/.test(id) || key.length !== 32 || key.toString('base64') !== secret) {
          ctx.addIssue({
            code: 'custom',
            message: `entry ${/^[A-Za-z0-9._-]{1,64}$/.test(id) ? `"${id}"` : `#${pairs.indexOf(pair) + 1}`} must be <id>:<base64 of exactly 32 bytes> (id: letters, digits, . _ -; e.g. openssl rand -base64 32)`,
          });
        }
        return { id, key };
      });
      if (new Set(keys.map((entry) => entry.id)).size !== keys.length) ctx.addIssue({ code: 'custom', message: 'key ids must be unique' });
      return keys;
    })
    .default([]),
  PAYLOAD_ENCRYPTION_KEY_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'a key id: letters, digits, . _ -')
    .optional(),
  /** Origins (scheme://host[:port]) whose pages may call the codec server (the Temporal UI's);
   *  empty = the origin of TEMPORAL_UI_URL. */
  CODEC_CORS_ORIGINS: csv.pipe(z.array(url(['http:', 'https:']).transform((value) => new URL(value).origin))).default([]),
  /** Largest codec-server request (payloads of one history event, batched by the UI / CLI). */
  CODEC_BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'a size such as 100kb or 1mb')
    .default('8mb'),
  /** OTLP/HTTP endpoint of a trace collector (e.g. http://otel-collector:4318); empty = no tracing. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.union([z.literal(''), url(['http:', 'https:'])]).default(''),
  OTEL_SERVICE_NAME: z.string().default(''),
});

export type Config = z.infer<typeof schema>;

/** Rules that relate several variables. */
function crossChecks(config: Config): { variable: string; message: string }[] {
  const problems = [];
  if (config.LLM_TIMEOUT_MS >= LLM_START_TO_CLOSE_MS) {
    problems.push({
      variable: 'LLM_TIMEOUT_MS',
      message: `must be below the LLM activity's start-to-close timeout (${LLM_START_TO_CLOSE_MS} ms) so Temporal, not the client, owns retries`,
    });
  }
  if (config.LLM_RATE_MAX_WAIT + config.LLM_TIMEOUT_MS >= LLM_START_TO_CLOSE_MS) {
    problems.push({
      variable: 'LLM_RATE_MAX_WAIT',
      message: `plus LLM_TIMEOUT_MS must stay below the LLM activity's start-to-close timeout (${LLM_START_TO_CLOSE_MS} ms): a call that waited may still need its whole timeout`,
    });
  }
  for (const [model, limit] of Object.entries(config.LLM_RATE_LIMITS)) {
    if (limit.requests < 1 || limit.tokens < 1)
      problems.push({ variable: 'LLM_RATE_LIMITS', message: `${model}: limits must be at least 1 (or unlimited)` });
  }
  if (!config.LLM_MODELS.default) {
    problems.push({ variable: 'LLM_MODELS', message: 'must name a default model (default=<model>)' });
  }
  if (!(config.CONTENT_REMINDER_AFTER <= config.CONTENT_ESCALATE_AFTER && config.CONTENT_ESCALATE_AFTER <= config.CONTENT_EXPIRE_AFTER)) {
    problems.push({ variable: 'CONTENT_ESCALATE_AFTER', message: 'review SLA must be ordered: reminder ≤ escalation ≤ expiry' });
  }
  if (config.CONTENT_AUTO_APPROVE_BELOW > config.CONTENT_TWO_REVIEWERS_AT) {
    problems.push({ variable: 'CONTENT_AUTO_APPROVE_BELOW', message: 'must not exceed CONTENT_TWO_REVIEWERS_AT' });
  }
  if (config.PUBLISH_WEBHOOK_URL && config.PUBLISH_WEBHOOK_SECRET.length < 16) {
    problems.push({ variable: 'PUBLISH_WEBHOOK_SECRET', message: 'must be at least 16 characters when PUBLISH_WEBHOOK_URL is set' });
  }
  if (config.NOTIFY_WEBHOOK_URL && config.NOTIFY_WEBHOOK_SECRET.length < 16) {
    problems.push({ variable: 'NOTIFY_WEBHOOK_SECRET', message: 'must be at least 16 characters when NOTIFY_WEBHOOK_URL is set' });
  }
  if (config.RESEARCH_WATCH_WEBHOOK_URL && config.RESEARCH_WATCH_WEBHOOK_SECRET.length < 16) {
    problems.push({
      variable: 'RESEARCH_WATCH_WEBHOOK_SECRET',
      message: 'must be at least 16 characters when RESEARCH_WATCH_WEBHOOK_URL is set',
    });
  }
  if (config.WORDPRESS_URL && (!config.WORDPRESS_USER || !config.WORDPRESS_APP_PASSWORD)) {
    problems.push({
      variable: 'WORDPRESS_APP_PASSWORD',
      message: 'WORDPRESS_USER and WORDPRESS_APP_PASSWORD are needed with WORDPRESS_URL',
    });
  }
  if (config.ENGAGEMENT_PUSH_SECRETS.some((pair) => !/^[A-Za-z0-9][A-Za-z0-9._-]*=.{16,}$/.test(pair))) {
    problems.push({ variable: 'ENGAGEMENT_PUSH_SECRETS', message: 'must be tenant=secret pairs, each secret at least 16 characters' });
  }
  if (config.WORKER_VERSIONING === 'pinned' && !config.MAGICAI_BUILD_ID) {
    problems.push({ variable: 'MAGICAI_BUILD_ID', message: 'must name the build when WORKER_VERSIONING=pinned' });
  }
  const keyIds = config.PAYLOAD_ENCRYPTION_KEYS.map((entry) => entry.id);
  if (keyIds.length > 0 && !config.PAYLOAD_ENCRYPTION_KEY_ID) {
    problems.push({
      variable: 'PAYLOAD_ENCRYPTION_KEY_ID',
      message: `must name the key that encrypts new payloads (one of: ${keyIds.join(', ')})`,
    });
  } else if (config.PAYLOAD_ENCRYPTION_KEY_ID && !keyIds.includes(config.PAYLOAD_ENCRYPTION_KEY_ID)) {
    problems.push({
      variable: 'PAYLOAD_ENCRYPTION_KEY_ID',
      message: keyIds.length
        ? `names no key of PAYLOAD_ENCRYPTION_KEYS (ids: ${keyIds.join(', ')})`
        : 'is set but PAYLOAD_ENCRYPTION_KEYS is empty',
    });
  }
  if (config.NODE_ENV === 'production' && !config.JWT_PUBLIC_KEY) {
    problems.push({ variable: 'JWT_PUBLIC_KEY', message: 'must be set in production (the development key pair is for local use only)' });
  }
  return problems;
}

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super('Invalid configuration:\n' + issues.map((issue) => `  ${issue.variable}: ${issue.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/** Variables whose value an error message never repeats. */
const SECRET_VARIABLES = new Set(['PAYLOAD_ENCRYPTION_KEYS']);

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset, so `FOO=` falls back to the default.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '' && value !== undefined));
  const result = schema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? '(environment)');
        const got = SECRET_VARIABLES.has(variable) ? undefined : env[variable];
        return { variable, message: `${issue.message}${got === undefined ? '' : ` (got "${got}")`}` };
      }),
    );
  }
  const problems = crossChecks(result.data);
  if (problems.length > 0) throw new ConfigError(problems);
  return result.data;
}

/** For entrypoints: load the config or print the problem and exit. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
