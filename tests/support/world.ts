// A running slice of the service for tests: real stores and Temporal from the local stack,
// in-process workers on task queues unique to this test run, and the API on port 0.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createApp } from '../../src/api/app';
import { attachLiveSocket } from '../../src/api/live';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/observability/logger';
import { openInfrastructure, type Infrastructure } from '../../src/runtime/infrastructure';
import { applySchema } from '../../src/schema/apply';
import { taskQueues } from '../../src/temporal/task-queues';
import { createWorkers, type WorkerSet } from '../../src/worker/workers';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadDevSigningKey } from '../../src/auth/keys';
import type { Role } from '../../src/auth/principal';
import { mintToken } from '../../src/auth/tokens';

// Keep the SDK's own logs to errors (expected activity failures log warnings) so test output stays readable (one Runtime per process).
Runtime.install({ logger: new DefaultLogger((process.env.TEST_SDK_LOG_LEVEL as 'WARN' | undefined) ?? 'ERROR') });

// Tests keep to their own Temporal namespace and index prefix (created by applySchema when
// missing), so test runs never fill the operators' `default` namespace. An explicitly set one
// wins (helpers and CI jobs running side by side); child processes (workers, the API) inherit it.
process.env.TEMPORAL_NAMESPACE ??= 'magicai-test';
process.env.ELASTICSEARCH_INDEX_PREFIX ??= 'magicai-test';

/** Test configuration: the stack's services, a unique task-queue prefix, quiet logs. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    ...process.env,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    TEMPORAL_TASK_QUEUE_PREFIX: `test-${randomUUID().slice(0, 8)}`,
    ...overrides,
  });
}

export interface World {
  config: Config;
  infra: Infrastructure;
  baseUrl: string;
  stop(): Promise<void>;
}

export async function startWorld(overrides: Record<string, string> = {}, options: { workers?: boolean } = {}): Promise<World> {
  const config = testConfig(overrides);
  const logger = createLogger(config.LOG_LEVEL, 'test');
  const infra = await openInfrastructure(config, logger);
  await applySchema(infra);

  let workerSet: WorkerSet | undefined;
  let running: Promise<void> | undefined;
  if (options.workers !== false) {
    workerSet = await createWorkers({ config, deps: infra, kinds: ['default', 'high', 'crawl', 'llm'] });
    running = workerSet.run();
  }
  const server: Server = await new Promise((resolve) => {
    const s = createApp(infra).listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  attachLiveSocket(server, infra);
  if (defaultActor) defaultTokens.set(`http://127.0.0.1:${port}`, await tokenFor(config, defaultActor));

  return {
    config,
    infra,
    baseUrl: `http://127.0.0.1:${port}`,
    async stop() {
      await new Promise((resolve) => server.close(resolve));
      // Leave nothing running on the shared dev server: what this world started and did not finish (pending reviews, …).
      const queue = taskQueues(config).default;
      for await (const run of infra.temporal.workflow.list({ query: `TaskQueue = '${queue}' AND ExecutionStatus = 'Running'` })) {
        await infra.temporal.workflow
          .getHandle(run.workflowId, run.runId)
          .terminate('test world stopped')
          .catch(() => undefined);
      }
      workerSet?.shutdown();
      await running;
      await infra.close();
    },
  };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
/**
 * Probes until a value comes back. `everyMs` paces the probes: polls of the API should stay under
 * the per-user rate limit (RATE_LIMIT_USER, 120 a minute), or the limit hides what they wait for.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  what = 'condition',
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** A development token (the stack's dev key pair), as `npm run token` mints them. */
export async function tokenFor(
  config: Config,
  who: { sub: string; tenant: string; roles: Role[] },
  ttl: string | number = '1h',
): Promise<string> {
  return mintToken(await loadDevSigningKey(config.JWT_DEV_KEY_DIR), config, who, ttl);
}

const defaultTokens = new Map<string, string>();
let defaultActor: { sub: string; tenant: string; roles: Role[] } | undefined;
/** Every world started afterwards calls its API as this user (see actAs). */
export function actAsByDefault(who: { sub: string; tenant: string; roles: Role[] }): void {
  defaultActor = who;
}
/** Makes `http()` calls to this API carry the token unless they set their own Authorization. */
export function actAs(baseUrl: string, token: string): void {
  defaultTokens.set(baseUrl, token);
}
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function http(baseUrl: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const token = defaultTokens.get(baseUrl);
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? bearer(token) : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    headers: response.headers,
    json: json as Record<string, any>,
    text,
  };
}
