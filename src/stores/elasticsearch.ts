// Elasticsearch 8: search and vectors. Index templates are applied at start; index names
// carry a configurable prefix so that environments (and test runs) can share a cluster.
import { Client } from '@elastic/elasticsearch';
import type { Config } from '../config';

export function createEsClient(config: Pick<Config, 'ELASTICSEARCH_URL'>): Client {
  return new Client({ node: config.ELASTICSEARCH_URL, requestTimeout: 10_000, maxRetries: 0 });
}

export type EsIndices = Record<'stackChecks' | 'documents' | 'products', string>;

export function esIndices(config: Pick<Config, 'ELASTICSEARCH_INDEX_PREFIX'>): EsIndices {
  return {
    stackChecks: `${config.ELASTICSEARCH_INDEX_PREFIX}-stack-checks`,
    /** Searchable text with its embedding: content, reports, knowledge for answers (BM25 + kNN). */
    documents: `${config.ELASTICSEARCH_INDEX_PREFIX}-documents`,
    /** Products: text search (name, description, AI copy) and kNN on the embedding. */
    products: `${config.ELASTICSEARCH_INDEX_PREFIX}-products`,
  };
}

type TemplateConfig = Pick<Config, 'ELASTICSEARCH_INDEX_PREFIX' | 'EMBEDDING_DIMENSIONS'>;

/** The embedding field; its dimension is fixed per index and must match EMBEDDING_DIMENSIONS. */
const embeddingField = (dims: number) => ({ type: 'dense_vector', dims, index: true, similarity: 'cosine' }) as const;

/** Marks AI-generated values in documents: which model and prompt version produced them. */
const aiProvenanceField = {
  properties: {
    generated: { type: 'boolean' },
    model: { type: 'keyword' },
    promptVersion: { type: 'keyword' },
    callId: { type: 'keyword' },
    generatedAt: { type: 'date' },
  },
} as const;

/** Composable index templates, one per index family (PUT is idempotent); the indices are
 *  created right away so that no early write can create one with a dynamic mapping. */
export async function applyEsTemplates(es: Client, config: TemplateConfig): Promise<void> {
  const indices = esIndices(config);
  const properties: Record<keyof EsIndices, Record<string, unknown>> = {
    stackChecks: {
      checkId: { type: 'keyword' },
      tenantId: { type: 'keyword' },
      note: { type: 'text' },
      workflowId: { type: 'keyword' },
      createdAt: { type: 'date' },
    },
    documents: {
      docId: { type: 'keyword' },
      tenantId: { type: 'keyword' },
      kind: { type: 'keyword' },
      title: { type: 'text' },
      text: { type: 'text' },
      embedding: embeddingField(config.EMBEDDING_DIMENSIONS),
      ai: aiProvenanceField,
      updatedAt: { type: 'date' },
    },
    products: {
      productId: { type: 'keyword' },
      tenantId: { type: 'keyword' },
      url: { type: 'keyword' },
      name: { type: 'text', fields: { raw: { type: 'keyword', ignore_above: 256 } } },
      description: { type: 'text' },
      brand: { type: 'keyword' },
      category: { type: 'keyword' },
      sku: { type: 'keyword' },
      gtin: { type: 'keyword' },
      price: { type: 'double' }, // scaled_float needs mapper-extras, absent from the local ES build
      listPrice: { type: 'double' },
      highPrice: { type: 'double' }, // the top of an AggregateOffer range (price is its low end)
      currency: { type: 'keyword' },
      availability: { type: 'keyword' },
      ratingValue: { type: 'float' },
      seoTitle: { type: 'text' },
      bullets: { type: 'text' },
      tags: { type: 'keyword' },
      sentimentLabel: { type: 'keyword' },
      embedding: embeddingField(config.EMBEDDING_DIMENSIONS),
      ai: aiProvenanceField,
      updatedAt: { type: 'date' },
    },
  };
  // One shard, no replicas (a single node), strict mappings: an unexpected field is an error, not a guess.
  for (const family of Object.keys(indices) as (keyof EsIndices)[]) {
    await es.indices.putIndexTemplate({
      name: indices[family],
      index_patterns: [indices[family]],
      template: {
        settings: { number_of_shards: 1, number_of_replicas: 0 },
        mappings: { dynamic: 'strict', properties: properties[family] as never },
      },
    });
  }
  for (const index of Object.values(indices)) {
    if (!(await es.indices.exists({ index }))) {
      await es.indices.create({ index }).catch((error: unknown) => {
        // A concurrent start created it first: that is the outcome we wanted.
        if ((error as { body?: { error?: { type?: string } } }).body?.error?.type !== 'resource_already_exists_exception') throw error;
      });
    }
  }
  // Fields added after an index was created (strict mappings reject unknown ones): additive only.
  await es.indices.putMapping({ index: indices.products, properties: { listPrice: { type: 'double' }, highPrice: { type: 'double' } } });
  await assertEmbeddingDimensions(es, indices.documents, config.EMBEDDING_DIMENSIONS);
  await assertEmbeddingDimensions(es, indices.products, config.EMBEDDING_DIMENSIONS);
}

/** An index keeps the dimension it was created with: a different model needs a new index. */
async function assertEmbeddingDimensions(es: Client, index: string, dims: number): Promise<void> {
  const mapping = await es.indices.getMapping({ index });
  const field = mapping[index]?.mappings.properties?.embedding as { dims?: number } | undefined;
  if (field?.dims !== undefined && field.dims !== dims) {
    throw new Error(
      `index ${index} stores ${field.dims}-dimension embeddings but EMBEDDING_DIMENSIONS is ${dims}; ` +
        'use a new ELASTICSEARCH_INDEX_PREFIX (and reindex) when changing the embedding model',
    );
  }
}

/** Readiness: the cut-down ES distribution has no `GET /`, so ask for cluster health. */
export async function esHealthy(es: Client): Promise<boolean> {
  const health = await es.cluster.health({ timeout: '2s' });
  return health.status === 'green' || health.status === 'yellow';
}
