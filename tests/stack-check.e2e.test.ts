// The end-to-end slice: HTTP → Temporal workflow → activities → PostgreSQL, Elasticsearch, Neo4j.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { esIndices } from '../src/stores/elasticsearch';
import { actAs, eventually, http, startWorld, tokenFor, type World } from './support/world';

describe('stack check over HTTP', () => {
  let world: World;
  before(async () => {
    world = await startWorld();
    actAs(world.baseUrl, await tokenFor(world.config, { sub: 'ops', tenant: 'tenant-a', roles: ['admin'] }));
  });
  after(async () => {
    await world?.stop();
  });

  it('when a check is posted, then a row, a document and a node exist and visibility finds the run', async () => {
    const checkId = `e2e-${randomUUID()}`;
    const started = await http(world.baseUrl, 'POST', '/v1/stack-checks', { checkId, tenantId: 'tenant-a', note: 'wiring proof' });
    assert.equal(started.status, 202, started.text);
    assert.equal(started.json.workflowId, `stack-check/${checkId}`);
    // The link points at the namespace the run is in (tests have their own, not `default`).
    const ui = `${world.config.TEMPORAL_UI_URL}/namespaces/${encodeURIComponent(world.config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(`stack-check/${checkId}`)}`;
    assert.ok((started.json.temporalUi as string).startsWith(ui), started.json.temporalUi);

    const done = await eventually(
      async () => {
        const read = await http(world.baseUrl, 'GET', `/v1/stack-checks/${checkId}`);
        return read.json?.status === 'COMPLETED' ? read.json : undefined;
      },
      30_000,
      'the workflow to complete',
    );
    assert.equal(done.result.checkId, checkId);

    const { infra, config } = world;
    const row = await infra.pg.query('SELECT tenant_id, note, workflow_id FROM stack_checks WHERE check_id = $1', [checkId]);
    assert.deepEqual(row.rows, [{ tenant_id: 'tenant-a', note: 'wiring proof', workflow_id: `stack-check/${checkId}` }]);

    const doc = await infra.es.get<{ tenantId: string; note: string }>({ index: esIndices(config).stackChecks, id: checkId });
    assert.equal(doc._source?.tenantId, 'tenant-a');
    assert.equal(doc._source?.note, 'wiring proof');

    const node = await infra.neo4j.executeQuery('MATCH (c:StackCheck {checkId: $checkId}) RETURN c.tenantId AS tenant, count(*) AS n', {
      checkId,
    });
    assert.equal(node.records.length, 1);
    assert.equal(node.records[0]?.get('tenant'), 'tenant-a');

    // Visibility is eventually consistent: poll the query an operator would type.
    const listed = await eventually(
      async () => {
        const found = [];
        for await (const execution of infra.temporal.workflow.list({
          query: `BusinessId = '${checkId}' AND WorkflowKind = 'stack-check'`,
        })) {
          found.push(execution);
        }
        return found.length > 0 ? found : undefined;
      },
      15_000,
      'the visibility query to find the workflow',
    );
    assert.equal(listed.length, 1);
    assert.equal(listed[0]?.workflowId, `stack-check/${checkId}`);
    assert.equal(listed[0]?.status.name, 'COMPLETED');
  });

  it('when the same check runs again, then the stores still hold one record each', async () => {
    const checkId = `rerun-${randomUUID()}`;
    for (const note of ['first', 'second']) {
      const started = await http(world.baseUrl, 'POST', '/v1/stack-checks', { checkId, note });
      assert.equal(started.status, 202, started.text);
      await world.infra.temporal.workflow.getHandle(started.json.workflowId, started.json.runId).result();
    }
    const rows = await world.infra.pg.query('SELECT note FROM stack_checks WHERE check_id = $1', [checkId]);
    assert.deepEqual(rows.rows, [{ note: 'second' }]);
    const nodes = await world.infra.neo4j.executeQuery('MATCH (c:StackCheck {checkId: $checkId}) RETURN count(c) AS n', { checkId });
    assert.equal(nodes.records[0]?.get('n'), 1);
    const count = await world.infra.es.count({ index: esIndices(world.config).stackChecks, query: { term: { checkId } } });
    assert.equal(count.count, 1);
  });

  it('when the body is malformed, has unknown fields or bad ids, then it is a 400 problem', async () => {
    const cases: unknown[] = ['{not json', { checkId: 'ok', extra: true }, { checkId: '../etc/passwd' }, { note: 'x'.repeat(501) }];
    for (const body of cases) {
      const response = await http(world.baseUrl, 'POST', '/v1/stack-checks', body);
      assert.equal(response.status, 400, `${JSON.stringify(body)} → ${response.text}`);
      assert.match(response.contentType, /^application\/problem\+json/);
      assert.equal(response.json.status, 400);
    }
  });

  it('when a body exceeds the limit, then it is a 413', async () => {
    const response = await http(world.baseUrl, 'POST', '/v1/stack-checks', { note: 'x'.repeat(400_000) });
    assert.equal(response.status, 413);
    assert.match(response.contentType, /^application\/problem\+json/);
  });

  it('when a check does not exist, then it is a 404; an unknown route too', async () => {
    const missing = await http(world.baseUrl, 'GET', `/v1/stack-checks/missing-${randomUUID()}`);
    assert.equal(missing.status, 404);
    assert.match(missing.json.detail, /no workflow stack-check\/missing-/);
    const route = await http(world.baseUrl, 'GET', '/v1/nothing-here');
    assert.equal(route.status, 404);
  });

  it('when all dependencies answer, then /readyz is 200 and /healthz is 200', async () => {
    const ready = await http(world.baseUrl, 'GET', '/readyz');
    assert.equal(ready.status, 200, ready.text);
    assert.deepEqual(Object.keys(ready.json.checks).sort(), ['elasticsearch', 'neo4j', 'postgres', 'temporal']);
    const live = await http(world.baseUrl, 'GET', '/healthz');
    assert.equal(live.status, 200);
  });
});

describe('stack check while no worker polls', () => {
  let world: World;
  before(async () => {
    world = await startWorld({}, { workers: false });
    actAs(world.baseUrl, await tokenFor(world.config, { sub: 'ops', tenant: 'tenant-a', roles: ['admin'] }));
  });
  after(async () => {
    await world?.stop();
  });

  it('when a check with the same id is already running, then a second start is a 409', async () => {
    const checkId = `dup-${randomUUID()}`;
    const first = await http(world.baseUrl, 'POST', '/v1/stack-checks', { checkId });
    assert.equal(first.status, 202);
    try {
      const second = await http(world.baseUrl, 'POST', '/v1/stack-checks', { checkId });
      assert.equal(second.status, 409, second.text);
      assert.equal(second.json.workflowId, `stack-check/${checkId}`);
      const read = await http(world.baseUrl, 'GET', `/v1/stack-checks/${checkId}`);
      assert.equal(read.json.status, 'RUNNING');
    } finally {
      await world.infra.temporal.workflow.getHandle(`stack-check/${checkId}`).terminate('test cleanup');
    }
  });
});

describe('readiness with a dependency down', () => {
  it('when Elasticsearch cannot be reached, then /readyz is 503 and names it', async () => {
    // Port 9 (discard) is closed on loopback: a real refused connection.
    const world = await startWorld({}, { workers: false });
    actAs(world.baseUrl, await tokenFor(world.config, { sub: 'ops', tenant: 'tenant-a', roles: ['admin'] }));
    const { createEsClient } = await import('../src/stores/elasticsearch');
    const healthyEs = world.infra.es;
    world.infra.es = createEsClient({ ELASTICSEARCH_URL: 'http://127.0.0.1:9' });
    try {
      const ready = await http(world.baseUrl, 'GET', '/readyz');
      assert.equal(ready.status, 503);
      assert.equal(ready.json.ready, false);
      assert.equal(ready.json.checks.elasticsearch.ok, false);
      assert.equal(ready.json.checks.postgres.ok, true);
    } finally {
      await world.infra.es.close();
      world.infra.es = healthyEs;
      await world.stop();
    }
  });
});
