// While PostgreSQL is really down the API answers 503 problem+json with Retry-After — never
// 500 — on every kind of route, the rate limiter included (it fails closed); when PostgreSQL is
// back, the same process serves again without a restart. PostgreSQL here is a private cluster
// of this test (tests/support/private-postgres.ts), stopped and started for real.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startPrivatePostgres, type PrivatePostgres } from './support/private-postgres';
import { bearer, eventually, http, startWorld, tokenFor, type World } from './support/world';

describe('PostgreSQL outage', () => {
  let postgres: PrivatePostgres;
  let world: World;
  let token: string;
  const tenant = `outage-${randomUUID().slice(0, 8)}`;

  before(async () => {
    postgres = await startPrivatePostgres();
    world = await startWorld({ DATABASE_URL: postgres.url }, { workers: false });
    token = await tokenFor(world.config, { sub: 'alice', tenant, roles: ['editor', 'admin'] });
  });
  after(async () => {
    await world?.stop();
    postgres?.destroy();
  });

  const calls: [string, string, unknown?, Record<string, string>?][] = [
    ['GET', '/v1/content'],
    ['GET', '/v1/content/some-content'],
    ['GET', '/v1/content/some-content/events'],
    ['POST', '/v1/content', { title: 'T', body: 'B', platforms: ['feed'] }],
    ['POST', '/v1/content', { title: 'T', body: 'B', platforms: ['feed'] }, { 'idempotency-key': 'outage-key-1' }],
    ['POST', '/v1/product-lists', { items: [{ url: 'https://shop.example/p/1' }] }],
    ['GET', '/v1/product-lists/some-list'],
    ['POST', '/v1/product-lists/some-list/redrive'],
    ['GET', `/v1/feeds/${tenant}/rss.xml`],
  ];

  it('before: the API serves from the private cluster', async () => {
    assert.equal((await http(world.baseUrl, 'GET', '/v1/content', undefined, bearer(token))).status, 200);
  });

  it('during: every route answers 503 problem+json with Retry-After, none 500; readiness says which dependency is down', async () => {
    postgres.stop();
    for (const [method, path, body, headers] of calls) {
      const response = await http(world.baseUrl, method, path, body, { ...bearer(token), ...headers });
      assert.equal(response.status, 503, `${method} ${path}: ${response.text}`);
      assert.match(response.contentType, /application\/problem\+json/, `${method} ${path}`);
      assert.equal(response.json.dependency, 'PostgreSQL', `${method} ${path}`);
      assert.ok(Number(response.headers.get('retry-after')) > 0, `${method} ${path} has Retry-After`);
    }
    const ready = await http(world.baseUrl, 'GET', '/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.json.checks.postgres.ok, false);
    assert.equal(ready.json.checks.temporal.ok, true);
  });

  it('after: the same process serves again once PostgreSQL is back', async () => {
    postgres.start();
    await eventually(
      async () => ((await http(world.baseUrl, 'GET', '/v1/content', undefined, bearer(token))).status === 200 ? true : undefined),
      30_000,
      'the API to serve again',
    );
    const started = await http(
      world.baseUrl,
      'POST',
      '/v1/content',
      { title: 'T', body: 'B', platforms: ['feed'] },
      { ...bearer(token), 'idempotency-key': 'outage-key-1' },
    );
    assert.equal(started.status, 202, 'the key of the refused request was not left claimed');
  });
});
