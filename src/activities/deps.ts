// What activities need from the outside world; the worker builds these once per process.
import type { Client as EsClient } from '@elastic/elasticsearch';
import type { Driver } from 'neo4j-driver';
import type { Pool } from 'pg';
import type { Config } from '../config';
import type { Fetcher } from '../fetch';
import type { LlmGateway } from '../llm/gateway';
import type { BlobStore } from '../stores/blob-store';
import type { Logger } from '../observability/logger';
import type { Platform, PublishingAdapter } from '../publishing/adapter';
import type { Notifier } from '../notifications/types';

export interface ActivityDeps {
  config: Config;
  pg: Pool;
  es: EsClient;
  neo4j: Driver;
  llm: LlmGateway;
  blobs: BlobStore;
  fetcher: Fetcher;
  logger: Logger;
  publishing: Record<Platform, PublishingAdapter>;
  notifier: Notifier;
}
