// The rules of answering with cited sources, as pure functions: fusing rankings, judging
// relevance, demoting sources people marked wrong for similar questions, and checking that an
// answer cites only what it was given. No I/O here; retrieval and the workflow call these.

/** One ranked list from one retriever (e.g. BM25 over products), best first. */
export interface Ranking {
  name: string;
  ids: readonly string[];
}

export interface Fused {
  id: string;
  /** Sum over rankings of 1 / (k + rank), rank starting at 1. */
  score: number;
  /** The 1-based rank the id had in each ranking that returned it. */
  ranks: Record<string, number>;
}

/** The usual constant of reciprocal rank fusion (Cormack et al. 2009): damps the top ranks. */
export const RRF_K = 60;

/**
 * Reciprocal rank fusion: scores by rank only, so that rankings with incomparable scores (BM25
 * and cosine, different indices) combine fairly. Ties break by id so the order is stable.
 */
export function reciprocalRankFusion(rankings: readonly Ranking[], k = RRF_K): Fused[] {
  const fused = new Map<string, Fused>();
  for (const ranking of rankings) {
    const seen = new Set<string>();
    ranking.ids.forEach((id, index) => {
      if (seen.has(id)) return; // a retriever listing an id twice does not vote twice
      seen.add(id);
      const entry = fused.get(id) ?? { id, score: 0, ranks: {} };
      entry.score += 1 / (k + index + 1);
      entry.ranks[ranking.name] = index + 1;
      fused.set(id, entry);
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** A wrong-source mark given earlier: which source, on which answer, for which question. */
export interface WrongSourceMark {
  sourceId: string;
  answerId: string;
  questionEmbedding: readonly number[];
}

export interface DemotionPolicy {
  /** Two questions are "similar" when their embeddings' cosine similarity reaches this. */
  similarQuestion: number;
  /** A source is demoted once this many answers to similar questions had it marked wrong. */
  demoteAfter: number;
  /** The demoted source's fused score is multiplied by this. */
  penalty: number;
}

/**
 * How many answers to questions similar to this one had each source marked wrong. Counted per
 * answer, so one answer marked by several people (or twice) counts once: "repeatedly" means
 * across questions, not clicks.
 */
export function wrongMarksForSimilarQuestions(
  question: readonly number[],
  marks: readonly WrongSourceMark[],
  similarQuestion: number,
): Map<string, number> {
  const answersBySource = new Map<string, Set<string>>();
  for (const mark of marks) {
    if (cosineSimilarity(question, mark.questionEmbedding) < similarQuestion) continue;
    const answers = answersBySource.get(mark.sourceId) ?? new Set<string>();
    answers.add(mark.answerId);
    answersBySource.set(mark.sourceId, answers);
  }
  return new Map([...answersBySource].map(([sourceId, answers]) => [sourceId, answers.size]));
}

/** A retrieved source, scored: fused rank score, similarity to the question, any demotion. */
export interface Candidate extends Fused {
  /** Cosine similarity between the question's and the source's embeddings. */
  similarity: number;
  /** Wrong-source marks for similar questions, when they demoted this source. */
  demotedBy?: number;
}

/** Applies the demotion policy and re-sorts: demoted sources sink, the rest keep their order. */
export function demote(candidates: readonly Candidate[], wrongMarks: ReadonlyMap<string, number>, policy: DemotionPolicy): Candidate[] {
  return candidates
    .map((candidate) => {
      const marks = wrongMarks.get(candidate.id) ?? 0;
      return marks >= policy.demoteAfter ? { ...candidate, score: candidate.score * policy.penalty, demotedBy: marks } : candidate;
    })
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface SelectionPolicy {
  /** Below this cosine similarity a source is not about the question. */
  minSimilarity: number;
  /** At most this many sources go to the model. */
  maxSources: number;
}

/**
 * The sources the answer may use: relevant ones, best first, capped. None relevant means the
 * honest answer is "not found" rather than an answer built on unrelated text.
 */
export function selectSources(ranked: readonly Candidate[], policy: SelectionPolicy): { found: boolean; sources: Candidate[] } {
  const sources = ranked.filter((candidate) => candidate.similarity >= policy.minSimilarity).slice(0, policy.maxSources);
  return { found: sources.length > 0, sources };
}

export type AnswerOutcome =
  | { kind: 'answered'; citations: string[] }
  /** The model answered without citing any source: not a supported answer. */
  | { kind: 'unsupported'; reason: string }
  /** The model cited something it was not given: refused (never stored as an answer). */
  | { kind: 'invalid-citations'; invalid: string[] };

/** Citations must be ids of the sources given to the model; duplicates collapse, order kept. */
export function judgeCitations(citations: readonly string[], givenIds: readonly string[]): AnswerOutcome {
  const given = new Set(givenIds);
  const invalid = citations.filter((id) => !given.has(id));
  if (invalid.length > 0) return { kind: 'invalid-citations', invalid: [...new Set(invalid)] };
  const cited = [...new Set(citations)];
  if (cited.length === 0) return { kind: 'unsupported', reason: 'the model cited none of the sources it was given' };
  return { kind: 'answered', citations: cited };
}
