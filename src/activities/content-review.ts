// Content review activities: revisions (written by the author or drafted by the LLM), the
// automatic checks, the audit trail, and indexing approved content for later duplicate checks.
// Texts are read from PostgreSQL by (content, revision); only small results go back to history.
import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import type { AiRef, ContentEvent, ContentRef, DuplicateCheck, RevisionRef, SensitiveCheck, StyleCheck } from '../content/model';
import type { Lexicons } from '../content/lexicons';
import { permanent } from '../errors';
import { ContentFailure } from '../content/model';
import * as store from '../content/store';
import { LlmErrorType } from '../llm/error-types';
import { esIndices } from '../stores/elasticsearch';
import type { ActivityDeps } from './deps';
import { runDecided, type DecisionRef } from './learning';
import { callContext } from './llm';

export interface RecordRevisionInput extends RevisionRef {
  title: string;
  bodyKey: string;
  authorId: string;
  comment?: string;
}

export interface DraftInput extends ContentRef {
  authorId: string;
  /** 1 for the first draft; a later one when a rolled-back version's draft is redrafted. */
  revision?: number;
  /** The learning loop's decision for the call (version, model, temperature); absent in runs from before drafts took decisions. */
  decision?: DecisionRef;
  brief?: string;
  productId?: string;
  tone: string;
  maxWords: number;
}

async function loadRevision(pg: Pool, ref: RevisionRef) {
  const found = await store.loadRevision(pg, ref);
  if (!found) throw permanent(ContentFailure.RevisionNotFound, `no revision ${ref.revision} of content ${ref.contentId}`);
  return found;
}

export function createContentReviewActivities(deps: Pick<ActivityDeps, 'pg' | 'es' | 'llm' | 'blobs' | 'config'> & { lexicons: Lexicons }) {
  const { pg, es, llm, blobs, config, lexicons } = deps;
  const documents = esIndices(config).documents;

  const insertRevision = (input: Parameters<typeof store.insertRevision>[1]) => store.insertRevision(pg, input);

  return {
    /** Stores a revision the author wrote (its body was put in the blob store by the API). */
    async recordRevision(input: RecordRevisionInput): Promise<void> {
      const body = (await blobs.get(input.bodyKey)).toString('utf8');
      await insertRevision({ ...input, body });
    },

    /** Drafts a revision (the first, or a redraft) with the LLM from a brief and/or a stored product. */
    async draftContent(input: DraftInput): Promise<{ revision: number; title: string; ai: AiRef }> {
      const { decision, ...draft } = input;
      const revision = draft.revision ?? 1;
      const existing = await store.findAiDraft(pg, input.tenantId, input.contentId, revision);
      if (existing) return { revision, title: existing.title, ai: existing.ai };

      const parts = input.brief ? [input.brief] : [];
      if (input.productId) {
        const { rows } = await pg.query<{ name: string; description: string | null; brand: string | null; category: string | null }>(
          'SELECT name, description, brand, category FROM products WHERE product_id = $1 AND tenant_id = $2',
          [input.productId, input.tenantId],
        );
        if (!rows[0]) throw permanent(ContentFailure.ProductNotFound, `no product ${input.productId} for this tenant`);
        const p = rows[0];
        parts.push(`Product: ${p.name}${p.brand ? ` by ${p.brand}` : ''}${p.category ? ` (${p.category})` : ''}. ${p.description ?? ''}`);
      }
      if (parts.length === 0) throw permanent(ContentFailure.EmptyBrief, 'a draft needs a brief or a product');
      const result = await runDecided(
        { llm, pg },
        'draft',
        { brief: parts.join('\n'), tone: input.tone, maxWords: input.maxWords },
        callContext(input.tenantId),
        decision,
      );
      const ai: AiRef = {
        model: result.ai.model,
        promptVersion: result.ai.promptVersion,
        callId: result.ai.callId,
        ...(decision ? { decisionId: decision.decisionId } : {}),
      };
      await insertRevision({ ...draft, revision, title: result.output.title, body: result.output.body, ai });
      return { revision, title: result.output.title, ai };
    },

    async checkStyle(ref: RevisionRef): Promise<StyleCheck> {
      const { title, body, locale } = await loadRevision(pg, ref);
      try {
        const result = await llm.runTask('styleCheck', { title, body, locale }, callContext(ref.tenantId));
        return { score: result.output.score, issues: result.output.issues, model: result.ai.model, promptVersion: result.ai.promptVersion };
      } catch (error) {
        // A model that cannot give a valid verdict must not block the review: a human looks instead.
        const type = (error as { type?: string }).type;
        if (type === LlmErrorType.InvalidOutput || type === LlmErrorType.ContentRefused) return { issues: [], unavailable: type };
        throw error;
      }
    },

    async checkSensitiveWords(ref: RevisionRef): Promise<SensitiveCheck> {
      const { title, body, locale } = await loadRevision(pg, ref);
      const matches = await lexicons.scan(`${title}\n${body}`, locale);
      if (!config.CONTENT_MODERATION) return { matches };
      const flagged = await llm.moderate(`${title}\n${body}`, callContext(ref.tenantId));
      return { matches, moderation: flagged };
    },

    /** Nearest already indexed content of the same tenant, by embedding similarity. */
    async checkDuplicate(ref: RevisionRef): Promise<DuplicateCheck> {
      const { title, body } = await loadRevision(pg, ref);
      const [vector] = await llm.embed([`${title}\n${body}`.slice(0, 4_000)], callContext(ref.tenantId));
      const result = await es.search<{ docId: string; title: string }>({
        index: documents,
        size: 1,
        _source: ['docId', 'title'],
        knn: {
          field: 'embedding',
          query_vector: vector!,
          k: 1,
          num_candidates: 50,
          filter: {
            bool: {
              filter: [{ term: { tenantId: ref.tenantId } }, { term: { kind: 'content' } }],
              must_not: [{ term: { docId: ref.contentId } }],
            },
          },
        },
      });
      const hit = result.hits.hits[0];
      if (!hit?._source || hit._score == null) return { score: 0 };
      // Elasticsearch scores cosine similarity as (1 + cos) / 2.
      const score = Math.max(0, Math.round((2 * hit._score - 1) * 1000) / 1000);
      return { score, nearest: { contentId: hit._source.docId, title: hit._source.title } };
    },

    /** One transition: the content's current state in content_items and a row in the audit trail. */
    async recordContentEvent(event: ContentEvent): Promise<void> {
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? 'none';
      await store.applyContentEvent(pg, event, workflowId);
    },

    /** Approved content becomes searchable and the reference for later near-duplicate checks. */
    async indexContent(ref: RevisionRef & { ai?: AiRef }): Promise<void> {
      const { title, body } = await loadRevision(pg, ref);
      const [vector] = await llm.embed([`${title}\n${body}`.slice(0, 4_000)], callContext(ref.tenantId));
      await es.index({
        index: documents,
        id: `content:${ref.tenantId}:${ref.contentId}`,
        document: {
          docId: ref.contentId,
          tenantId: ref.tenantId,
          kind: 'content',
          title,
          text: body,
          embedding: vector,
          ai: ref.ai ? { generated: true, model: ref.ai.model, promptVersion: ref.ai.promptVersion, callId: ref.ai.callId } : undefined,
          updatedAt: new Date().toISOString(),
        },
        // No forced refresh: the next duplicate check sees it within the index refresh interval (1 s).
      });
    },

    /** Outcome of a review for the learning loop: which model / prompt produced accepted text. */
    async recordReviewFeedback(
      input: ContentRef & { feedbackKey: string; ai?: AiRef; signal: string; value: number; detail?: Record<string, unknown> },
    ) {
      await pg.query(
        `INSERT INTO learning_feedback (feedback_key, tenant_id, subject_kind, subject_id, model, prompt_version, signal, value, detail)
         VALUES ($1, $2, 'content', $3, $4, $5, $6, $7, $8) ON CONFLICT (feedback_key) DO NOTHING`,
        [
          input.feedbackKey,
          input.tenantId,
          input.contentId,
          input.ai?.model ?? null,
          input.ai?.promptVersion ?? null,
          input.signal,
          input.value,
          input.detail ?? {},
        ],
      );
    },
  };
}

export type ContentReviewActivities = ReturnType<typeof createContentReviewActivities>;
