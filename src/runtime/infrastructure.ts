// Opens (and closes) the connections a process needs: PostgreSQL, Elasticsearch, Neo4j, Temporal.
import type { Client as EsClient } from '@elastic/elasticsearch';
import type { Client as TemporalClient } from '@temporalio/client';
import type { Driver } from 'neo4j-driver';
import type { Pool } from 'pg';
import type { Config } from '../config';
import { createLlmClient } from '../llm/client';
import { LlmGateway } from '../llm/gateway';
import type { Logger } from '../observability/logger';
import { createEsClient } from '../stores/elasticsearch';
import { createNeo4jDriver } from '../stores/neo4j';
import { createPgPool } from '../stores/postgres';
import { createTemporalClient } from '../temporal/client';

export interface Infrastructure {
  config: Config;
  logger: Logger;
  pg: Pool;
  es: EsClient;
  neo4j: Driver;
  temporal: TemporalClient;
  llm: LlmGateway;
  close(): Promise<void>;
}

export async function openInfrastructure(config: Config, logger: Logger): Promise<Infrastructure> {
  const pg = createPgPool(config);
  const es = createEsClient(config);
  const neo4j = createNeo4jDriver(config);
  const temporal = await createTemporalClient(config);
  const llm = new LlmGateway(createLlmClient(config, 'chat'), createLlmClient(config, 'embeddings'), pg, config);
  return {
    config,
    logger,
    pg,
    es,
    neo4j,
    temporal,
    llm,
    async close() {
      await Promise.allSettled([pg.end(), es.close(), neo4j.close(), temporal.connection.close()]);
    },
  };
}
