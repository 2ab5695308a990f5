// Hybrid retrieval for answers: BM25 and kNN over every source kind of the tenant (one
// Elasticsearch multi-search), fused by reciprocal rank fusion, each candidate scored by its
// cosine similarity to the question so that the relevance threshold has a scale to work on.
import type { Client as EsClient } from '@elastic/elasticsearch';
import type { Config } from '../config';
import { esIndices } from '../stores/elasticsearch';
import {
  cosineSimilarity,
  demote,
  reciprocalRankFusion,
  selectSources,
  wrongMarksForSimilarQuestions,
  type Candidate,
  type Ranking,
  type WrongSourceMark,
} from './rules';
import { answerSources, sourceId, type AnswerSource, type SourceKind } from './sources';

export interface RetrievedDoc {
  id: string;
  kind: SourceKind;
  title: string;
  text: string;
  link?: string;
}

export interface Retrieval {
  candidates: Candidate[];
  docs: Map<string, RetrievedDoc>;
  /** Each retriever's own ranking (kind:bm25, kind:knn), for measuring them apart. */
  rankings: Ranking[];
  similarities: Map<string, number>;
}

/** How deep each retriever looks before fusion. */
export const RETRIEVER_DEPTH = 20;
/** Text handed to the model per source. */
const SOURCE_TEXT_LIMIT = 2_000;

export async function retrieve(
  deps: { es: EsClient; config: Pick<Config, 'ELASTICSEARCH_INDEX_PREFIX'> },
  tenantId: string,
  question: string,
  questionVector: number[],
  sources: readonly AnswerSource[] = answerSources,
): Promise<Retrieval> {
  const indices = esIndices(deps.config);
  const searches = sources.flatMap((source) => {
    const filter = [{ term: { tenantId } }, ...source.filter];
    const index = source.index(indices);
    return [
      {
        header: { index },
        body: { size: RETRIEVER_DEPTH, query: { bool: { must: { multi_match: { query: question, fields: source.textFields } }, filter } } },
      },
      {
        header: { index },
        body: {
          size: RETRIEVER_DEPTH,
          knn: { field: 'embedding', query_vector: questionVector, k: RETRIEVER_DEPTH, num_candidates: 100, filter },
        },
      },
    ];
  });
  const response = await deps.es.msearch<Record<string, unknown>>({ searches: searches.flatMap(({ header, body }) => [header, body]) });

  const rankings: Ranking[] = [];
  const docs = new Map<string, RetrievedDoc>();
  const similarities = new Map<string, number>();
  response.responses.forEach((result, i) => {
    const source = sources[Math.floor(i / 2)]!;
    const retriever = i % 2 === 0 ? 'bm25' : 'knn';
    if ('error' in result)
      throw new Error(`retrieval from ${source.kind} (${retriever}) failed: ${JSON.stringify(result.error).slice(0, 300)}`);
    const ids: string[] = [];
    for (const hit of result.hits.hits) {
      const doc = hit._source ?? {};
      const rawId = doc[source.idField];
      if (typeof rawId !== 'string') continue;
      const id = sourceId(source.kind, rawId);
      ids.push(id);
      if (!docs.has(id)) {
        docs.set(id, {
          id,
          kind: source.kind,
          title: source.titleOf(doc),
          text: source.textOf(doc).slice(0, SOURCE_TEXT_LIMIT),
          link: source.linkOf(doc),
        });
      }
      if (!similarities.has(id)) {
        const embedding = doc.embedding;
        // Without a stored vector, the kNN score says the same: Elasticsearch's cosine score is (1 + cos) / 2.
        if (Array.isArray(embedding)) similarities.set(id, cosineSimilarity(questionVector, embedding as number[]));
        else if (retriever === 'knn' && hit._score != null) similarities.set(id, 2 * hit._score - 1);
      }
    }
    rankings.push({ name: `${source.kind}:${retriever}`, ids });
  });

  return { candidates: fuse(rankings, similarities), docs, rankings, similarities };
}

/** Fuses rankings and attaches each id's similarity to the question. */
export const fuse = (rankings: readonly Ranking[], similarities: ReadonlyMap<string, number>): Candidate[] =>
  reciprocalRankFusion(rankings).map((fused) => ({ ...fused, similarity: round(similarities.get(fused.id) ?? 0) }));

export type RankingConfig = Pick<
  Config,
  'ANSWERS_MIN_SIMILARITY' | 'ANSWERS_MAX_SOURCES' | 'ANSWERS_SIMILAR_QUESTION' | 'ANSWERS_DEMOTE_AFTER' | 'ANSWERS_DEMOTION_PENALTY'
>;

/** From fused candidates to the sources of an answer: feedback demotion, then the relevance threshold. */
export function rankSources(
  candidates: readonly Candidate[],
  questionVector: readonly number[],
  marks: readonly WrongSourceMark[],
  config: RankingConfig,
) {
  const wrong = wrongMarksForSimilarQuestions(questionVector, marks, config.ANSWERS_SIMILAR_QUESTION);
  const ranked = demote(candidates, wrong, {
    similarQuestion: config.ANSWERS_SIMILAR_QUESTION,
    demoteAfter: config.ANSWERS_DEMOTE_AFTER,
    penalty: config.ANSWERS_DEMOTION_PENALTY,
  });
  return { ranked, ...selectSources(ranked, { minSimilarity: config.ANSWERS_MIN_SIMILARITY, maxSources: config.ANSWERS_MAX_SOURCES }) };
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;
