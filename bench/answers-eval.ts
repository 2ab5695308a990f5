// Benchmark (not a test): retrieval and answer quality on the evaluation set (the sample shop's
// products and a few approved articles; fixtures/answers-evaluation.ts). Prints, for BM25 alone,
// kNN alone and the hybrid (RRF) actually used: recall@5, "not found" accuracy at the configured
// relevance threshold; and for the hybrid, citation precision of the model's answers.
//   npm run bench:answers -- [--no-llm] [--threshold=0.3]
import { randomUUID } from 'node:crypto';
import { citationPrecision, evaluationQuestions, notFoundCorrect, recallAt, seedEvaluationKnowledge } from '../fixtures/answers-evaluation';
import { fuse, rankSources, retrieve } from '../src/answers/retrieval';
import { judgeCitations } from '../src/answers/rules';
import { loadConfigOrExit } from '../src/config';
import { createLogger } from '../src/observability/logger';
import { openInfrastructure } from '../src/runtime/infrastructure';
import { applySchema } from '../src/schema/apply';

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN);
const pct = (value: number) => (Number.isNaN(value) ? '   n/a' : `${(value * 100).toFixed(1).padStart(5)}%`);

async function main() {
  const withLlm = !process.argv.includes('--no-llm');
  const thresholdArg = process.argv.find((arg) => arg.startsWith('--threshold='));
  const config = loadConfigOrExit(thresholdArg ? { ...process.env, ANSWERS_MIN_SIMILARITY: thresholdArg.split('=')[1] } : process.env);
  const infra = await openInfrastructure(config, createLogger('warn', 'bench'));
  try {
    await applySchema(infra);
    const tenantId = `eval-${randomUUID().slice(0, 8)}`;
    const seeded = await seedEvaluationKnowledge(infra, tenantId);
    console.log(
      `evaluation set: ${evaluationQuestions.length} questions (${evaluationQuestions.filter((q) => q.expected.length === 0).length} unanswerable) over ${seeded.products} products + ${seeded.articles} articles of tenant ${tenantId}`,
    );
    console.log(
      `relevance threshold ${config.ANSWERS_MIN_SIMILARITY} (cosine), up to ${config.ANSWERS_MAX_SOURCES} sources; model ${config.LLM_MODELS.answer ?? config.LLM_MODELS.default}\n`,
    );

    const modes = {
      bm25: (name: string) => name.endsWith(':bm25'),
      knn: (name: string) => name.endsWith(':knn'),
      hybrid: () => true,
    } as const;
    const measures = Object.fromEntries(Object.keys(modes).map((mode) => [mode, { recall: [] as number[], notFound: [] as number[] }]));
    const precisions: number[] = [];
    const similarities = { answerable: [] as number[], unanswerable: [] as number[] };
    let answered = 0;
    let uncited = 0;
    let failures = 0;

    for (const item of evaluationQuestions) {
      const [vector] = await infra.llm.embed([item.question], { tenantId });
      const retrieval = await retrieve(infra, tenantId, item.question, vector!);
      for (const [mode, keep] of Object.entries(modes)) {
        const candidates = fuse(
          retrieval.rankings.filter((ranking) => keep(ranking.name)),
          retrieval.similarities,
        );
        const { ranked, found } = rankSources(candidates, vector!, [], config);
        const m = measures[mode]!;
        if (item.expected.length > 0)
          m.recall.push(
            recallAt(
              ranked.map((c) => c.id),
              item.expected,
              5,
            ),
          );
        m.notFound.push(notFoundCorrect(found, item.expected) ? 1 : 0);
      }
      const { sources, found, ranked } = rankSources(retrieval.candidates, vector!, [], config);
      const best = Math.max(0, ...ranked.map((c) => c.similarity));
      (item.expected.length > 0 ? similarities.answerable : similarities.unanswerable).push(best);
      if (!notFoundCorrect(found, item.expected))
        console.log(`  wrong "not found" call (best similarity ${best.toFixed(3)}): ${item.question}`);
      if (!withLlm || !found) continue;
      try {
        const result = await infra.llm.runTask(
          'answer',
          { question: item.question, sources: sources.map((s) => ({ id: s.id, text: retrieval.docs.get(s.id)!.text })) },
          { tenantId },
        );
        const judged = judgeCitations(
          result.output.citations,
          sources.map((s) => s.id),
        );
        if (judged.kind !== 'answered') {
          uncited++;
          continue;
        }
        answered++;
        const precision = citationPrecision(judged.citations, item.expected);
        if (precision !== undefined) precisions.push(precision);
      } catch (error) {
        failures++;
        console.log(`  answer failed for "${item.question}": ${(error as Error).message.slice(0, 120)}`);
      }
    }

    console.log('retrieval      recall@5   "not found" accuracy');
    for (const [mode, m] of Object.entries(measures))
      console.log(`${mode.padEnd(12)}   ${pct(mean(m.recall))}     ${pct(mean(m.notFound))}`);
    console.log(
      `\nbest similarity: answerable mean ${mean(similarities.answerable).toFixed(3)} (min ${Math.min(...similarities.answerable).toFixed(3)}), unanswerable mean ${mean(similarities.unanswerable).toFixed(3)} (max ${Math.max(...similarities.unanswerable).toFixed(3)})`,
    );
    if (withLlm) {
      console.log(`\nanswers (hybrid): ${answered} answered with citations, ${uncited} cited nothing, ${failures} failed`);
      console.log(`citation precision ${pct(mean(precisions))} (share of cited ids that the set expects, over answered questions)`);
    }
  } finally {
    await infra.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
