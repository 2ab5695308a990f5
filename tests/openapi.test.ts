// The OpenAPI document against the running app: every express route is described and every
// described operation exists; real responses (success and problem) match the described schemas.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import Ajv2020 from 'ajv/dist/2020';
import type { Express } from 'express';
import { createApp } from '../src/api/app';
import { openApiPath } from '../src/api/openapi';
import { startWorldWithModelStandIn, type StandInWorld } from './support/model-standin-world';
import { bearer, eventually, http, tokenFor, type World } from './support/world';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** method + OpenAPI path of every route the express app serves. */
function expressRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) for (const method of Object.keys(layer.route.methods)) found.push(`${method} ${openApiPath(layer.route.path)}`);
      else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return [...new Set(found)].sort();
}

describe('OpenAPI document', () => {
  let world: World;
  let running: StandInWorld;
  let doc: { openapi: string; paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: object }> }> }>> };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat('date-time', true).addFormat('uuid', true).addFormat('uri', true).addFormat('email', true);

  /** Validates a real response against the schema the document gives for it. */
  function assertMatches(method: string, path: string, response: { status: number; contentType: string; json: unknown }) {
    const operation = doc.paths[path]?.[method];
    assert.ok(operation, `${method} ${path} is documented`);
    const documented = operation.responses[String(response.status)];
    assert.ok(documented, `${method} ${path} documents status ${response.status}`);
    const mediaType = response.contentType.split(';')[0]!;
    const schema = documented.content[mediaType]?.schema;
    assert.ok(schema, `${method} ${path} ${response.status} documents ${mediaType} (has ${Object.keys(documented.content).join(', ')})`);
    const validate = ajv.compile(schema);
    assert.ok(validate(response.json), `${method} ${path} ${response.status}: ${ajv.errorsText(validate.errors)}`);
  }

  before(async () => {
    running = await startWorldWithModelStandIn({ CONTENT_REVIEWERS: 'bob', CONTENT_MONITOR_AFTER: '1s' });
    world = running.world;
    doc = (await http(world.baseUrl, 'GET', '/openapi.json')).json as typeof doc;
  });
  after(async () => {
    await running?.stop();
  });

  it('is OpenAPI 3.1 and describes exactly the routes the app serves', () => {
    assert.equal(doc.openapi, '3.1.0');
    const served = expressRoutes(createApp(world.infra));
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`)).sort();
    assert.deepEqual(served, documented);
    assert.ok(served.length > 25, `${served.length} routes`);
  });

  it('real responses match the documented schemas', async () => {
    const tenant = `oa-${randomUUID().slice(0, 6)}`;
    const alice = bearer(await tokenFor(world.config, { sub: 'alice', tenant, roles: ['editor'] }));
    const bob = bearer(await tokenFor(world.config, { sub: 'bob', tenant, roles: ['reviewer'] }));
    assertMatches('get', '/healthz', await http(world.baseUrl, 'GET', '/healthz'));
    assertMatches('post', '/v1/content', await http(world.baseUrl, 'POST', '/v1/content', { title: 't' }, alice));
    assertMatches('post', '/v1/content', await http(world.baseUrl, 'POST', '/v1/content', { title: 't', body: 'b', platforms: ['feed'] }, bob));
    assertMatches('get', '/v1/content', await http(world.baseUrl, 'GET', '/v1/content'));
    const started = await http(world.baseUrl, 'POST', '/v1/content', { title: 'Guaranteed shape', body: `Guaranteed ${randomUUID()}.`, platforms: ['feed'] }, alice);
    assertMatches('post', '/v1/content', started);
    const id = started.json.contentId as string;
    await eventually(async () => ((await http(world.baseUrl, 'GET', `/v1/content/${id}`, undefined, alice)).json.status === 'pending' ? true : undefined), 30_000, 'pending');
    assertMatches('get', '/v1/content/{contentId}', await http(world.baseUrl, 'GET', `/v1/content/${id}`, undefined, alice));
    assertMatches('get', '/v1/content/{contentId}', await http(world.baseUrl, 'GET', `/v1/content/missing-${id}`, undefined, alice));
    assertMatches('get', '/v1/content', await eventually(async () => {
      const inbox = await http(world.baseUrl, 'GET', '/v1/content?status=pending', undefined, bob);
      return (inbox.json.items as unknown[]).length ? inbox : undefined;
    }, 15_000, 'inbox'));
    assertMatches('post', '/v1/content/{contentId}/reviews', await http(world.baseUrl, 'POST', `/v1/content/${id}/reviews`, { decision: 'approve' }, alice));
    assertMatches('post', '/v1/content/{contentId}/reviews', await http(world.baseUrl, 'POST', `/v1/content/${id}/reviews`, { decision: 'request-changes', comment: 'shorter' }, bob));
    assertMatches('post', '/v1/content/{contentId}/reviews', await http(world.baseUrl, 'POST', `/v1/content/${id}/reviews`, { decision: 'approve' }, bob));
    assertMatches('post', '/v1/content/{contentId}/revisions', await http(world.baseUrl, 'POST', `/v1/content/${id}/revisions`, { title: 'Shape', body: `Shape ${randomUUID()}.` }, alice));
    assertMatches('get', '/v1/content/{contentId}/revisions', await http(world.baseUrl, 'GET', `/v1/content/${id}/revisions`, undefined, bob));
    assertMatches('get', '/v1/content/{contentId}/diff', await http(world.baseUrl, 'GET', `/v1/content/${id}/diff?from=1&to=2`, undefined, bob));
    assertMatches('get', '/v1/content/{contentId}/audit', await http(world.baseUrl, 'GET', `/v1/content/${id}/audit`, undefined, bob));
    assertMatches('get', '/v1/search/content', await http(world.baseUrl, 'GET', '/v1/search/content?q=shape&mode=text', undefined, bob));
    assertMatches('get', '/v1/search/products', await http(world.baseUrl, 'GET', '/v1/search/products?q=shape&mode=bad', undefined, bob));
    assertMatches('get', '/v1/products/{productId}/recommendations', await http(world.baseUrl, 'GET', '/v1/products/none/recommendations', undefined, bob));
  });
});
