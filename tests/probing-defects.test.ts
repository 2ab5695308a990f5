// Regression tests for the defects found by probing the running service from outside (issue 14):
// each `describe` names the defect it pins down. Real HTTP on port 0 against the real stack;
// no workers are needed (a started workflow just waits and is terminated when the world stops).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import pino from 'pino';
import { ServiceError } from '@temporalio/client';
import { createApp } from '../src/api/app';
import { dependencyUnavailable } from '../src/stores/availability';
import type { Role } from '../src/auth/principal';
import { checkUrl, forbiddenRange } from '../src/fetch';
import { effectiveListOptions, listWorkflowId, tenantListKey } from '../src/products/lists';
import { renderFeed } from '../src/publishing/feed';
import { storableJson, storableText } from '../src/text/storable';
import { bearer, http, startWorld, tokenFor, type World } from './support/world';

const tenant = `probe-${randomUUID().slice(0, 8)}`;
const otherTenant = `probe-other-${randomUUID().slice(0, 8)}`;

describe('defects found from outside', () => {
  let world: World;
  const tokens: Record<string, string> = {};
  const as = (who: string) => bearer(tokens[who]!);

  before(async () => {
    world = await startWorld({}, { workers: false });
    const people: [string, string, Role[]][] = [
      ['alice', tenant, ['editor']],
      ['bob', tenant, ['reviewer']],
      ['olga', otherTenant, ['editor']],
      ['ada', tenant, ['admin']],
    ];
    for (const [sub, t, roles] of people) tokens[sub] = await tokenFor(world.config, { sub, tenant: t, roles });
  });
  after(async () => world?.stop());

  /** Starts a second app on the same infrastructure with other settings (and optionally another logger). */
  async function appWith(overrides: Partial<World['config']>, logger = world.infra.logger) {
    const server: Server = await new Promise((resolve) => {
      const s = createApp({ ...world.infra, logger, config: { ...world.config, ...overrides } }).listen(0, '127.0.0.1', () => resolve(s));
    });
    return {
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((resolve) => server.close(resolve)),
    };
  }

  const content = (extra: Record<string, unknown> = {}) => ({ title: 'A title', body: 'A body of text.', platforms: ['feed'], ...extra });

  describe('1 and 3: text PostgreSQL cannot store is refused with 400 naming the field', () => {
    const refusedAt = (response: Awaited<ReturnType<typeof http>>, field: string) => {
      assert.equal(response.status, 400, response.text);
      assert.match(response.contentType, /application\/problem\+json/);
      assert.equal(response.json.title, 'Invalid text');
      assert.equal(response.json.errors[0].path, field, response.text);
    };

    it('product lists: a NUL or a lone surrogate in JSON items, inline fields, CSV and JSON lines', async () => {
      refusedAt(
        await http(world.baseUrl, 'POST', '/v1/product-lists', { items: [{ url: 'https://shop.example/a\u0000b' }] }, as('alice')),
        'items.0.url',
      );
      refusedAt(
        await http(world.baseUrl, 'POST', '/v1/product-lists', '{"items":[{"key":"k1","inline":{"name":"Kettle \\ud800"}}]}', as('alice')),
        'items.0.inline.name',
      );
      refusedAt(
        await http(
          world.baseUrl,
          'POST',
          '/v1/product-lists',
          {
            items: [{ url: 'https://shop.example/a', key: 'x' }],
            listId: `l-${randomUUID().slice(0, 6)}`,
            options: { llm: true, dryRun: false, ['bad\u0000key']: 1 },
          },
          as('alice'),
        ),
        'options.bad\u0000key',
      );
      refusedAt(
        await http(
          world.baseUrl,
          'POST',
          '/v1/product-lists',
          'url,name\nhttps://shop.example/a,ok\nhttps://shop.example/b,bad\u0000name\n',
          { ...as('alice'), 'content-type': 'text/csv' },
        ),
        'body line 3',
      );
      refusedAt(
        await http(
          world.baseUrl,
          'POST',
          '/v1/product-lists',
          '{"url":"https://shop.example/a"}\n{"key":"k2","name":"Bad \\u0000 name"}\n',
          { ...as('alice'), 'content-type': 'application/x-ndjson' },
        ),
        'items.1.inline.name',
      );
      refusedAt(await http(world.baseUrl, 'GET', '/v1/search/products?q=a%00b', undefined, as('alice')), 'query.q');
    });

    it('content: a NUL in the title or a lone surrogate in the body is a 400, and nothing is stored or started', async () => {
      const contentId = `c-${randomUUID().slice(0, 8)}`;
      refusedAt(await http(world.baseUrl, 'POST', '/v1/content', content({ contentId, title: 'Bad \u0000 title' }), as('alice')), 'title');
      refusedAt(
        await http(
          world.baseUrl,
          'POST',
          '/v1/content',
          JSON.stringify(content({ contentId })).replace('A body', 'A \\udc00 body'),
          as('alice'),
        ),
        'body',
      );
      refusedAt(
        await http(world.baseUrl, 'POST', '/v1/content/drafts', { contentId, brief: 'nul \u0000', platforms: ['feed'] }, as('alice')),
        'brief',
      );
      const { rows } = await world.infra.pg.query('SELECT 1 FROM content_items WHERE tenant_id = $1 AND content_id = $2', [
        tenant,
        contentId,
      ]);
      assert.equal(rows.length, 0);
      const ok = await http(world.baseUrl, 'POST', '/v1/content', content({ contentId, title: 'Fine: emoji 😀 and ü' }), as('alice'));
      assert.equal(ok.status, 202, ok.text);
    });
  });

  describe('1: text from crawled pages and models is normalised before PostgreSQL', () => {
    it('NULs are dropped and lone surrogates become U+FFFD, so text and jsonb columns accept it', async () => {
      assert.equal(storableText('Ket\u0000tle \ud800x \udc00 😀'), 'Kettle \uFFFDx \uFFFD 😀');
      const { rows } = await world.infra.pg.query<{ t: string; j: { name: string } }>('SELECT $1::text AS t, $2::jsonb AS j', [
        storableText('a\u0000b'),
        storableJson({ name: 'Mug \u0000 \udbff', ['k\u0000']: ['\ud800'] }),
      ]);
      assert.equal(rows[0]!.t, 'ab');
      assert.deepEqual(rows[0]!.j, { name: 'Mug  \uFFFD', k: ['\uFFFD'] });
    });
  });

  describe('2: offsets beyond ±15:59 are accepted and stored as the same instant', () => {
    it('publishAt +23:59 on content and drafts is a 202 and is stored in UTC; years beyond 9999 in UTC are a 400', async () => {
      const contentId = `c-${randomUUID().slice(0, 8)}`;
      const submitted = await http(
        world.baseUrl,
        'POST',
        '/v1/content',
        content({ contentId, publishAt: '2031-01-01T00:00:00+23:59' }),
        as('alice'),
      );
      assert.equal(submitted.status, 202, submitted.text);
      const { rows } = await world.infra.pg.query<{ publish_at: Date }>(
        'SELECT publish_at FROM content_items WHERE tenant_id = $1 AND content_id = $2',
        [tenant, contentId],
      );
      assert.equal(rows[0]!.publish_at.toISOString(), '2030-12-31T00:01:00.000Z');

      const drafted = await http(
        world.baseUrl,
        'POST',
        '/v1/content/drafts',
        { brief: 'towels', platforms: ['feed'], publishAt: '2031-06-01T12:00:00-20:30' },
        as('alice'),
      );
      assert.equal(drafted.status, 202, drafted.text);

      const beyond = await http(world.baseUrl, 'POST', '/v1/content', content({ publishAt: '9999-12-31T23:00:00-23:00' }), as('alice'));
      assert.equal(beyond.status, 400, beyond.text);
      assert.equal(beyond.json.errors[0].path, 'publishAt');
    });
  });

  describe('5: ?access_token= is accepted on the live routes only, by route', () => {
    it('content whose id is "events" cannot be read with a token in the URL; the live route still takes one', async () => {
      const created = await http(world.baseUrl, 'POST', '/v1/content', content({ contentId: 'events' }), as('alice'));
      assert.ok([202, 409].includes(created.status), created.text);
      const token = encodeURIComponent(tokens.alice!);
      const read = await http(world.baseUrl, 'GET', `/v1/content/events?access_token=${token}`);
      assert.equal(read.status, 401, 'a token in the URL of a non-live route is not a credential');
      const listEvents = await http(world.baseUrl, 'GET', `/v1/product-lists/events?access_token=${token}`);
      assert.equal(listEvents.status, 401);
      const withHeader = await http(world.baseUrl, 'GET', '/v1/content/events/revisions', undefined, as('alice'));
      assert.equal(withHeader.status, 200, withHeader.text);
      // The live route authenticates from the query: an unknown id is then a 404, not a 401.
      const live = await http(world.baseUrl, 'GET', `/v1/content/no-such-${randomUUID().slice(0, 6)}/events?access_token=${token}`);
      assert.equal(live.status, 404, live.text);
    });
  });

  describe('6: every IPv6 form embedding IPv4 is judged by the embedded address', () => {
    it('IPv4-compatible, mapped, translated, NAT64, 6to4 and Teredo forms of inner addresses are refused', () => {
      const inner = [
        '::127.0.0.1',
        '::7f00:1',
        '::a00:1',
        '::a9fe:a9fe',
        '::ffff:7f00:1',
        '::ffff:0:7f00:1',
        '64:ff9b::7f00:1',
        '64:ff9b::a9fe:a9fe',
        '64:ff9b:1::808:808',
        '2002:7f00:1::1',
        '2002:c0a8:101::',
        '2001:0:4136:e378:8000:63bf:80ff:fffe',
        '2001:0:a00:1::1',
      ];
      for (const address of inner) {
        assert.ok(forbiddenRange(address), `${address} must be refused`);
        assert.throws(
          () => checkUrl(`http://[${address}]/`, []),
          (error: Error & { type?: string }) => error.type === 'UrlBlocked',
          address,
        );
      }
      assert.match(forbiddenRange('::7f00:1')!, /^ipv4Compatible:loopback$/);
      assert.match(forbiddenRange('64:ff9b::a9fe:a9fe')!, /^rfc6052:linkLocal$/);
    });

    it('the same forms around a public address are allowed; :: and ::1 keep their own ranges', () => {
      for (const address of [
        '::808:808',
        '::ffff:8.8.8.8',
        '64:ff9b::808:808',
        '2002:808:808::1',
        '2001:0:4136:e378:8000:63bf:f7f7:f7f7',
      ]) {
        assert.equal(forbiddenRange(address), undefined, address);
      }
      assert.equal(forbiddenRange('::'), 'unspecified');
      assert.equal(forbiddenRange('::1'), 'loopback');
    });
  });

  describe('7: bearer tokens never reach the API log', () => {
    it('the Authorization header and access_token values are redacted', async () => {
      const lines: string[] = [];
      const sink = new Writable({ write: (chunk, _encoding, done) => void (lines.push(String(chunk)), done()) });
      const app = await appWith({}, pino({ level: 'info' }, sink));
      try {
        await http(app.baseUrl, 'GET', '/v1/content', undefined, as('alice'));
        await http(app.baseUrl, 'GET', `/v1/content/x-${randomUUID().slice(0, 4)}/events?access_token=${tokens.bob}`);
        await http(app.baseUrl, 'GET', `/v1/content?access_token=${tokens.bob}&x=1`);
      } finally {
        await app.close();
      }
      const log = lines.join('');
      assert.ok(lines.length >= 3, 'requests were logged');
      for (const token of [tokens.alice!, tokens.bob!]) {
        assert.ok(!log.includes(token), 'a full token is in the log');
        assert.ok(!log.includes(token.split('.')[2]!), 'a token signature is in the log');
      }
      assert.match(log, /"authorization":"\[redacted\]"/);
      assert.match(log, /access_token=\[redacted\]&x=1/);
    });
  });

  describe('8: rate limits', () => {
    it("one user's refused requests do not use up the tenant's limit", async () => {
      const app = await appWith({ RATE_LIMIT_USER: 3, RATE_LIMIT_TENANT: 6, RATE_LIMIT_WINDOW_SECONDS: 3_600 });
      try {
        const t = `rl-${randomUUID().slice(0, 8)}`;
        const greedy = await tokenFor(world.config, { sub: 'greedy', tenant: t, roles: ['editor'] });
        const statuses = [];
        for (let i = 0; i < 12; i++) statuses.push((await http(app.baseUrl, 'GET', '/v1/content', undefined, bearer(greedy))).status);
        assert.deepEqual(statuses, [200, 200, 200, ...Array(9).fill(429)]);
        const others = [];
        for (const sub of ['u1', 'u2', 'u3']) {
          const token = await tokenFor(world.config, { sub, tenant: t, roles: ['editor'] });
          others.push((await http(app.baseUrl, 'GET', '/v1/content', undefined, bearer(token))).status);
        }
        assert.deepEqual(others, [200, 200, 200], 'the tenant still has room: only the greedy user was limited');
        const { rows } = await world.infra.pg.query<{ count: number }>(`SELECT count FROM api_rate_limits WHERE bucket = $1`, [
          `tenant:${t}`,
        ]);
        assert.equal(rows[0]!.count, 6);
      } finally {
        await app.close();
      }
    });

    it('requests with invalid tokens are limited per client before authentication', async () => {
      const app = await appWith({ RATE_LIMIT_CLIENT: 5, RATE_LIMIT_WINDOW_SECONDS: 3_600 });
      try {
        const statuses = [];
        for (let i = 0; i < 8; i++) statuses.push((await http(app.baseUrl, 'GET', '/v1/content', undefined, bearer('not.a.token'))).status);
        assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429, 429]);
        const refused = await http(app.baseUrl, 'GET', '/v1/content', undefined, as('alice'));
        assert.equal(refused.status, 429);
        assert.ok(Number(refused.headers.get('retry-after')) > 0);
        assert.match(refused.contentType, /problem\+json/);
      } finally {
        await app.close();
      }
    });
  });

  describe('9: an unusable JWT_PUBLIC_KEY in production stops the API at boot', () => {
    const boot = (key: string) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/api/main.ts'], {
          cwd: path.resolve(__dirname, '..'),
          env: { ...process.env, NODE_ENV: 'production', JWT_PUBLIC_KEY: key, API_PORT: '0', LOG_LEVEL: 'error' },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (chunk) => (stderr += String(chunk)));
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, stderr });
        });
      });

    it('a missing file and a PEM that is not a key both exit 78 naming JWT_PUBLIC_KEY', async () => {
      for (const key of ['/nonexistent/issuer-public.pem', '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----']) {
        const { code, stderr } = await boot(key);
        assert.equal(code, 78, stderr);
        assert.match(stderr, /JWT_PUBLIC_KEY: cannot be used/);
      }
    });
  });

  describe('10: RSS titles are escaped as in Atom', () => {
    it('markup in a title arrives as text in both formats', () => {
      const entry = {
        contentId: 'c1',
        title: '<b>Bold</b> & <img src=x onerror=alert(1)>',
        body: 'Text.',
        locale: 'en',
        aiNotice: null,
        publishedAt: new Date('2026-01-01T00:00:00Z'),
      };
      const parser = new XMLParser({ ignoreAttributes: false, isArray: (name) => ['item', 'entry'].includes(name) });
      const rss = parser.parse(renderFeed([entry], 't', 'http://127.0.0.1:8080', 'rss')).rss.channel.item[0].title;
      const atom = parser.parse(renderFeed([entry], 't', 'http://127.0.0.1:8080', 'atom')).feed.entry[0].title['#text'];
      assert.equal(rss, '&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;img src=x onerror=alert(1)&gt;');
      assert.equal(atom, rss, 'RSS carries the same escaped HTML as Atom');
    });
  });

  describe('11: list ids are scoped by tenant', () => {
    it('two tenants may use the same list id; neither sees the other; old bare ids stay readable by their tenant', async () => {
      const listId = `shared-${randomUUID().slice(0, 6)}`;
      const items = [{ url: 'https://shop.example/p/1' }];
      const mine = await http(world.baseUrl, 'POST', '/v1/product-lists', { listId, items }, as('alice'));
      assert.equal(mine.status, 202, mine.text);
      const theirs = await http(world.baseUrl, 'POST', '/v1/product-lists', { listId, items }, as('olga'));
      assert.equal(theirs.status, 202, 'another tenant may use the same id: no 409 that would reveal it');
      assert.equal(mine.json.workflowId, listWorkflowId(tenant, listId));
      assert.equal(theirs.json.workflowId, `product-list/${otherTenant}/${listId}`);
      assert.equal(mine.json.listId, listId);
      const again = await http(world.baseUrl, 'POST', '/v1/product-lists', { listId, items }, as('alice'));
      assert.equal(again.status, 409);
      // (finished, so that reading it needs no worker to answer the progress query)
      await world.infra.pg.query(`UPDATE product_lists SET status = 'completed' WHERE list_id = $1`, [tenantListKey(otherTenant, listId)]);
      const read = await http(world.baseUrl, 'GET', `/v1/product-lists/${listId}`, undefined, as('olga'));
      assert.equal(read.status, 200);
      assert.equal(read.json.listId, listId);
      assert.match(read.json.temporalUi, new RegExp(encodeURIComponent(`product-list/${otherTenant}/${listId}`)));

      // A list stored before ids were scoped (key = the bare id) is still its tenant's, and only its tenant's.
      const legacy = `legacy-${randomUUID().slice(0, 6)}`;
      await world.infra.pg.query(
        `INSERT INTO product_lists (list_id, tenant_id, options, item_count, status) VALUES ($1, $2, '{}', 0, 'completed')`,
        [legacy, tenant],
      );
      assert.equal((await http(world.baseUrl, 'GET', `/v1/product-lists/${legacy}`, undefined, as('alice'))).status, 200);
      assert.equal((await http(world.baseUrl, 'GET', `/v1/product-lists/${legacy}`, undefined, as('olga'))).status, 404);
      assert.equal((await http(world.baseUrl, 'POST', '/v1/product-lists', { listId: legacy, items }, as('alice'))).status, 409);
    });
  });

  describe('12: a redrive is atomic', () => {
    it('redriving a running list is a 409 and leaves its failed items failed; a finished list is redriven', async () => {
      const listId = `redrive-${randomUUID().slice(0, 6)}`;
      const started = await http(
        world.baseUrl,
        'POST',
        '/v1/product-lists',
        {
          listId,
          items: [
            { url: 'https://shop.example/p/1', key: 'a' },
            { url: 'https://shop.example/p/2', key: 'b' },
          ],
        },
        as('alice'),
      );
      assert.equal(started.status, 202, started.text);
      const key = tenantListKey(tenant, listId);
      await world.infra.pg.query(`UPDATE product_list_items SET state = 'failed' WHERE list_id = $1 AND item_key = 'a'`, [key]);
      const refused = await http(world.baseUrl, 'POST', `/v1/product-lists/${listId}/redrive`, undefined, as('alice'));
      assert.equal(refused.status, 409, refused.text);
      const states = async () =>
        (
          await world.infra.pg.query<{ item_key: string; state: string }>(
            'SELECT item_key, state FROM product_list_items WHERE list_id = $1 ORDER BY item_key',
            [key],
          )
        ).rows;
      assert.deepEqual(await states(), [
        { item_key: 'a', state: 'failed' },
        { item_key: 'b', state: 'pending' },
      ]);

      // The run ends without finishing the list (a crash, a terminate): the list row still says running.
      await world.infra.temporal.workflow.getHandle(started.json.workflowId).terminate('simulated crash');
      const redriven = await http(world.baseUrl, 'POST', `/v1/product-lists/${listId}/redrive`, undefined, as('alice'));
      assert.equal(redriven.status, 202, redriven.text);
      assert.equal(redriven.json.redriven, 1);
      assert.deepEqual(await states(), [
        { item_key: 'a', state: 'pending' },
        { item_key: 'b', state: 'pending' },
      ]);
    });
  });

  describe('13: a dry run is crawl and extract only', () => {
    it('dryRun drops every stage after extraction and the LLM, whatever else was asked', async () => {
      assert.deepEqual(effectiveListOptions({ dryRun: true, llm: true, stages: ['fetch', 'extract', 'images', 'sentiment', 'store'] }, 8), {
        concurrency: 8,
        stages: ['fetch', 'extract'],
        llm: false,
        dryRun: true,
      });
      const listId = `dry-${randomUUID().slice(0, 6)}`;
      const started = await http(
        world.baseUrl,
        'POST',
        '/v1/product-lists',
        { listId, items: [{ url: 'https://shop.example/p/1' }], options: { dryRun: true, llm: true } },
        as('alice'),
      );
      assert.equal(started.status, 202, started.text);
      const described = await world.infra.temporal.workflow.getHandle(started.json.workflowId).fetchHistory();
      const input = JSON.parse(
        Buffer.from(described.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!.data!).toString(),
      );
      assert.deepEqual([input.options.stages, input.options.llm, input.options.dryRun], [['fetch', 'extract'], false, true]);
    });
  });

  describe('14: large lists work as JSON too', () => {
    it('a JSON list of 10,000 URLs (≈ 500 kB, above API_BODY_LIMIT) is accepted; an oversized body names the limit', async () => {
      const items = Array.from({ length: 10_000 }, (_, i) => ({ url: `https://shop.example/products/item-number-${i}.html` }));
      const body = JSON.stringify({ listId: `big-${randomUUID().slice(0, 6)}`, items });
      assert.ok(body.length > 256 * 1024);
      const started = await http(world.baseUrl, 'POST', '/v1/product-lists', body, as('alice'));
      assert.equal(started.status, 202, started.text.slice(0, 300));
      assert.equal(started.json.items, 10_000);
      const tooLarge = await http(
        world.baseUrl,
        'POST',
        '/v1/content',
        { title: 'x', body: 'y'.repeat(300 * 1024), platforms: ['feed'] },
        as('alice'),
      );
      assert.equal(tooLarge.status, 413);
      assert.match(tooLarge.json.detail, /API_FEED_LIMIT/);
    });
  });

  describe('contract: what Schemathesis found (tests/api-contract.test.ts)', () => {
    it('a query no worker can answer is a 503 (a Temporal worker), not a 500: timed out, or no poller seen on the queue', () => {
      // The errors as the Temporal client raises them (ServiceError around the gRPC status); the
      // second reached the API as a 500 when a content workflow's task queue had lost its workers.
      const grpc = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
      const timedOut = new ServiceError('Failed to query Workflow', {
        cause: grpc(4, 'DEADLINE_EXCEEDED: query timed out before a worker could process it'),
      });
      const noPoller = new ServiceError('Failed to query Workflow', {
        cause: grpc(9, 'FAILED_PRECONDITION: no poller seen for task queue recently, worker may be down'),
      });
      assert.equal(dependencyUnavailable(timedOut), 'a Temporal worker');
      assert.equal(dependencyUnavailable(noPoller), 'a Temporal worker');
      assert.equal(
        dependencyUnavailable(new ServiceError('Failed to query Workflow', { cause: grpc(9, 'FAILED_PRECONDITION: something else') })),
        undefined,
      );
    });

    it('an idempotent replay is JSON like the first answer', async () => {
      const key = `k-${randomUUID()}`;
      const body = content({ contentId: `c-${randomUUID().slice(0, 8)}` });
      const first = await http(world.baseUrl, 'POST', '/v1/content', body, { ...as('alice'), 'idempotency-key': key });
      const replay = await http(world.baseUrl, 'POST', '/v1/content', body, { ...as('alice'), 'idempotency-key': key });
      assert.equal(first.status, 202, first.text);
      assert.equal(replay.status, 202, replay.text);
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');
      assert.match(replay.contentType, /^application\/json/);
      assert.deepEqual(replay.json, first.json);
    });

    it('a prompt version whose schemaVersion PostgreSQL cannot hold is a 400, a tiny temperature is stored as 0, an unknown task a 404, an unknown setting a 400', async () => {
      const version = { instructions: 'Summarise the product in one line.', temperature: 0, maxTokens: 100, reason: 'probe' };
      const huge = await http(
        world.baseUrl,
        'POST',
        '/v1/learning/prompts/draft/versions',
        { ...version, schemaVersion: 9007199254740990 },
        as('ada'),
      );
      assert.equal(huge.status, 400, huge.text);
      assert.equal(huge.json.errors[0].path, 'schemaVersion');
      const unknown = await http(world.baseUrl, 'POST', '/v1/learning/prompts/no-such-task/versions', version, as('ada'));
      assert.equal(unknown.status, 404, unknown.text);
      const tiny = await http(
        world.baseUrl,
        'POST',
        '/v1/learning/prompts/draft/versions',
        { ...version, temperature: 2.6652424944914674e-307 },
        as('ada'),
      );
      assert.equal(tiny.status, 201, tiny.text);
      assert.equal(tiny.json.temperature, 0);
      const unknownSetting = await http(
        world.baseUrl,
        'POST',
        '/v1/learning/experiments',
        { task: 'draft', candidates: ['draft@1'], reason: 'probe', settings: { autoPromote: { soon: true } } },
        as('ada'),
      );
      assert.equal(unknownSetting.status, 400, unknownSetting.text);
    });

    it('a research schedule with a cron expression Temporal cannot read is a 400, and nothing is stored', async () => {
      const scheduleId = `s-${randomUUID().slice(0, 8)}`;
      for (const cron of ['00000\f \u00ad', '60 * * * *', '0 9 * * 5-1']) {
        const refused = await http(
          world.baseUrl,
          'POST',
          '/v1/research-schedules',
          { scheduleId, cron: [cron], request: { startUrls: ['https://shop.example/'] } },
          as('alice'),
        );
        assert.equal(refused.status, 400, `${JSON.stringify(cron)}: ${refused.text}`);
      }
      assert.equal((await http(world.baseUrl, 'GET', `/v1/research-schedules/${scheduleId}`, undefined, as('alice'))).status, 404);
    });

    it('a product list refuses a malformed query string with a JSON body too', async () => {
      const refused = await http(
        world.baseUrl,
        'POST',
        '/v1/product-lists?tenantId=k+HD%F0%A9%B1%97',
        { items: [{ url: 'https://shop.example/p/1' }] },
        as('alice'),
      );
      assert.equal(refused.status, 400, refused.text);
      assert.equal(refused.json.errors[0].path, 'tenantId');
    });

    it('path ids outside their pattern are a 400 on every family of routes', async () => {
      for (const path of [
        '/v1/research-runs/%C2%BF',
        '/v1/research-schedules/%C2%8D',
        '/v1/answers/%0Bx',
        '/v1/strategy/learners/0/nowhere',
      ]) {
        const refused = await http(world.baseUrl, 'GET', path, undefined, as('alice'));
        assert.equal(refused.status, 400, `${path}: ${refused.text}`);
      }
      const unknownAction = await http(world.baseUrl, 'POST', '/v1/research-schedules/s1/explode', undefined, as('alice'));
      assert.equal(unknownAction.status, 404, unknownAction.text);
    });
  });
});
