// Schema management: applied twice without error, and every store has what the code expects.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../src/observability/logger';
import { openInfrastructure, type Infrastructure } from '../src/runtime/infrastructure';
import { applySchema } from '../src/schema/apply';
import { esIndices } from '../src/stores/elasticsearch';
import { migratePostgres } from '../src/stores/postgres';
import { ensureNamespace, ensureSearchAttributes } from '../src/temporal/client';
import { SQL_VISIBILITY_SLOTS_PER_TYPE, allSearchAttributes } from '../src/temporal/search-attributes';
import { testConfig } from './support/world';

describe('schema management', () => {
  let infra: Infrastructure;
  before(async () => {
    const config = testConfig();
    infra = await openInfrastructure(config, createLogger('silent', 'test'));
  });
  after(async () => {
    await infra?.close();
  });

  it('when applied repeatedly and concurrently, then it succeeds and applies each migration once', async () => {
    await Promise.all([applySchema(infra), applySchema(infra), applySchema(infra)]);
    assert.deepEqual(await migratePostgres(infra.pg), [], 'nothing left to apply');
    const rows = await infra.pg.query('SELECT name, count(*)::int AS n FROM schema_migrations GROUP BY name HAVING count(*) > 1');
    assert.deepEqual(rows.rows, []);
    const table = await infra.pg.query("SELECT to_regclass('public.stack_checks') AS t");
    assert.equal(table.rows[0].t, 'stack_checks');
  });

  it('then no type has more custom search attributes than SQL visibility stores can hold', () => {
    const perType = new Map<string, string[]>();
    for (const key of allSearchAttributes) perType.set(key.type, [...(perType.get(key.type) ?? []), key.name]);
    for (const [type, names] of perType) {
      assert.ok(
        names.length <= SQL_VISIBILITY_SLOTS_PER_TYPE,
        `${names.length} ${type} attributes (${names.join(', ')}): the server refuses more than ${SQL_VISIBILITY_SLOTS_PER_TYPE}`,
      );
    }
  });

  it('then every custom search attribute is registered with its type', async () => {
    const { customAttributes } = await infra.temporal.connection.operatorService.listSearchAttributes({
      namespace: infra.config.TEMPORAL_NAMESPACE,
    });
    for (const key of allSearchAttributes) {
      assert.ok(customAttributes && key.name in customAttributes, `${key.name} registered`);
    }
  });

  it('when the namespace is missing, then it is registered once with the search attributes, and tests do not run in `default`', async () => {
    assert.notEqual(infra.config.TEMPORAL_NAMESPACE, 'default');
    const namespace = `schema-probe-${randomUUID().slice(0, 8)}`;
    try {
      assert.equal(await ensureNamespace(infra.temporal, namespace, 1), true);
      assert.equal(await ensureNamespace(infra.temporal, namespace, 1), false);
      assert.equal((await ensureSearchAttributes(infra.temporal, namespace)).length, allSearchAttributes.length);
      const described = await infra.temporal.connection.workflowService.describeNamespace({ namespace });
      assert.equal(Number(described.config?.workflowExecutionRetentionTtl?.seconds), 86_400);
    } finally {
      await infra.temporal.connection.operatorService.deleteNamespace({ namespace }).catch(() => undefined);
    }
  });

  it('then the Elasticsearch template maps the index strictly and Neo4j has its constraint', async () => {
    const name = esIndices(infra.config).stackChecks;
    const { index_templates } = await infra.es.indices.getIndexTemplate({ name });
    assert.equal(index_templates[0]?.index_template.template?.mappings?.dynamic, 'strict');
    const constraints = await infra.neo4j.executeQuery('SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names');
    assert.ok((constraints.records[0]?.get('names') as string[]).includes('stack_check_id'));
  });
});
