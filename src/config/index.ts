// Typed configuration from environment variables. Every process validates it at boot and
// stops with a message naming the offending variable rather than failing later on use.
import { z } from 'zod';

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
const csv = z
  .string()
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean));

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_UI_URL: url(['http:', 'https:']).default('http://127.0.0.1:8233'),
  /** Prefix of every task queue name, so that deployments (or test runs) can share a namespace. */
  TEMPORAL_TASK_QUEUE_PREFIX: z.string().regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes').default('magicai'),

  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://magicai:magicai@127.0.0.1:5432/magicai'),
  PG_POOL_MAX: positiveInt.default(10),

  ELASTICSEARCH_URL: url(['http:', 'https:']).default('http://127.0.0.1:9200'),
  ELASTICSEARCH_INDEX_PREFIX: z.string().regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes').default('magicai'),

  NEO4J_URL: url(['bolt:', 'neo4j:', 'bolt+s:', 'neo4j+s:']).default('bolt://127.0.0.1:7687'),
  NEO4J_USER: z.string().default('neo4j'),
  NEO4J_PASSWORD: z.string().default(''),
  NEO4J_DATABASE: z.string().default('neo4j'),

  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(8080),
  API_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'a size such as 100kb or 1mb').default('256kb'),

  /** Which kinds of work this worker process polls for (see src/temporal/task-queues.ts). */
  WORKER_TASK_QUEUES: csv
    .pipe(z.array(z.enum(['default', 'high', 'crawl', 'llm'])).min(1))
    .default(['default', 'high', 'crawl', 'llm']),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(
      'Invalid configuration:\n' +
        issues.map((issue) => `  ${issue.variable}: ${issue.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset, so `FOO=` falls back to the default.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? '(environment)');
        const got = env[variable];
        return { variable, message: `${issue.message}${got === undefined ? '' : ` (got "${got}")`}` };
      }),
    );
  }
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
