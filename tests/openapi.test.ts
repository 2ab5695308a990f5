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
  let doc: {
    openapi: string;
    paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: object }> }> }>>;
  };
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
    const documented = Object.entries(doc.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`))
      .sort();
    assert.deepEqual(served, documented);
    assert.ok(served.length > 25, `${served.length} routes`);
  });

  it('real responses match the documented schemas', async () => {
    const tenant = `oa-${randomUUID().slice(0, 6)}`;
    const alice = bearer(await tokenFor(world.config, { sub: 'alice', tenant, roles: ['editor'] }));
    const bob = bearer(await tokenFor(world.config, { sub: 'bob', tenant, roles: ['reviewer'] }));
    assertMatches('get', '/healthz', await http(world.baseUrl, 'GET', '/healthz'));
    assertMatches('post', '/v1/content', await http(world.baseUrl, 'POST', '/v1/content', { title: 't' }, alice));
    assertMatches(
      'post',
      '/v1/content',
      await http(world.baseUrl, 'POST', '/v1/content', { title: 't', body: 'b', platforms: ['feed'] }, bob),
    );
    assertMatches('get', '/v1/content', await http(world.baseUrl, 'GET', '/v1/content'));
    const started = await http(
      world.baseUrl,
      'POST',
      '/v1/content',
      { title: 'Guaranteed shape', body: `Guaranteed ${randomUUID()}.`, platforms: ['feed'] },
      alice,
    );
    assertMatches('post', '/v1/content', started);
    const id = started.json.contentId as string;
    await eventually(
      async () => ((await http(world.baseUrl, 'GET', `/v1/content/${id}`, undefined, alice)).json.status === 'pending' ? true : undefined),
      30_000,
      'pending',
    );
    assertMatches('get', '/v1/content/{contentId}', await http(world.baseUrl, 'GET', `/v1/content/${id}`, undefined, alice));
    assertMatches('get', '/v1/content/{contentId}', await http(world.baseUrl, 'GET', `/v1/content/missing-${id}`, undefined, alice));
    assertMatches(
      'get',
      '/v1/content',
      await eventually(
        async () => {
          const inbox = await http(world.baseUrl, 'GET', '/v1/content?status=pending', undefined, bob);
          return (inbox.json.items as unknown[]).length ? inbox : undefined;
        },
        15_000,
        'inbox',
      ),
    );
    assertMatches(
      'post',
      '/v1/content/{contentId}/reviews',
      await http(world.baseUrl, 'POST', `/v1/content/${id}/reviews`, { decision: 'approve' }, alice),
    );
    assertMatches(
      'post',
      '/v1/content/{contentId}/reviews',
      await http(world.baseUrl, 'POST', `/v1/content/${id}/reviews`, { decision: 'request-changes', comment: 'shorter' }, bob),
    );
    assertMatches(
      'post',
      '/v1/content/{contentId}/reviews',
      await http(world.baseUrl, 'POST', `/v1/content/${id}/reviews`, { decision: 'approve' }, bob),
    );
    assertMatches(
      'post',
      '/v1/content/{contentId}/revisions',
      await http(world.baseUrl, 'POST', `/v1/content/${id}/revisions`, { title: 'Shape', body: `Shape ${randomUUID()}.` }, alice),
    );
    assertMatches(
      'get',
      '/v1/content/{contentId}/revisions',
      await http(world.baseUrl, 'GET', `/v1/content/${id}/revisions`, undefined, bob),
    );
    assertMatches(
      'get',
      '/v1/content/{contentId}/diff',
      await http(world.baseUrl, 'GET', `/v1/content/${id}/diff?from=1&to=2`, undefined, bob),
    );
    assertMatches('get', '/v1/content/{contentId}/audit', await http(world.baseUrl, 'GET', `/v1/content/${id}/audit`, undefined, bob));
    assertMatches('get', '/v1/search/content', await http(world.baseUrl, 'GET', '/v1/search/content?q=shape&mode=text', undefined, bob));
    assertMatches('get', '/v1/search/products', await http(world.baseUrl, 'GET', '/v1/search/products?q=shape&mode=bad', undefined, bob));
    assertMatches(
      'get',
      '/v1/products/{productId}/recommendations',
      await http(world.baseUrl, 'GET', '/v1/products/none/recommendations', undefined, bob),
    );
  });

  it("states the routes' own rules: id patterns, trimmed texts, refinements, SSE events, Idempotency-Key", () => {
    type Param = { name: string; in: string; schema: { pattern?: string; enum?: string[]; maxLength?: number } };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(
        methods as Record<
          string,
          {
            parameters: Param[];
            requestBody?: { content: Record<string, { schema: Record<string, any> }> };
            responses: Record<string, any>;
          }
        >,
      ).map(([method, op]) => ({ path, method, op })),
    );
    for (const { path, method, op } of operations) {
      for (const param of op.parameters.filter((p) => p.in === 'path')) {
        assert.ok(param.schema.pattern || param.schema.enum, `${method} ${path}: path parameter ${param.name} has a pattern or an enum`);
      }
    }
    const validate = (schema: object, value: unknown) => ajv.compile(schema)(value);
    const body = (path: string) =>
      doc.paths[path]!.post as unknown as {
        requestBody: { content: Record<string, { schema: Record<string, any> }> };
        parameters: Param[];
        responses: Record<string, any>;
      };
    // Whitespace-only text is refused by the route (trim, then min length), and by the document.
    const submit = body('/v1/content').requestBody.content['application/json']!.schema;
    assert.ok(validate(submit, { title: ' A ', body: 'b', platforms: ['feed'] }));
    assert.ok(!validate(submit, { title: ' \t\u3000 ', body: 'b', platforms: ['feed'] }));
    assert.ok(!validate(submit, { title: 'A', body: 'b', platforms: ['feed', 'feed'] }), 'each platform once');
    const feedback = body('/v1/answers/{answerId}/feedback').requestBody.content['application/json']!.schema;
    assert.ok(validate(feedback, { verdict: 'wrong_source', sourceId: 's1' }));
    assert.ok(!validate(feedback, { verdict: 'helpful', sourceId: 's1' }), 'sourceId goes with wrong_source only');
    assert.ok(!validate(feedback, { verdict: 'wrong_source' }));
    const schedule = body('/v1/research-schedules').requestBody.content['application/json']!.schema;
    const request = { startUrls: ['https://shop.example/'] };
    assert.ok(validate(schedule, { scheduleId: 's', cron: ['0 3 * * 1,2'], request }));
    assert.ok(!validate(schedule, { scheduleId: 's', cron: ['0 3 * * *'], everyMinutes: 60, request }), 'everyMinutes or cron, not both');
    assert.ok(!validate(schedule, { scheduleId: 's', cron: ['61 * * * *'], request }));
    assert.ok(!validate(schedule, { scheduleId: 's', everyMinutes: 60, request: { startUrls: [] } }), 'startUrls or a sitemap');
    // A feed body that matches the document is one the parser takes.
    const csv = body('/v1/product-lists').requestBody.content['text/csv']!.schema;
    assert.ok(validate(csv, 'url\nhttps://shop.example/p/1\n'));
    assert.ok(!validate(csv, 'name\nKettle\n'));
    assert.ok(body('/v1/product-lists').parameters.some((p) => p.in === 'header' && p.name === 'Idempotency-Key'));
    // Live routes: one schema per event, with the JSON in `data`.
    const events = (doc.paths['/v1/content/{contentId}/events']!.get as unknown as { responses: Record<string, any> }).responses['200']
      .content['text/event-stream'].schema;
    assert.ok(validate(events, { event: 'progress', data: '{}' }));
    assert.ok(validate(events, { event: 'error', data: '{"detail":"x"}' }));
    assert.ok(!validate(events, { event: 'message', data: '{}' }));
    assert.equal(events.oneOf[1].properties.data.contentMediaType, 'application/json');
  });
});
