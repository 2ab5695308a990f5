// The API's cross-cutting behaviour over real HTTP on port 0 against the real stack: tokens,
// the authorisation matrix on content (role × own/other content × other tenant × state),
// input limits, Idempotency-Key, live progress (SSE and WebSocket), metrics, and the rate
// limit shared by two API processes through PostgreSQL.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT, generateKeyPair } from 'jose';
import WebSocket from 'ws';
import { ensureDevKeyPair, loadDevSigningKey } from '../src/auth/keys';
import type { Role } from '../src/auth/principal';
import { startWorldWithModelStandIn, type StandInWorld } from './support/model-standin-world';
import { bearer, eventually, http, startWorld, tokenFor, type World } from './support/world';

const tenant = `api-${randomUUID().slice(0, 8)}`;
const otherTenant = `api-other-${randomUUID().slice(0, 8)}`;

describe('API', () => {
  let world: World;
  let running: StandInWorld;
  const tokens: Record<string, string> = {};
  const as = (who: string) => bearer(tokens[who]!);

  before(async () => {
    running = await startWorldWithModelStandIn({ CONTENT_REVIEWERS: 'bob', CONTENT_MONITOR_AFTER: '1s', API_BODY_LIMIT: '64kb' });
    world = running.world;
    const people: [string, string, Role[]][] = [
      ['alice', tenant, ['editor']],
      ['eve', tenant, ['editor']],
      ['bob', tenant, ['reviewer']],
      ['carol', tenant, ['reviewer']],
      ['adam', tenant, ['admin']],
      ['mallory', otherTenant, ['editor', 'reviewer', 'admin']],
    ];
    for (const [sub, t, roles] of people) tokens[sub] = await tokenFor(world.config, { sub, tenant: t, roles });
  });
  after(async () => {
    await running?.stop();
  });

  describe('tokens', () => {
    it('refuses missing and bad tokens with 401 and a WWW-Authenticate header', async () => {
      const { publicPem } = await ensureDevKeyPair(world.config.JWT_DEV_KEY_DIR);
      const devKey = await loadDevSigningKey(world.config.JWT_DEV_KEY_DIR);
      const claims = { tenant, roles: ['admin'] };
      const base = () =>
        new SignJWT(claims).setSubject('alice').setIssuer(world.config.JWT_ISSUER).setAudience(world.config.JWT_AUDIENCE).setIssuedAt();
      const other = await generateKeyPair('ES256');
      const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const bad: Record<string, string> = {
        'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, sub: 'alice', iss: world.config.JWT_ISSUER, aud: world.config.JWT_AUDIENCE, exp: now + 600 })}.`,
        expired: await base()
          .setProtectedHeader({ alg: 'ES256' })
          .setExpirationTime(now - 120)
          .sign(devKey),
        'wrong audience': await new SignJWT(claims)
          .setSubject('alice')
          .setIssuer(world.config.JWT_ISSUER)
          .setAudience('someone-else')
          .setExpirationTime('5m')
          .setProtectedHeader({ alg: 'ES256' })
          .sign(devKey),
        'wrong issuer': await new SignJWT(claims)
          .setSubject('alice')
          .setIssuer('evil')
          .setAudience(world.config.JWT_AUDIENCE)
          .setExpirationTime('5m')
          .setProtectedHeader({ alg: 'ES256' })
          .sign(devKey),
        'no expiry': await base().setProtectedHeader({ alg: 'ES256' }).sign(devKey),
        'wrong key': await base().setProtectedHeader({ alg: 'ES256' }).setExpirationTime('5m').sign(other.privateKey),
        'HS256 signed with the public key': await base()
          .setProtectedHeader({ alg: 'HS256' })
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode(publicPem)),
        'no tenant claim': await new SignJWT({ roles: ['admin'] })
          .setSubject('alice')
          .setIssuer(world.config.JWT_ISSUER)
          .setAudience(world.config.JWT_AUDIENCE)
          .setExpirationTime('5m')
          .setProtectedHeader({ alg: 'ES256' })
          .sign(devKey),
        'unknown role': await new SignJWT({ tenant, roles: ['root'] })
          .setSubject('alice')
          .setIssuer(world.config.JWT_ISSUER)
          .setAudience(world.config.JWT_AUDIENCE)
          .setExpirationTime('5m')
          .setProtectedHeader({ alg: 'ES256' })
          .sign(devKey),
        garbage: 'not.a.token',
      };
      for (const [name, token] of Object.entries(bad)) {
        const response = await http(world.baseUrl, 'GET', '/v1/content', undefined, bearer(token));
        assert.equal(response.status, 401, `${name}: ${response.text}`);
        assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer /, name);
        assert.equal(response.contentType, 'application/problem+json; charset=utf-8');
      }
      const control = await base().setProtectedHeader({ alg: 'ES256' }).setExpirationTime('5m').sign(devKey);
      assert.equal(
        (await http(world.baseUrl, 'GET', '/v1/content', undefined, bearer(control))).status,
        200,
        'the same builder with the right key, audience and expiry passes',
      );
      assert.equal((await http(world.baseUrl, 'GET', '/v1/content')).status, 401, 'no token');
      assert.equal(
        (await http(world.baseUrl, 'GET', '/v1/content', undefined, { authorization: 'Basic abc' })).status,
        401,
        'not a bearer token',
      );
      assert.equal((await http(world.baseUrl, 'GET', '/v1/content', undefined, as('bob'))).status, 200, 'a good token passes');
    });

    it('the token command mints a token the API accepts', async () => {
      const minted = await new Promise<string>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', 'src/auth/mint-token.ts', '--sub', 'zoe', '--tenant', tenant, '--role', 'reviewer'],
          { cwd: path.resolve(__dirname, '..'), env: { ...process.env, LOG_LEVEL: 'error' } },
        );
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`token command exited ${code}`))));
      });
      assert.equal((await http(world.baseUrl, 'GET', '/v1/content', undefined, bearer(minted))).status, 200);
    });
  });

  describe('authorisation on content', () => {
    let contentId: string;

    before(async () => {
      const started = await http(
        world.baseUrl,
        'POST',
        '/v1/content',
        { title: 'Guaranteed fit', body: `Our guaranteed fit ${randomUUID()}. Guaranteed.`, platforms: ['feed'] },
        as('alice'),
      );
      assert.equal(started.status, 202, started.text);
      contentId = started.json.contentId as string;
      await eventually(
        async () =>
          (await http(world.baseUrl, 'GET', `/v1/content/${contentId}`, undefined, as('alice'))).json.status === 'pending'
            ? true
            : undefined,
        30_000,
        'pending',
      );
    });

    it('enforces role × ownership × tenant × state, in the API and in the Update validator', async () => {
      const review = (who: string, decision = 'request-changes') =>
        http(world.baseUrl, 'POST', `/v1/content/${contentId}/reviews`, { decision, comment: 'needs work' }, as(who));
      const revise = (who: string) =>
        http(
          world.baseUrl,
          'POST',
          `/v1/content/${contentId}/revisions`,
          { title: 'Good fit', body: `A good fit ${randomUUID()}.` },
          as(who),
        );
      const read = (who: string) => http(world.baseUrl, 'GET', `/v1/content/${contentId}`, undefined, as(who));
      const matrix: [string, () => Promise<{ status: number; json: Record<string, any> }>, number, string?][] = [
        [
          'a reviewer cannot submit content',
          () => http(world.baseUrl, 'POST', '/v1/content', { title: 't', body: 'b', platforms: ['feed'] }, as('bob')),
          403,
        ],
        ['the author reads it', () => read('alice'), 200],
        ['a reviewer of the tenant reads it', () => read('bob'), 200],
        ['another tenant does not see it, even as admin', () => read('mallory'), 404],
        ['another tenant cannot review it', () => review('mallory'), 404],
        ['an editor cannot review', () => review('eve'), 403],
        ['the author cannot review (role)', () => review('alice'), 403],
        ['another editor cannot revise it', () => revise('eve'), 403, 'NotTheAuthor'],
        ['a reviewer cannot revise', () => revise('bob'), 403],
        ['another reviewer cannot revise either', () => revise('carol'), 403],
        ['the reviewer requests changes', () => review('bob'), 200],
        ['nobody reviews while changes are requested', () => review('carol', 'approve'), 409, 'NotAwaitingReview'],
        ['the author revises: answered at once, checks follow', () => revise('alice'), 202],
      ];
      for (const [what, call, status, refusal] of matrix) {
        const response = await call();
        assert.equal(response.status, status, `${what}: ${JSON.stringify(response.json)}`);
        if (refusal) assert.equal(response.json.refusal, refusal, what);
      }
      // Self-approval: an author who is also a reviewer passes the API's role check; the Update validator refuses.
      const selfReviewer = await tokenFor(world.config, { sub: 'alice', tenant, roles: ['editor', 'reviewer'] });
      const state = await eventually(
        async () => {
          const current = (await read('alice')).json;
          return current.status === 'checking' ? undefined : current;
        },
        30_000,
        'the revision checked',
      );
      if (state.status === 'pending') {
        const self = await http(world.baseUrl, 'POST', `/v1/content/${contentId}/reviews`, { decision: 'approve' }, bearer(selfReviewer));
        assert.equal(self.status, 403);
        assert.equal(self.json.refusal, 'SelfReview');
        const approved = await review('carol', 'approve');
        assert.equal(approved.status, 200);
      }
      await eventually(async () => ((await read('alice')).json.status === 'approved' ? true : undefined), 30_000, 'approved');
      const late = await review('bob', 'approve');
      assert.equal(late.status, 409);
      assert.equal(late.json.refusal, 'ReviewClosed');
      assert.equal((await revise('alice')).status, 409, 'no revision after the decision');

      const inbox = await http(world.baseUrl, 'GET', '/v1/content?status=approved', undefined, as('mallory'));
      assert.equal(inbox.status, 200);
      assert.equal(
        (inbox.json.items as { contentId: string }[]).some((item) => item.contentId === contentId),
        false,
        "not in another tenant's inbox",
      );
      const revisions = await http(world.baseUrl, 'GET', `/v1/content/${contentId}/revisions`, undefined, as('bob'));
      assert.equal(revisions.json.items.length, 2);
      const diff = await http(world.baseUrl, 'GET', `/v1/content/${contentId}/diff?from=1&to=2`, undefined, as('bob'));
      assert.ok(
        (diff.json.parts as { added?: boolean; removed?: boolean }[]).some((part) => part.added) &&
          (diff.json.parts as { removed?: boolean }[]).some((part) => part.removed),
      );
    });

    it('streams a content workflow over Server-Sent Events until it completes', async () => {
      const started = await http(
        world.baseUrl,
        'POST',
        '/v1/content',
        { title: 'Calm note', body: `A calm note ${randomUUID()} about towels.`, platforms: ['feed'] },
        as('alice'),
      );
      const response = await fetch(`${world.baseUrl}/v1/content/${started.json.contentId}/events?access_token=${tokens.alice}`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
      const text = await response.text(); // the stream ends at completion
      const events = [...text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((m) => ({
        event: m[1]!,
        data: JSON.parse(m[2]!) as { stage: string; status: string },
      }));
      assert.ok(events.length >= 2, text);
      assert.equal(events.at(-1)!.event, 'done');
      assert.equal(events.at(-1)!.data.stage, 'completed');
      assert.ok(new Set(events.map((e) => e.data.stage)).size >= 2, 'progress was seen on the way');
      assert.equal(
        (await fetch(`${world.baseUrl}/v1/content/${started.json.contentId}/events?access_token=${tokens.mallory}`)).status,
        404,
      );
    });

    it('streams over a WebSocket too, and refuses a socket without a valid token', async () => {
      const started = await http(
        world.baseUrl,
        'POST',
        '/v1/content',
        { title: 'Socket note', body: `A socket note ${randomUUID()} about towels.`, platforms: ['feed'] },
        as('alice'),
      );
      const wsUrl = world.baseUrl.replace('http', 'ws');
      const messages = await new Promise<{ type: string; data: { stage: string } }[]>((resolve, reject) => {
        const got: { type: string; data: { stage: string } }[] = [];
        const socket = new WebSocket(`${wsUrl}/v1/live?content=${started.json.contentId}&access_token=${tokens.bob}`);
        socket.on('message', (raw: Buffer) => got.push(JSON.parse(raw.toString()) as { type: string; data: { stage: string } }));
        socket.on('close', () => resolve(got));
        socket.on('error', reject);
      });
      assert.equal(messages.at(-1)!.type, 'done');
      assert.equal(messages.at(-1)!.data.stage, 'completed');
      const refused = await new Promise<number>((resolve) => {
        const socket = new WebSocket(`${wsUrl}/v1/live?content=${started.json.contentId}&access_token=forged`);
        socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.on('error', () => resolve(-1));
      });
      assert.equal(refused, 401);
    });
  });

  describe('input', () => {
    it('turns oversized, malformed, deeply nested, unknown-field and wrongly typed bodies into 4xx problems', async () => {
      const post = (body: string, headers: Record<string, string> = {}) =>
        http(world.baseUrl, 'POST', '/v1/content', body, { ...as('alice'), 'content-type': 'application/json', ...headers });
      const cases: [string, Promise<{ status: number; contentType: string }>, number][] = [
        ['oversized', post(JSON.stringify({ title: 't', body: 'x'.repeat(100_000), platforms: ['feed'] })), 413],
        ['malformed', post('{"title": "t", '), 400],
        ['deeply nested', post(`${'['.repeat(5_000)}${']'.repeat(5_000)}`), 400],
        [
          'deeply nested object',
          post(
            JSON.stringify({
              title: 't',
              body: 'b',
              platforms: ['feed'],
              extra: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) as unknown,
            }),
          ),
          400,
        ],
        ['unknown field', post(JSON.stringify({ title: 't', body: 'b', platforms: ['feed'], admin: true })), 400],
        ['wrong types', post(JSON.stringify({ title: 5, body: [], platforms: 'feed' })), 400],
        ['unknown platform', post(JSON.stringify({ title: 't', body: 'b', platforms: ['myspace'] })), 400],
        ['not JSON at all', post('title=t', { 'content-type': 'text/plain' }), 400],
      ];
      for (const [name, response, status] of cases) {
        const result = await response;
        assert.equal(result.status, status, name);
        assert.match(result.contentType, /application\/problem\+json/, name);
      }
    });

    it('replays a POST with the same Idempotency-Key and refuses the key with another body', async () => {
      const key = `key-${randomUUID()}`;
      const body = { title: 'Once only', body: `Once only ${randomUUID()}.`, platforms: ['feed'] };
      const first = await http(world.baseUrl, 'POST', '/v1/content', body, { ...as('alice'), 'idempotency-key': key });
      const again = await http(world.baseUrl, 'POST', '/v1/content', body, { ...as('alice'), 'idempotency-key': key });
      assert.equal(first.status, 202);
      assert.equal(again.status, 202);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(again.json, first.json, 'the same content, not a second one');
      const { rows } = await world.infra.pg.query('SELECT count(*)::int AS n FROM content_items WHERE tenant_id = $1 AND content_id = $2', [
        tenant,
        first.json.contentId,
      ]);
      assert.equal(rows[0].n, 1);
      const different = await http(
        world.baseUrl,
        'POST',
        '/v1/content',
        { ...body, title: 'Twice' },
        { ...as('alice'), 'idempotency-key': key },
      );
      assert.equal(different.status, 422);
    });

    it('serves Prometheus metrics that count requests, starts and errors', async () => {
      const metrics = await http(world.baseUrl, 'GET', '/metrics');
      assert.equal(metrics.status, 200);
      assert.match(metrics.text, /http_request_duration_seconds_bucket\{[^}]*route="\/v1\/content\/:contentId"/);
      assert.match(metrics.text, /workflow_starts_total\{kind="content-review"\} [1-9]/);
      assert.match(metrics.text, /http_errors_total\{class="4xx"\} [1-9]/);
      assert.match(metrics.text, /llm_tokens_total\{kind="prompt"\} \d+/);
    });
  });
});

describe('rate limit shared by two API processes', () => {
  it('lets exactly the limit through across both replicas', async () => {
    const world = await startWorld({}, { workers: false });
    const limit = 10;
    const env = {
      ...process.env,
      RATE_LIMIT_USER: String(limit),
      RATE_LIMIT_TENANT: '1000',
      RATE_LIMIT_WINDOW_SECONDS: '3600',
      LOG_LEVEL: 'error',
      TEMPORAL_TASK_QUEUE_PREFIX: world.config.TEMPORAL_TASK_QUEUE_PREFIX,
    };
    const ports = [18000 + Math.floor(Math.random() * 1000), 19000 + Math.floor(Math.random() * 1000)];
    const apis: ChildProcess[] = ports.map((port) =>
      spawn(process.execPath, ['--import', 'tsx', 'src/api/main.ts'], {
        cwd: path.resolve(__dirname, '..'),
        env: { ...env, API_PORT: String(port) },
        stdio: 'ignore',
      }),
    );
    try {
      const urls = ports.map((port) => `http://127.0.0.1:${port}`);
      for (const url of urls)
        await eventually(async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), 30_000, `API on ${url}`);
      const token = await tokenFor(world.config, { sub: `limited-${randomUUID().slice(0, 6)}`, tenant, roles: ['reviewer'] });
      const statuses = await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          fetch(`${urls[i % 2]}/v1/content/none-${i}`, { headers: bearer(token) }).then((r) => r.status),
        ),
      );
      assert.equal(statuses.filter((s) => s === 404).length, limit, `passed through: ${statuses.join(',')}`);
      assert.equal(statuses.filter((s) => s === 429).length, 25 - limit);
      const refused = await fetch(`${urls[0]}/v1/content/none`, { headers: bearer(token) });
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get('retry-after')) > 0);
      assert.equal(refused.headers.get('ratelimit-remaining'), '0');
    } finally {
      for (const api of apis) api.kill('SIGKILL');
      await world.stop();
    }
  });
});
