// Answer activities: retrieval (embed the question, hybrid search, feedback demotion, relevance
// threshold), the cited answer from the LLM, and storing the outcome. Each reads and writes the
// interaction row by its id, so workflow history carries ids, never source texts.
import { permanent } from '../errors';
import { rankSources, retrieve } from '../answers/retrieval';
import { judgeCitations } from '../answers/rules';
import { createAnswerStore, type AiRef, type StoredSource } from '../answers/store';
import { costUsd, priceTable } from '../costs/estimate';
import type { ActivityDeps } from './deps';
import { runDecided, type DecisionRef } from './learning';
import { callContext } from './llm';

export interface RetrievalOutcome {
  found: boolean;
  sourceIds: string[];
}

export interface ComposedAnswer {
  outcome: 'answered' | 'unsupported';
  answer?: string;
  citations: string[];
  note?: string;
  ai: AiRef;
  promptTokens: number;
  completionTokens: number;
}

/** How many candidates beyond the selected ones are kept with the interaction (for inspection). */
const KEEP_CANDIDATES = 20;

export function createAnswerActivities({ pg, es, llm, config }: Pick<ActivityDeps, 'pg' | 'es' | 'llm' | 'config'>) {
  const store = createAnswerStore(pg);

  async function interaction(answerId: string) {
    const found = await store.question(answerId);
    if (!found) throw permanent('AnswerNotFound', `no answer interaction ${answerId}`);
    return found;
  }

  return {
    async retrieveAnswerSources({ answerId }: { answerId: string }): Promise<RetrievalOutcome> {
      const asked = await interaction(answerId);
      if (asked.status !== 'retrieving') {
        // A retry after the row was written: the stored retrieval is the outcome.
        const sourceIds = asked.retrieved.filter((source) => source.selected).map((source) => source.id);
        return { found: sourceIds.length > 0, sourceIds };
      }
      const started = Date.now();
      const [vector] = await llm.embed([asked.question], callContext(asked.tenantId));
      const { candidates, docs } = await retrieve({ es, config }, asked.tenantId, asked.question, vector!);
      const { ranked, found, sources } = rankSources(candidates, vector!, await store.wrongSourceMarks(asked.tenantId), config);
      const selected = new Set(sources.map((source) => source.id));
      // The best candidates, and every demoted one: the record shows what feedback pushed down.
      const kept = ranked.filter(
        (candidate, rank) => rank < KEEP_CANDIDATES || selected.has(candidate.id) || candidate.demotedBy !== undefined,
      );
      const retrieved: StoredSource[] = kept.map((candidate) => {
        const doc = docs.get(candidate.id)!;
        return {
          id: candidate.id,
          kind: doc.kind,
          title: doc.title,
          ...(doc.link ? { link: doc.link } : {}),
          score: Math.round(candidate.score * 1e6) / 1e6,
          similarity: candidate.similarity,
          ranks: candidate.ranks,
          ...(candidate.demotedBy !== undefined ? { demotedBy: candidate.demotedBy } : {}),
          selected: selected.has(candidate.id),
          ...(selected.has(candidate.id) ? { text: doc.text } : {}),
        };
      });
      await store.recordRetrieval(answerId, { questionEmbedding: vector!, retrieved, found, retrievalMs: Date.now() - started });
      return { found, sourceIds: [...selected] };
    },

    /** The model's answer from the selected sources; citations checked against them. */
    async composeAnswer({ answerId, decision }: { answerId: string; decision?: DecisionRef }): Promise<ComposedAnswer> {
      const asked = await interaction(answerId);
      const sources = asked.retrieved
        .filter((source) => source.selected)
        .map((source) => ({ id: source.id, text: source.text ?? source.title }));
      if (sources.length === 0) throw permanent('NoSources', `answer ${answerId} has no selected sources`);
      // With the learning loop's decision (version, model, temperature), or the task's defaults.
      const result = await runDecided({ llm, pg }, 'answer', { question: asked.question, sources }, callContext(asked.tenantId), decision);
      const judged = judgeCitations(
        result.output.citations,
        sources.map((source) => source.id),
      );
      if (judged.kind === 'invalid-citations') {
        throw permanent('CitationOutsideSources', `the model cited ids it was not given: ${judged.invalid.join(', ')}`, {
          invalid: judged.invalid,
        });
      }
      const base = { ai: result.ai, promptTokens: result.usage.promptTokens, completionTokens: result.usage.completionTokens };
      return judged.kind === 'answered'
        ? { ...base, outcome: 'answered', answer: result.output.answer, citations: judged.citations }
        : { ...base, outcome: 'unsupported', citations: [], note: judged.reason };
    },

    async recordAnswer({ answerId, composed }: { answerId: string; composed: ComposedAnswer }): Promise<void> {
      const cost = costUsd(priceTable(config), [
        { model: composed.ai.model, promptTokens: composed.promptTokens, completionTokens: composed.completionTokens },
      ]);
      await store.recordAnswer(answerId, {
        // An answer that cites nothing is not supported by the sources: reported as not found.
        status: composed.outcome === 'answered' ? 'answered' : 'not_found',
        answer: composed.outcome === 'answered' ? composed.answer : undefined,
        citations: composed.citations,
        ai: composed.ai,
        promptTokens: composed.promptTokens,
        completionTokens: composed.completionTokens,
        costUsd: cost,
        note: composed.note,
      });
    },

    async recordAnswerFailure({ answerId, error }: { answerId: string; error: string }): Promise<void> {
      await store.recordFailure(answerId, error);
    },
  };
}

export type AnswerActivities = ReturnType<typeof createAnswerActivities>;
