// The model provider's rate limit holds across processes: two real worker processes serve the
// LLM queue, this process runs the workflows, the duplicate-check and indexing embeddings, and
// the API (search embeddings). Every one of them takes its calls from the one limit in
// PostgreSQL, so the provider — a loopback stand-in that counts tokens as it receives them —
// never sees more requests or tokens in any window than the limit, and no work is lost.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TaskResult } from '../src/llm/gateway';
import { SharedRateLimiter } from '../src/llm/rate-limiter';
import type { TaskOutput } from '../src/llm/tasks';
import { SearchAttr } from '../src/temporal/search-attributes';
import { taskQueues } from '../src/temporal/task-queues';
import { createWorkers, type WorkerSet } from '../src/worker/workers';
import { llmTaskWorkflow } from '../src/workflows/llm-task';
import { busiestWindow, startOpenAiStandIn, type OpenAiStandIn, type RecordedRequest } from './support/openai-standin';
import { actAsByDefault, eventually, http, startWorld, type World } from './support/world';
import { spawnWorkerProcess, stopWorkerProcesses } from './support/worker-process';

const WINDOW_MS = 5_000;
const MAX_REQUESTS = 4;
const MAX_TOKENS = 1_000;

/** A valid answer for whichever task the request is (the JSON schema's name says which). */
function answerFor(body: { max_tokens?: number; response_format?: { json_schema?: { name?: string } } }) {
  const task = body?.response_format?.json_schema?.name;
  if (task === 'styleCheck') return { content: JSON.stringify({ score: 0.95, issues: [] }) };
  // A model that writes up to max_tokens (reasoning, say): the actual usage comes close to the
  // reservation, so the tokens per window bind as well as the requests.
  return { content: JSON.stringify({ label: 'positive', score: 0.8, aspects: ['battery life'] }), completionTokens: body.max_tokens };
}

describe('LLM rate limits with two worker processes', () => {
  let standIn: OpenAiStandIn;
  let world: World;
  let workers: WorkerSet;
  let running: Promise<void>;
  const children: ChildProcess[] = [];
  const metricsUrls: string[] = [];
  const tenantId = `rl-${randomUUID().slice(0, 8)}`;
  actAsByDefault({ sub: 'writer', tenant: tenantId, roles: ['editor'] });

  before(async () => {
    standIn = await startOpenAiStandIn({ countTokens: true });
    standIn.script([], answerFor);
    const env = {
      OPENAI_BASE_URL: standIn.baseUrl,
      EMBEDDINGS_BASE_URL: standIn.baseUrl,
      OPENAI_API_KEY: 'standin',
      LLM_MODELS: 'default=standin-chat',
      EMBEDDING_MODEL: 'standin-embed',
      // Chat and embeddings share the `default` limit; a short window keeps the test in seconds.
      LLM_RATE_LIMITS: `default=${MAX_REQUESTS}/${MAX_TOKENS}`,
      LLM_RATE_WINDOW: `${WINDOW_MS}ms`,
      LLM_TIMEOUT_MS: '20000',
      LLM_RATE_MAX_WAIT: '25s',
    };
    world = await startWorld(env, { workers: false });
    // Workflows, the duplicate check and indexing here; every LLM-queue activity in the children.
    workers = await createWorkers({ config: world.config, deps: world.infra, kinds: ['default', 'high'] });
    running = workers.run();
    for (let i = 0; i < 2; i++) {
      const worker = spawnWorkerProcess(world, env, { queues: 'llm' });
      children.push(worker.child);
      await worker.started();
      metricsUrls.push(/"metrics":"([^"]+)"/.exec(worker.output())![1]!);
    }
  });
  after(async () => {
    await stopWorkerProcesses(children);
    workers?.shutdown();
    await running;
    await world?.stop();
    await standIn?.close();
  });

  /** Requests and tokens in the provider's busiest window, over what it received from `from` on. */
  function busiest(requests: RecordedRequest[]) {
    return {
      requests: busiestWindow(
        requests.map(({ at }) => ({ at })),
        WINDOW_MS,
      ),
      tokens: busiestWindow(
        requests.map(({ at, tokens }) => ({ at, weight: tokens })),
        WINDOW_MS,
      ),
    };
  }

  it('then chat calls from both processes stay within the requests and tokens per window, and all complete', async (t) => {
    const from = standIn.requests.length;
    const handles = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        world.infra.temporal.workflow.start(llmTaskWorkflow, {
          workflowId: `rl-test/${tenantId}/${i}`,
          taskQueue: taskQueues(world.config).default,
          args: [
            { tenantId, task: 'sentiment', input: { text: `Review ${i}: great battery, weak speaker, ${'solid build '.repeat(i % 4)}` } },
          ],
          typedSearchAttributes: [
            { key: SearchAttr.TenantId, value: tenantId },
            { key: SearchAttr.WorkflowKind, value: 'llm-task' },
          ],
        }),
      ),
    );
    const results = (await Promise.all(handles.map((handle) => handle.result()))) as TaskResult<TaskOutput<'sentiment'>>[];
    assert.equal(results.filter((result) => result.output.label === 'positive').length, 12, 'every call completed');

    const received = standIn.requests.slice(from);
    assert.equal(received.length, 12, 'one provider request per call');
    // The workers' metrics say the limit is what held calls back.
    let waits = 0;
    for (const url of metricsUrls) {
      const text = await (await fetch(url)).text();
      waits += Number(/^magicai_llm_rate_limit_waits_total\{key="default"\} (\d+)/m.exec(text)?.[1] ?? 0);
    }
    assert.ok(waits >= 1, `calls that waited for room, by the workers' metrics: ${waits}`);
    const seen = busiest(received);
    t.diagnostic(
      `busiest ${WINDOW_MS} ms at the provider: ${seen.requests}/${MAX_REQUESTS} requests, ${seen.tokens}/${MAX_TOKENS} tokens, over ${received.length} requests`,
    );
    assert.ok(seen.requests <= MAX_REQUESTS, `busiest ${WINDOW_MS} ms at the provider: ${seen.requests} requests`);
    assert.ok(seen.tokens <= MAX_TOKENS, `busiest ${WINDOW_MS} ms at the provider: ${seen.tokens} tokens`);
    // Without the shared limit the two processes' 8 slots would have sent 8 at once.
    assert.ok(seen.requests >= 2, `the limit was reached (${seen.requests} requests in the busiest window)`);

    // Both worker processes made calls (the limit held across them, not within one).
    const identities = new Set<string>();
    for (const handle of handles) {
      const history = await handle.fetchHistory();
      for (const event of history.events ?? []) {
        if (event.activityTaskStartedEventAttributes?.identity) identities.add(event.activityTaskStartedEventAttributes.identity);
      }
    }
    const childIdentities = children.map((child) => `llm@${child.pid}`);
    assert.deepEqual(
      childIdentities.filter((identity) => identities.has(identity)).sort(),
      childIdentities.sort(),
      `activity workers: ${[...identities].join(', ')}`,
    );

    // The tokens each call reported replaced its reservation, and the audit has every call.
    const { rows } = await world.infra.pg.query<{ n: number; tokens: number }>(
      `SELECT count(*)::int AS n, sum(prompt_tokens + completion_tokens)::int AS tokens FROM llm_calls WHERE tenant_id = $1 AND task = 'sentiment' AND status = 'ok'`,
      [tenantId],
    );
    assert.equal(rows[0]!.n, 12);
    assert.equal(
      rows[0]!.tokens,
      received.reduce((sum, request) => sum + request.tokens, 0),
    );
  });

  it('then duplicate-check, indexing and search embeddings count against the same limit as chat calls', async (t) => {
    const from = standIn.requests.length;
    const submitted = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        http(world.baseUrl, 'POST', '/v1/content', {
          title: `Towel note ${i}`,
          body: `A calm note ${randomUUID()} about towels, number ${i}.`,
          platforms: ['feed'],
        }),
      ),
    );
    for (const response of submitted) assert.equal(response.status, 202, response.text);
    // People search meanwhile: each search embeds its query in the API process.
    const searches = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        for (;;) {
          const response = await http(world.baseUrl, 'GET', `/v1/search/content?q=${encodeURIComponent(`soft towels ${i}`)}&mode=knn`);
          if (response.status !== 503) return response;
          assert.ok(Number(response.headers.get('retry-after')) >= 1, 'a 503 for the rate limit says when to come back');
          await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after')) * 1000));
        }
      }),
    );
    for (const response of searches) assert.equal(response.status, 200, response.text);

    // Every text was checked (style by the LLM queue, duplicates by embedding) and approved.
    for (const response of submitted) {
      const contentId = response.json.contentId as string;
      await eventually(
        async () =>
          ['approved', 'published', 'completed'].includes(
            (await http(world.baseUrl, 'GET', `/v1/content/${contentId}`)).json.status as string,
          )
            ? true
            : undefined,
        120_000,
        `content ${contentId} checked and approved`,
      );
    }
    // Approved texts are indexed with their embedding: wait for the five index embeddings.
    await eventually(
      () =>
        Promise.resolve(
          standIn.requests.slice(from).filter((r) => r.path.endsWith('/embeddings') && /^Towel note/.test(r.body.input[0])).length >= 10
            ? true
            : undefined,
        ),
      60_000,
      'indexing embeddings',
    );

    const received = standIn.requests.slice(from);
    const embeddings = received.filter((request) => request.path.endsWith('/embeddings'));
    const chats = received.filter((request) => request.path.endsWith('/chat/completions'));
    assert.equal(embeddings.filter((request) => /^soft towels/.test(request.body.input[0])).length, 4, 'one search embedding per search');
    assert.equal(
      embeddings.filter((request) => /^Towel note/.test(request.body.input[0])).length,
      10,
      'a duplicate check and an indexing embedding per text',
    );
    assert.equal(chats.length, 5, 'one style check per text');
    const seen = busiest(received);
    t.diagnostic(
      `busiest ${WINDOW_MS} ms at the provider: ${seen.requests}/${MAX_REQUESTS} requests, ${seen.tokens}/${MAX_TOKENS} tokens, over ${received.length} requests`,
    );
    assert.ok(seen.requests <= MAX_REQUESTS, `busiest ${WINDOW_MS} ms at the provider (chat + embeddings): ${seen.requests} requests`);
    assert.ok(seen.tokens <= MAX_TOKENS, `busiest ${WINDOW_MS} ms at the provider (chat + embeddings): ${seen.tokens} tokens`);
    assert.ok(seen.requests >= 2, `the limit was reached (${seen.requests} requests in the busiest window)`);
  });

  it('when the provider asked every process to hold back for longer than a search may wait, then the search is a 503 with Retry-After', async () => {
    const from = standIn.requests.length;
    const limiter = new SharedRateLimiter(world.infra.pg, world.config);
    await limiter.block('standin-embed', 60_000); // as a 429 with Retry-After: 60 seen by any process does
    try {
      const response = await http(world.baseUrl, 'GET', '/v1/search/content?q=towels&mode=knn');
      assert.equal(response.status, 503, response.text);
      assert.match(response.contentType, /application\/problem\+json/);
      assert.ok(Number(response.headers.get('retry-after')) >= 50, `Retry-After: ${response.headers.get('retry-after')}`);
      assert.equal(standIn.requests.length, from, 'nothing was sent to the provider');
      const text = await http(world.baseUrl, 'GET', '/v1/search/content?q=towels&mode=text');
      assert.equal(text.status, 200, 'a text search needs no model call');
    } finally {
      await world.infra.pg.query(`UPDATE llm_rate_limits SET blocked_until = 'epoch' WHERE limit_key = 'default'`);
    }
  });
});
