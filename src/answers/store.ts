// The answers aggregate in PostgreSQL: interactions (question, retrieved sources with scores,
// answer, model, prompt version, latency, cost) and the feedback on them. This module owns
// the SQL; the API, the activities and the bench call it.
import type { Pool } from 'pg';
import type { WrongSourceMark } from './rules';
import type { SourceKind } from './sources';

export type AnswerStatus = 'retrieving' | 'answering' | 'answered' | 'not_found' | 'failed';

/** A retrieved candidate as stored: `selected` ones went to the model. */
export interface StoredSource {
  id: string;
  kind: SourceKind;
  title: string;
  link?: string;
  score: number;
  similarity: number;
  ranks: Record<string, number>;
  demotedBy?: number;
  selected: boolean;
  /** The text the model was given (selected sources only). */
  text?: string;
}

export interface AiRef {
  generated: true;
  model: string;
  promptVersion: string;
  callId: string;
  generatedAt: string;
}

interface InteractionRow {
  answer_id: string;
  tenant_id: string;
  asked_by: string;
  question: string;
  status: AnswerStatus;
  retrieved: StoredSource[];
  answer: string | null;
  citations: string[];
  ai: AiRef | null;
  model: string | null;
  prompt_version: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: string;
  retrieval_ms: number | null;
  latency_ms: number | null;
  error: string | null;
  workflow_id: string;
  created_at: Date;
  completed_at: Date | null;
}

export type Verdict = 'helpful' | 'not_helpful' | 'wrong_source';

export function createAnswerStore(pg: Pool) {
  return {
    async create(input: { answerId: string; tenantId: string; askedBy: string; question: string; workflowId: string }): Promise<boolean> {
      const inserted = await pg.query(
        `INSERT INTO answer_interactions (answer_id, tenant_id, asked_by, question, workflow_id) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (answer_id) DO NOTHING`,
        [input.answerId, input.tenantId, input.askedBy, input.question, input.workflowId],
      );
      return inserted.rowCount === 1;
    },

    /** The interaction, only within its tenant (another tenant's answer does not exist). */
    async get(tenantId: string, answerId: string): Promise<InteractionRow | undefined> {
      const { rows } = await pg.query<InteractionRow>('SELECT * FROM answer_interactions WHERE answer_id = $1 AND tenant_id = $2', [
        answerId,
        tenantId,
      ]);
      return rows[0];
    },

    async question(
      answerId: string,
    ): Promise<{ tenantId: string; question: string; status: AnswerStatus; retrieved: StoredSource[] } | undefined> {
      const { rows } = await pg.query<{ tenant_id: string; question: string; status: AnswerStatus; retrieved: StoredSource[] }>(
        'SELECT tenant_id, question, status, retrieved FROM answer_interactions WHERE answer_id = $1',
        [answerId],
      );
      const row = rows[0];
      return row && { tenantId: row.tenant_id, question: row.question, status: row.status, retrieved: row.retrieved };
    },

    /** Retrieval done: the candidates with their scores, and whether the model is asked at all. */
    async recordRetrieval(
      answerId: string,
      input: { questionEmbedding: number[]; retrieved: StoredSource[]; found: boolean; retrievalMs: number },
    ) {
      await pg.query(
        `UPDATE answer_interactions
            SET question_embedding = $2, retrieved = $3, retrieval_ms = $4,
                status = CASE WHEN $5 THEN 'answering' ELSE 'not_found' END,
                completed_at = CASE WHEN $5 THEN NULL ELSE now() END,
                latency_ms = CASE WHEN $5 THEN NULL ELSE (EXTRACT(EPOCH FROM now() - created_at) * 1000)::int END
          WHERE answer_id = $1 AND status = 'retrieving'`,
        [answerId, input.questionEmbedding, JSON.stringify(input.retrieved), input.retrievalMs, input.found],
      );
    },

    async recordAnswer(
      answerId: string,
      input: {
        status: 'answered' | 'not_found';
        answer?: string;
        citations: string[];
        ai: AiRef;
        promptTokens: number;
        completionTokens: number;
        costUsd: number;
        note?: string;
      },
    ) {
      await pg.query(
        `UPDATE answer_interactions
            SET status = $2, answer = $3, citations = $4, ai = $5, model = $6, prompt_version = $7,
                prompt_tokens = $8, completion_tokens = $9, cost_usd = $10, error = $11, completed_at = now(),
                latency_ms = (EXTRACT(EPOCH FROM now() - created_at) * 1000)::int
          WHERE answer_id = $1 AND status = 'answering'`,
        [
          answerId,
          input.status,
          input.answer ?? null,
          input.citations,
          JSON.stringify(input.ai),
          input.ai.model,
          input.ai.promptVersion,
          input.promptTokens,
          input.completionTokens,
          input.costUsd,
          input.note ?? null,
        ],
      );
    },

    async recordFailure(answerId: string, error: string) {
      await pg.query(
        `UPDATE answer_interactions SET status = 'failed', error = $2, completed_at = now(),
                latency_ms = (EXTRACT(EPOCH FROM now() - created_at) * 1000)::int
          WHERE answer_id = $1 AND status IN ('retrieving', 'answering')`,
        [answerId, error.slice(0, 2_000)],
      );
    },

    /** Wrong-source marks of the tenant, with the question each was given on (latest first, capped). */
    async wrongSourceMarks(tenantId: string, limit = 2_000): Promise<WrongSourceMark[]> {
      const { rows } = await pg.query<{ source_id: string; answer_id: string; question_embedding: number[] }>(
        `SELECT f.source_id, f.answer_id, i.question_embedding
           FROM answer_feedback f JOIN answer_interactions i USING (answer_id)
          WHERE f.tenant_id = $1 AND f.verdict = 'wrong_source' AND i.question_embedding IS NOT NULL
          ORDER BY f.created_at DESC LIMIT $2`,
        [tenantId, limit],
      );
      return rows.map((row) => ({ sourceId: row.source_id, answerId: row.answer_id, questionEmbedding: row.question_embedding }));
    },

    /**
     * Stores one verdict and hands the outcome to the learning loop's records (learning_feedback,
     * keyed so that repeating the same verdict writes nothing twice), in one transaction.
     */
    async addFeedback(input: {
      answerId: string;
      tenantId: string;
      givenBy: string;
      verdict: Verdict;
      sourceId?: string;
      comment?: string;
      model: string | null;
      promptVersion: string | null;
    }) {
      const client = await pg.connect();
      try {
        await client.query('BEGIN');
        const inserted = await client.query(
          `INSERT INTO answer_feedback (answer_id, tenant_id, given_by, verdict, source_id, comment) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (answer_id, given_by, verdict, source_id) DO NOTHING`,
          [input.answerId, input.tenantId, input.givenBy, input.verdict, input.sourceId ?? '', input.comment ?? null],
        );
        const value = input.verdict === 'helpful' ? 1 : input.verdict === 'not_helpful' ? 0 : -1;
        await client.query(
          `INSERT INTO learning_feedback (feedback_key, tenant_id, subject_kind, subject_id, model, prompt_version, signal, value, detail)
           VALUES ($1, $2, 'answer', $3, $4, $5, $6, $7, $8) ON CONFLICT (feedback_key) DO NOTHING`,
          [
            `answer:${input.answerId}:${input.givenBy}:${input.verdict}:${input.sourceId ?? ''}`,
            input.tenantId,
            input.answerId,
            input.model,
            input.promptVersion,
            `answer_${input.verdict}`,
            value,
            JSON.stringify({ givenBy: input.givenBy, ...(input.sourceId ? { sourceId: input.sourceId } : {}) }),
          ],
        );
        await client.query('COMMIT');
        return { recorded: inserted.rowCount === 1 };
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    },

    async feedbackOf(answerId: string) {
      const { rows } = await pg.query<{ given_by: string; verdict: Verdict; source_id: string; created_at: Date }>(
        'SELECT given_by, verdict, source_id, created_at FROM answer_feedback WHERE answer_id = $1 ORDER BY id',
        [answerId],
      );
      return rows.map((row) => ({
        givenBy: row.given_by,
        verdict: row.verdict,
        ...(row.source_id ? { sourceId: row.source_id } : {}),
        at: row.created_at.toISOString(),
      }));
    },
  };
}

export type AnswerStore = ReturnType<typeof createAnswerStore>;
