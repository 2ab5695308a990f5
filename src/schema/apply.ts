// Schema management for every store, applied idempotently at start by the worker (and by
// `npm run schema`): PostgreSQL migrations, Elasticsearch templates, Neo4j constraints and
// the Temporal namespace (registered when missing) and its custom search attributes.
import type { Client as EsClient } from '@elastic/elasticsearch';
import type { Client as TemporalClient } from '@temporalio/client';
import type { Driver } from 'neo4j-driver';
import type { Pool } from 'pg';
import type { Config } from '../config';
import { seedRegistry } from '../learning/registry-store';
import type { Logger } from '../observability/logger';
import { applyEsTemplates } from '../stores/elasticsearch';
import { applyNeo4jConstraints } from '../stores/neo4j';
import { migratePostgres } from '../stores/postgres';
import { ensureNamespace, ensureSearchAttributes } from '../temporal/client';

export interface SchemaDeps {
  config: Config;
  pg: Pool;
  es: EsClient;
  neo4j: Driver;
  temporal: TemporalClient;
  logger: Logger;
}

export async function applySchema({ config, pg, es, neo4j, temporal, logger }: SchemaDeps): Promise<void> {
  const migrations = await migratePostgres(pg, logger);
  await seedRegistry(pg);
  await applyEsTemplates(es, config);
  await applyNeo4jConstraints(neo4j, config.NEO4J_DATABASE);
  const namespaceCreated = await ensureNamespace(temporal, config.TEMPORAL_NAMESPACE);
  const added = await ensureSearchAttributes(temporal, config.TEMPORAL_NAMESPACE);
  logger.info({ migrations, namespace: config.TEMPORAL_NAMESPACE, namespaceCreated, searchAttributesAdded: added }, 'schema applied');
}
