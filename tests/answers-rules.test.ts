// The pure rules of answers (fusion, relevance, demotion, citations) and of cost / ETA estimates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cosineSimilarity,
  demote,
  judgeCitations,
  reciprocalRankFusion,
  selectSources,
  wrongMarksForSimilarQuestions,
  type Candidate,
  type WrongSourceMark,
} from '../src/answers/rules';
import { rankSources } from '../src/answers/retrieval';
import { seededRandom } from '../src/strategy/simulation';
import { costUsd, estimateRun } from '../src/costs/estimate';
import { loadConfig } from '../src/config';
import { citationPrecision, notFoundCorrect, recallAt } from '../fixtures/answers-evaluation';

const policy = { similarQuestion: 0.9, demoteAfter: 2, penalty: 0.25 };
const candidate = (id: string, score: number, similarity = 0.6): Candidate => ({ id, score, similarity, ranks: {} });

describe('reciprocal rank fusion', () => {
  it('when two rankings agree on an id, then it outranks ids that only one ranking found', () => {
    const fused = reciprocalRankFusion([
      { name: 'bm25', ids: ['a', 'b', 'c'] },
      { name: 'knn', ids: ['d', 'b', 'e'] },
    ]);
    assert.equal(fused[0]!.id, 'b');
    assert.deepEqual(fused[0]!.ranks, { bm25: 2, knn: 2 });
    assert.ok(Math.abs(fused[0]!.score - 2 / 62) < 1e-12);
  });

  it('when scores are equal, then the order is stable by id, and a duplicate in one ranking votes once', () => {
    const fused = reciprocalRankFusion([
      { name: 'x', ids: ['b', 'b'] },
      { name: 'y', ids: ['a'] },
    ]);
    assert.deepEqual(
      fused.map((f) => f.id),
      ['a', 'b'],
    );
    assert.equal(fused[1]!.score, 1 / 61);
  });

  it('uses k to damp the top ranks', () => {
    const [first, second] = reciprocalRankFusion([{ name: 'x', ids: ['a', 'b'] }], 0);
    assert.equal(first!.score, 1);
    assert.equal(second!.score, 0.5);
  });
});

describe('relevance threshold', () => {
  it('when no source reaches the minimum similarity, then nothing is found', () => {
    const result = selectSources([candidate('a', 0.03, 0.2), candidate('b', 0.02, 0.1)], { minSimilarity: 0.35, maxSources: 5 });
    assert.equal(result.found, false);
    assert.deepEqual(result.sources, []);
  });

  it('keeps relevant sources in rank order, capped', () => {
    const result = selectSources(
      [candidate('a', 0.03, 0.2), candidate('b', 0.02, 0.5), candidate('c', 0.01, 0.9), candidate('d', 0.005, 0.4)],
      { minSimilarity: 0.35, maxSources: 2 },
    );
    assert.deepEqual(
      result.sources.map((s) => s.id),
      ['b', 'c'],
    );
  });
});

describe('feedback demotion', () => {
  const q = [1, 0, 0];
  const similar = [0.99, 0.1, 0];
  const unrelated = [0, 1, 0];

  it('counts wrong marks per answer for similar questions only', () => {
    const marks = wrongMarksForSimilarQuestions(
      q,
      [
        { sourceId: 's1', answerId: 'a1', questionEmbedding: similar },
        { sourceId: 's1', answerId: 'a1', questionEmbedding: similar }, // second person, same answer
        { sourceId: 's1', answerId: 'a2', questionEmbedding: q },
        { sourceId: 's2', answerId: 'a3', questionEmbedding: unrelated },
      ],
      0.9,
    );
    assert.equal(marks.get('s1'), 2);
    assert.equal(marks.has('s2'), false);
  });

  it('when a source was marked wrong repeatedly, then it sinks below the others', () => {
    const ranked = demote([candidate('s1', 0.033), candidate('s2', 0.032), candidate('s3', 0.016)], new Map([['s1', 2]]), policy);
    assert.deepEqual(
      ranked.map((c) => c.id),
      ['s2', 's3', 's1'],
    );
    assert.equal(ranked[2]!.demotedBy, 2);
  });

  it('when a source was marked wrong once, then it keeps its place', () => {
    const ranked = demote([candidate('s1', 0.033), candidate('s2', 0.032)], new Map([['s1', 1]]), policy);
    assert.deepEqual(
      ranked.map((c) => c.id),
      ['s1', 's2'],
    );
    assert.equal(ranked[0]!.demotedBy, undefined);
  });

  it('cosine similarity', () => {
    assert.equal(cosineSimilarity([1, 0], [1, 0]), 1);
    assert.equal(cosineSimilarity([1, 0], [0, 1]), 0);
    assert.equal(cosineSimilarity([1, 0], [1]), 0);
  });
});

describe('citations', () => {
  it('when every citation is a given id, then the answer stands, duplicates collapsed', () => {
    assert.deepEqual(judgeCitations(['p:1', 'c:2', 'p:1'], ['p:1', 'c:2', 'p:3']), { kind: 'answered', citations: ['p:1', 'c:2'] });
  });

  it('when a citation is not a given id, then the answer is refused', () => {
    assert.deepEqual(judgeCitations(['p:1', 'p:9'], ['p:1']), { kind: 'invalid-citations', invalid: ['p:9'] });
  });

  it('when nothing is cited, then the answer is unsupported', () => {
    assert.equal(judgeCitations([], ['p:1']).kind, 'unsupported');
  });
});

describe('evaluation measures', () => {
  it('recall@k, citation precision and not-found correctness', () => {
    assert.equal(recallAt(['a', 'x', 'b', 'y', 'z', 'c'], ['a', 'b', 'c'], 5), 2 / 3);
    assert.equal(citationPrecision(['a', 'x'], ['a', 'b']), 0.5);
    assert.equal(citationPrecision([], ['a']), undefined);
    assert.equal(notFoundCorrect(false, []), true); // nothing found, nothing expected
    assert.equal(notFoundCorrect(true, []), false); // "found" something for an unanswerable question
    assert.equal(notFoundCorrect(false, ['a']), false);
    assert.equal(notFoundCorrect(true, ['a']), true);
  });
});

describe('cost and ETA', () => {
  const config = loadConfig({
    LLM_PRICE_TABLE: 'big=0.01/0.03, small=0.001/0.002',
    LLM_PRICE_INPUT_PER_1K: '0.5',
    LLM_PRICE_OUTPUT_PER_1K: '1',
  });
  const prices = {
    models: config.LLM_PRICE_TABLE,
    fallback: [config.LLM_PRICE_INPUT_PER_1K, config.LLM_PRICE_OUTPUT_PER_1K] as [number, number],
  };

  it('prices tokens per model from the table, others at the fallback prices', () => {
    assert.deepEqual(config.LLM_PRICE_TABLE, { big: [0.01, 0.03], small: [0.001, 0.002] });
    const cost = costUsd(prices, [
      { model: 'big', promptTokens: 2000, completionTokens: 1000 },
      { model: 'other', promptTokens: 1000, completionTokens: 0 },
    ]);
    assert.equal(cost, 0.02 + 0.03 + 0.5);
  });

  it('refuses a malformed price table, naming the variable', () => {
    assert.throws(() => loadConfig({ LLM_PRICE_TABLE: 'big=cheap' }), /LLM_PRICE_TABLE/);
  });

  it('ETA: remaining units at the slowest observed stage rate; projected cost scales per unit', () => {
    const estimate = estimateRun({
      total: 100,
      finished: 20,
      uses: [{ model: 'small', promptTokens: 10_000, completionTokens: 5_000 }],
      stages: [
        { stage: 'fetch', done: 40, elapsedSeconds: 60 },
        { stage: 'enhance', done: 20, elapsedSeconds: 60 },
      ],
      prices,
    });
    assert.deepEqual(estimate.stageRates, { fetch: 40, enhance: 20 });
    assert.equal(estimate.etaSeconds, 240); // 80 left at 20 per minute
    assert.equal(estimate.costUsd, 0.02);
    assert.equal(estimate.projectedCostUsd, 0.1);
    assert.deepEqual(estimate.tokens, { prompt: 10_000, completion: 5_000 });
  });

  it('no observation yet: no ETA; nothing left: ETA 0', () => {
    assert.equal(estimateRun({ total: 5, finished: 0, uses: [], stages: [], prices }).etaSeconds, undefined);
    assert.equal(estimateRun({ total: 5, finished: 5, uses: [], stages: [], prices }).etaSeconds, 0);
  });
});

describe('seeded simulation: readers flag a wrong source, the ranking learns it for that topic only', () => {
  // Questions on two topics (noisy copies of two directions); on topic A the top-ranked source
  // "bad" is wrong and readers flag it with probability 0.7; "good" is the known best answer.
  const random = seededRandom(12);
  const dims = 16;
  const unit = (v: number[]) => {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  const direction = () => unit(Array.from({ length: dims }, () => random() - 0.5));
  const topicA = direction();
  const topicB = direction();
  const ask = (topic: number[]) => unit(topic.map((x) => x + (random() - 0.5) * 0.15));
  const retrieved = (): Candidate[] => [candidate('bad', 2 / 61), candidate('good', 2 / 62), candidate('other', 1 / 63)];
  const config = {
    ANSWERS_MIN_SIMILARITY: 0.3,
    ANSWERS_MAX_SOURCES: 1,
    ANSWERS_SIMILAR_QUESTION: 0.8,
    ANSWERS_DEMOTE_AFTER: 2,
    ANSWERS_DEMOTION_PENALTY: 0.25,
  };

  it('stops citing the flagged source on topic A after it was flagged on two answers, and keeps it on topic B', () => {
    const marks: WrongSourceMark[] = [];
    const citedOnA: string[] = [];
    for (let i = 0; i < 30; i++) {
      const question = ask(topicA);
      const { sources } = rankSources(retrieved(), question, marks, config);
      const cited = sources[0]!.id;
      citedOnA.push(cited);
      if (cited === 'bad' && random() < 0.7) marks.push({ sourceId: 'bad', answerId: `a${i}`, questionEmbedding: question });
    }
    const lastBad = citedOnA.lastIndexOf('bad');
    const flaggedAnswers = new Set(marks.map((mark) => mark.answerId)).size;
    assert.equal(flaggedAnswers, 2, 'flagging stops once the source is demoted');
    assert.ok(lastBad < 10, `"bad" was still cited at question ${lastBad}`);
    assert.ok(citedOnA.slice(lastBad + 1).every((id) => id === 'good'));

    for (let i = 0; i < 10; i++) {
      assert.equal(rankSources(retrieved(), ask(topicB), marks, config).sources[0]!.id, 'bad', 'topic B has no flags');
    }
  });
});
