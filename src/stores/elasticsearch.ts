// Elasticsearch 8: search and vectors. Index templates are applied at start; index names
// carry a configurable prefix so that environments (and test runs) can share a cluster.
import { Client } from '@elastic/elasticsearch';
import type { Config } from '../config';

export function createEsClient(config: Pick<Config, 'ELASTICSEARCH_URL'>): Client {
  return new Client({ node: config.ELASTICSEARCH_URL, requestTimeout: 10_000, maxRetries: 0 });
}

export type EsIndices = Record<'stackChecks', string>;

export function esIndices(config: Pick<Config, 'ELASTICSEARCH_INDEX_PREFIX'>): EsIndices {
  return { stackChecks: `${config.ELASTICSEARCH_INDEX_PREFIX}-stack-checks` };
}

/** Composable index templates, one per index family (PUT is idempotent); the indices are
 *  created right away so that no early write can create one with a dynamic mapping. */
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
  for (const index of Object.values(indices)) {
    if (!(await es.indices.exists({ index }))) {
      await es.indices.create({ index }).catch((error: unknown) => {
        // A concurrent start created it first: that is the outcome we wanted.
        if ((error as { body?: { error?: { type?: string } } }).body?.error?.type !== 'resource_already_exists_exception') throw error;
      });
    }
  }
}

/** Readiness: the cut-down ES distribution has no `GET /`, so ask for cluster health. */
export async function esHealthy(es: Client): Promise<boolean> {
  const health = await es.cluster.health({ timeout: '2s' });
  return health.status === 'green' || health.status === 'yellow';
}
