// The fault-injection suite (`npm run faults`, through scripts/faults.sh, which brings up the
// PRIVATE stack this driver stops and starts). Load: a product list of generated sample-shop
// pages (LLM enrichment by a chat stand-in at a fixed delay, embeddings by the local model
// server) and content items going through review, approval and publishing (platform
// stand-ins), together, through the real API and several worker processes. Faults during the
// load, paced by its progress: SIGKILLs of worker processes (respawned), restarts of the
// Temporal server (history persisted in its SQLite file), and PostgreSQL, Elasticsearch, Neo4j
// and the model server each stopped for a while, then started again. API calls are sampled
// during every outage. Afterwards the counts are printed and checked; exit code 1 on any
// violation.
//   node --import tsx faults/run.ts [--ci] [--items=1000] [--content=100] [--kills=20]
//     [--temporal-restarts=3] [--outage-seconds=30] [--workers=3] [--llm-delay-ms=200]
//     [--concurrency=8] [--seed=1] [--timeout-minutes=120]
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/observability/logger';
import { openInfrastructure, type Infrastructure } from '../src/runtime/infrastructure';
import { mintToken } from '../src/auth/tokens';
import { loadDevSigningKey } from '../src/auth/keys';
import { listWorkflowId, tenantListKey } from '../src/products/lists';
import { startSampleShop } from '../fixtures/sample-shop';
import { startWebhookReceiver, startWordPressStandIn } from '../tests/support/platform-standins';
import { ProcessPool, compiled, stackService, startChatStandIn, type StackService } from './processes';
import { countEverything, heartbeatRetries, printCounts, type Kill, type Outage, type RunFacts } from './counts';

interface Plan {
  items: number;
  content: number;
  kills: number;
  temporalRestarts: number;
  outageSeconds: number;
  workers: number;
  llmDelayMs: number;
  concurrency: number;
  seed: number;
  timeoutMinutes: number;
}

const FULL: Plan = {
  items: 1000,
  content: 100,
  kills: 20,
  temporalRestarts: 3,
  outageSeconds: 30,
  workers: 3,
  llmDelayMs: 200,
  concurrency: 8,
  seed: 1,
  timeoutMinutes: 120,
};
const CI: Plan = { ...FULL, items: 100, content: 10, kills: 4, temporalRestarts: 1, outageSeconds: 10, workers: 2, timeoutMinutes: 25 };

function parsePlan(argv: string[]): Plan {
  const plan = { ...(argv.includes('--ci') || process.env.FAULTS_CI === '1' ? CI : FULL) };
  for (const arg of argv) {
    const match = /^--([a-z-]+)=(\d+)$/.exec(arg);
    if (!match) continue;
    const key = match[1]!.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof Plan;
    if (!(key in plan)) throw new Error(`unknown option ${arg}`);
    plan[key] = Number(match[2]);
  }
  return plan;
}

/** A small seeded generator (mulberry32): the same seed kills in the same order. */
function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message: string) => console.log(`[faults +${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${message}`);
const t0 = Date.now();

interface Response {
  status: number;
  contentType: string;
  retryAfter: string | null;
  json: any;
}

/** Every API answer of the run, by status; 5xx other than 503 are defects wherever they occur. */
const apiStatuses = new Map<number, number>();
const unexpected5xx: string[] = [];

async function api(
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response | undefined> {
  try {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    apiStatuses.set(response.status, (apiStatuses.get(response.status) ?? 0) + 1);
    if (response.status >= 500 && response.status !== 503)
      unexpected5xx.push(`${method} ${path} → ${response.status}: ${text.slice(0, 300)}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      retryAfter: response.headers.get('retry-after'),
      json,
    };
  } catch {
    return undefined; // the API process itself unreachable (never killed here) or a timeout
  }
}

/** Retries a call until it gets an answer that is not 503/429 (outages, restarts). */
async function persist(call: () => Promise<Response | undefined>, what: string, deadline: number): Promise<Response> {
  for (;;) {
    const response = await call();
    if (response && response.status !== 503 && response.status !== 429) return response;
    if (Date.now() > deadline) throw new Error(`${what}: no answer before the deadline (last ${response?.status ?? 'no response'})`);
    await sleep(1_000 + Math.random() * 1_000);
  }
}

interface OutageSample {
  outage: string;
  statuses: Map<number, number>;
  /** 503s that were not problem+json or had no Retry-After. */
  malformed503: string[];
}

async function main() {
  const plan = parsePlan(process.argv.slice(2));
  const random = seeded(plan.seed);
  const deadline = Date.now() + plan.timeoutMinutes * 60_000;
  log(`plan ${JSON.stringify(plan)}`);

  const shop = await startSampleShop();
  const chat = await startChatStandIn(plan.llmDelayMs);
  const secret = 'faults-webhook-secret-0123456789';
  const webhook = await startWebhookReceiver(secret);
  const wordpress = await startWordPressStandIn();
  const apiPort = Number(process.env.FAULTS_API_PORT ?? 21200);
  const runId = randomUUID().slice(0, 8);
  const tenantId = `faults-${runId}`;
  const listId = `faults-${runId}`;

  const serviceEnv: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: 'error',
    TEMPORAL_TASK_QUEUE_PREFIX: 'faults',
    FETCH_ALLOW_HOSTS: new URL(shop.baseUrl).host,
    OPENAI_BASE_URL: chat.baseUrl,
    PUBLISH_WEBHOOK_URL: webhook.url,
    PUBLISH_WEBHOOK_SECRET: secret,
    WORDPRESS_URL: wordpress.url,
    WORDPRESS_USER: wordpress.user,
    WORDPRESS_APP_PASSWORD: wordpress.appPassword,
    NOTIFY_WEBHOOK_URL: webhook.notifyUrl,
    NOTIFY_WEBHOOK_SECRET: secret,
    // Every content item goes to human review (nothing auto-approved), publishes at once,
    // and is monitored once a second later, so its workflow completes within the run.
    CONTENT_AUTO_APPROVE_BELOW: '0',
    CONTENT_REVIEWERS: 'bob,carol',
    CONTENT_MONITOR_AFTER: '1s',
    LIST_CONCURRENCY: String(plan.concurrency),
    // The driver is one user polling hard; the limiter still runs (and counts in PostgreSQL).
    RATE_LIMIT_USER: '1000000',
    RATE_LIMIT_TENANT: '1000000',
    RATE_LIMIT_CLIENT: '1000000',
    WORKER_METRICS_PORT: '0',
    TEMPORAL_SDK_METRICS_PORT: '0',
    API_PORT: String(apiPort),
    API_HOST: '127.0.0.1',
  };
  const config = loadConfig(serviceEnv);
  const infra: Infrastructure = await openInfrastructure(config, createLogger('error', 'faults'));
  const key = await loadDevSigningKey(config.JWT_DEV_KEY_DIR);
  const alice = await mintToken(key, config, { sub: 'alice', tenant: tenantId, roles: ['editor'] }, '12h');
  const bob = await mintToken(key, config, { sub: 'bob', tenant: tenantId, roles: ['reviewer'] }, '12h');
  const carol = await mintToken(key, config, { sub: 'carol', tenant: tenantId, roles: ['reviewer'] }, '12h');

  const logTail: string[] = [];
  const apiProcess = new ProcessPool('api', compiled('api/main.js'), serviceEnv, logTail);
  const workers = new ProcessPool('worker', compiled('worker/main.js'), serviceEnv, logTail);
  apiProcess.start(1);
  workers.start(plan.workers);
  const baseUrl = `http://127.0.0.1:${apiPort}`;
  for (;;) {
    const ready = await fetch(`${baseUrl}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error('the API never became ready');
    await sleep(500);
  }
  log(`API ready at ${baseUrl}; ${plan.workers} worker processes; tenant ${tenantId}`);

  // ---- load --------------------------------------------------------------------------------
  const items = Array.from({ length: plan.items }, (_, i) => ({ url: new URL(`/gen/${20_000 + i}.html`, shop.baseUrl).href }));
  const listStarted = await persist(
    () =>
      api(
        baseUrl,
        alice,
        'POST',
        '/v1/product-lists',
        { listId, items, options: { llm: true, concurrency: plan.concurrency } },
        { 'idempotency-key': `list-${listId}` },
      ),
    'start the product list',
    deadline,
  );
  if (listStarted.status !== 202) throw new Error(`product list not started: ${listStarted.status} ${JSON.stringify(listStarted.json)}`);
  const contentIds: string[] = [];
  for (let i = 0; i < plan.content; i++) {
    const contentId = `faults-${runId}-${i}`;
    const started = await persist(
      () =>
        api(
          baseUrl,
          alice,
          'POST',
          '/v1/content',
          {
            contentId,
            title: `Fault run note ${i}`,
            body: `Note ${i} of run ${runId}: our linen towels are woven slowly, washed twice and dried in the sun.`,
            platforms: ['webhook', 'wordpress', 'feed'],
          },
          { 'idempotency-key': `content-${contentId}` },
        ),
      `submit content ${i}`,
      deadline,
    );
    if (started.status !== 202) throw new Error(`content ${i} not accepted: ${started.status} ${JSON.stringify(started.json)}`);
    contentIds.push(contentId);
  }
  log(`load started: list ${listId} (${plan.items} items), ${plan.content} content items`);

  // The reviewers: approve whatever waits in the inbox until every content workflow has closed.
  // Risky text (e.g. near-duplicates of approved notes) is routed to two reviewers: when bob's
  // approval leaves it pending, carol approves too. A lost answer is simply retried on the next
  // round (a 409 SameReviewerTwice / ReviewClosed then says the decision was recorded).
  let contentClosed = false;
  const decisions = new Map<string, number>();
  const reviewing = (async () => {
    while (!contentClosed && Date.now() < deadline) {
      const inbox = await api(baseUrl, bob, 'GET', '/v1/content?status=pending&limit=200');
      for (const item of (inbox?.status === 200 ? inbox.json.items : []) as { contentId: string }[]) {
        for (const [name, token] of [
          ['bob', bob],
          ['carol', carol],
        ] as const) {
          const decided = await api(baseUrl, token, 'POST', `/v1/content/${item.contentId}/reviews`, {
            decision: 'approve',
            comment: `fine (${name})`,
          });
          decisions.set(String(decided?.status ?? 'no answer'), (decisions.get(String(decided?.status ?? 'no answer')) ?? 0) + 1);
          if (decided?.status === 200 && decided.json.status === 'approved') break;
        }
      }
      await sleep(2_000);
    }
  })();

  // ---- progress and faults -----------------------------------------------------------------
  const listKey = tenantListKey(tenantId, listId);
  let progress = 0;
  const progressLoop = (async () => {
    while (progress < 1 && Date.now() < deadline) {
      try {
        const { rows } = await infra.pg.query(
          `SELECT count(*) FILTER (WHERE state <> 'pending')::int AS done FROM product_list_items WHERE list_id = $1`,
          [listKey],
        );
        const { rows: published } = await infra.pg.query(
          `SELECT count(*)::int AS n FROM content_publications WHERE tenant_id = $1 AND status = 'published'`,
          [tenantId],
        );
        progress = (rows[0].done + published[0].n / 3) / (plan.items + plan.content);
      } catch {
        // PostgreSQL is down: keep the last figure
      }
      await sleep(2_000);
    }
  })();
  const when = async (fraction: number) => {
    while (progress < fraction && Date.now() < deadline) await sleep(500);
  };

  const killLog: Kill[] = [];
  const kills = (async () => {
    for (let k = 0; k < plan.kills; k++) {
      await when(0.02 + (0.85 * k) / Math.max(1, plan.kills));
      for (;;) {
        const victim = workers.killOne((n) => Math.floor(random() * n), 5_000);
        if (victim) {
          killLog.push({ at: Date.now(), victim });
          log(`SIGKILL ${victim} (${k + 1}/${plan.kills})`);
          break;
        }
        await sleep(1_000);
      }
      await sleep(3_000);
    }
  })();

  const samples: OutageSample[] = [];
  const outages: Outage[] = [];
  const stores: StackService[] = ['postgres', 'elasticsearch', 'neo4j', 'llm'];
  const events: StackService[] = [...stores];
  for (let r = 0; r < plan.temporalRestarts; r++)
    events.splice(Math.round(((r + 0.5) * stores.length) / plan.temporalRestarts) + r, 0, 'temporal');
  const sampleDuring = (outage: string) => {
    const sample: OutageSample = { outage, statuses: new Map(), malformed503: [] };
    samples.push(sample);
    let stop = false;
    const calls: [string, string, unknown?][] = [
      ['GET', '/v1/content?status=pending'],
      ['GET', `/v1/content/${contentIds[0]}`],
      ['GET', `/v1/product-lists/${listId}`],
      ['GET', `/v1/product-lists/${listId}/report`],
      ['GET', '/v1/search/products?q=towel'],
      ['GET', '/v1/search/content?q=linen'],
      ['POST', '/v1/content', { title: '' }], // invalid: 400 when served, never creates anything
      ['POST', `/v1/content/${contentIds[0]}/reviews`, { decision: 'approve' }], // the author: 403 when served
      ['GET', '/readyz'],
    ];
    const loop = (async () => {
      for (let i = 0; !stop; i++) {
        const [method, path, body] = calls[i % calls.length]!;
        const response = await api(baseUrl, path.includes('/reviews') ? alice : bob, method, path, body);
        if (response) {
          sample.statuses.set(response.status, (sample.statuses.get(response.status) ?? 0) + 1);
          if (
            response.status === 503 &&
            path !== '/readyz' &&
            (!/application\/problem\+json/.test(response.contentType) || !(Number(response.retryAfter) > 0))
          ) {
            sample.malformed503.push(`${method} ${path}: ${response.contentType} retry-after=${response.retryAfter}`);
          }
        }
        await sleep(250);
      }
    })();
    return async () => {
      stop = true;
      await loop;
    };
  };
  const outageLoop = (async () => {
    for (let e = 0; e < events.length; e++) {
      await when(0.05 + (0.8 * e) / events.length);
      const service = events[e]!;
      const stopSampling = sampleDuring(service === 'temporal' ? 'temporal restart' : `${service} down`);
      const started = Date.now();
      if (service === 'temporal') {
        log('restarting the Temporal server');
        await stackService('stop', 'temporal');
        await stackService('start', 'temporal');
      } else {
        log(`stopping ${service} for ${plan.outageSeconds} s`);
        await stackService('stop', service);
        if (service === 'llm') await chat.down();
        await sleep(plan.outageSeconds * 1_000);
        if (service === 'llm') await chat.up();
        await stackService('start', service);
      }
      await stopSampling();
      outages.push({ outage: service, seconds: (Date.now() - started) / 1000, startedAt: started, endedAt: Date.now() });
      log(`${service} back after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  })();

  // ---- the end of the load -----------------------------------------------------------------
  const retryingResult = async <T>(workflowId: string): Promise<T> => {
    for (;;) {
      try {
        return (await infra.temporal.workflow.getHandle(workflowId).result()) as T;
      } catch (error) {
        if ((error as Error).name === 'WorkflowFailedError' || Date.now() > deadline) throw error;
        await sleep(2_000); // the server restarting
      }
    }
  };
  const listOutcome = await retryingResult<unknown>(listWorkflowId(tenantId, listId)).then(
    () => 'completed',
    (error: Error) => `${error.name}: ${error.message}`,
  );
  log(`product list workflow: ${listOutcome}`);
  const contentOutcomes = new Map<string, string>();
  for (const contentId of contentIds) {
    const outcome = await retryingResult<{ status: string }>(`content/${tenantId}/${contentId}`).then(
      (r) => r.status,
      (error: Error) => `${error.name}`,
    );
    contentOutcomes.set(contentId, outcome);
  }
  contentClosed = true;
  log(`content workflows closed (review answers: ${[...decisions.entries()].map(([status, n]) => `${status}×${n}`).join(' ')})`);
  progress = 1;
  await Promise.all([kills, outageLoop, reviewing, progressLoop]);
  // Every workflow of the run should now be closed (entity workflows excepted; see counts.ts).
  const facts: RunFacts = {
    plan,
    tenantId,
    listId,
    listKey,
    contentIds,
    listOutcome,
    contentOutcomes,
    webhookPosts: webhook.posts,
    wordpressPosts: wordpress.posts,
    kills: workers.kills,
    workerSpawns: workers.spawned,
    unexpectedWorkerExits: workers.unexpectedExits,
    workerExitReasons: workers.exitReasons,
    startedAt: t0,
    apiRestarts: apiProcess.spawned - 1,
    outages,
    samples,
    apiStatuses,
    unexpected5xx,
    killLog,
    chatCalls: chat.calls,
  };
  const counts = await countEverything(infra, facts, deadline);
  counts.heartbeats = await heartbeatRetries(infra, killLog, outages, t0);
  const violations = printCounts(facts, counts, (Date.now() - t0) / 1000);
  if (violations.length > 0) {
    console.log('\nlast stderr lines of the service processes:');
    for (const line of logTail.slice(-30)) console.log(`  ${line.slice(0, 400)}`);
  }

  await workers.stop();
  await apiProcess.stop();
  await infra.close();
  await Promise.all([shop.close(), chat.close(), webhook.close(), wordpress.close()]);
  process.exit(violations.length > 0 ? 1 : 0);
}

main().catch((error) => {
  console.error(`[faults] the run itself failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(2);
});
