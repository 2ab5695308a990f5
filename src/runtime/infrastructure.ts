// Opens (and closes) the connections a process needs: PostgreSQL, Elasticsearch, Neo4j, Temporal.
import type { Client as EsClient } from '@elastic/elasticsearch';
import type { Client as TemporalClient } from '@temporalio/client';
import type { Driver } from 'neo4j-driver';
import type { Pool } from 'pg';
import type { Config } from '../config';
import { createLlmClient } from '../llm/client';
import { LlmGateway } from '../llm/gateway';
import type { Logger } from '../observability/logger';
import { createFetcher, type Fetcher } from '../fetch';
import { createNotifier } from '../notifications/notifier';
import type { Notifier } from '../notifications/types';
import type { Platform, PublishingAdapter } from '../publishing/adapter';
import { createPublishingAdapters } from '../publishing/registry';
import { createLocalBlobStore, type BlobStore } from '../stores/blob-store';
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
  blobs: BlobStore;
  fetcher: Fetcher;
  publishing: Record<Platform, PublishingAdapter>;
  notifier: Notifier;
  close(): Promise<void>;
}

export async function openInfrastructure(config: Config, logger: Logger): Promise<Infrastructure> {
  const pg = createPgPool(config);
  const es = createEsClient(config);
  const neo4j = createNeo4jDriver(config);
  const temporal = await createTemporalClient(config);
  const llm = new LlmGateway(createLlmClient(config, 'chat'), createLlmClient(config, 'embeddings'), pg, config);
  const blobs = createLocalBlobStore(config.BLOB_DIR);
  const fetcher = createFetcher({
    allowHosts: config.FETCH_ALLOW_HOSTS,
    userAgent: config.FETCH_USER_AGENT,
    timeoutMs: config.FETCH_TIMEOUT_MS,
    maxBytes: config.FETCH_MAX_BYTES,
    perHostConcurrency: config.FETCH_PER_HOST_CONCURRENCY,
    perHostDelayMs: config.FETCH_PER_HOST_DELAY_MS,
  });
  const publishing = createPublishingAdapters(config, pg);
  const notifier = createNotifier(config, logger);
  return {
    config,
    logger,
    pg,
    es,
    neo4j,
    temporal,
    llm,
    blobs,
    fetcher,
    publishing,
    notifier,
    async close() {
      await Promise.allSettled([fetcher.close(), pg.end(), es.close(), neo4j.close(), temporal.connection.close()]);
    },
  };
}
