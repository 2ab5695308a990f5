// Elasticsearch 8: search and vectors. Index templates are applied at start; index names
// carry a configurable prefix so that environments (and test runs) can share a cluster.
import { Client } from '@elastic/elasticsearch';
import type { Config } from '../config';

export function createEsClient(config: Pick<Config, 'ELASTICSEARCH_URL'>): Client {
  return new Client({ node: config.ELASTICSEARCH_URL, requestTimeout: 10_000, maxRetries: 0 });
}

export interface EsIndices {
  stackChecks: string;
}

export function esIndices(config: Pick<Config, 'ELASTICSEARCH_INDEX_PREFIX'>): EsIndices {
  return { stackChecks: `${config.ELASTICSEARCH_INDEX_PREFIX}-stack-checks` };
}

/** Composable index templates, one per index family (PUT is idempotent). */
export async function applyEsTemplates(es: Client, config: Pick<Config, 'ELASTICSEARCH_INDEX_PREFIX'>): Promise<void> {
  const indices = esIndices(config);
  await es.indices.putIndexTemplate({
    name: indices.stackChecks,
    index_patterns: [indices.stackChecks],
    template: {
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: {
        dynamic: 'strict',
        properties: {
          checkId: { type: 'keyword' },
          tenantId: { type: 'keyword' },
          note: { type: 'text' },
          workflowId: { type: 'keyword' },
          createdAt: { type: 'date' },
        },
      },
    },
  });
}

/** Readiness: the cut-down ES distribution has no `GET /`, so ask for cluster health. */
export async function esHealthy(es: Client): Promise<boolean> {
  const health = await es.cluster.health({ timeout: '2s' });
  return health.status === 'green' || health.status === 'yellow';
}
