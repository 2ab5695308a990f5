// The project's custom search attributes: what operators filter on in the Temporal UI and
// with `temporal workflow list --query`. Workflows import the keys; boot registers them.
// Budget: Temporal's SQL visibility store (the dev server's SQLite, and PostgreSQL/MySQL
// visibility in production) has at most 10 custom attributes of each type, KEYWORD included;
// tests/schema.test.ts holds the line. Reuse an attribute before adding one.
import { defineSearchAttributeKey } from '@temporalio/common';

// The dev server's SQLite visibility allows 10 Keyword attributes per namespace: reuse one
// (BusinessId is the content id of a content run) before adding another.
export const SearchAttr = {
  /** The business id the workflow id is derived from (list id, content id, check id). */
  BusinessId: defineSearchAttributeKey('BusinessId', 'KEYWORD'),
  /** Family of workflow: stack-check, product-list, product-item, content-review. */
  WorkflowKind: defineSearchAttributeKey('WorkflowKind', 'KEYWORD'),
  TenantId: defineSearchAttributeKey('TenantId', 'KEYWORD'),
  ListStatus: defineSearchAttributeKey('ListStatus', 'KEYWORD'),
  ReviewStatus: defineSearchAttributeKey('ReviewStatus', 'KEYWORD'),
  Assignee: defineSearchAttributeKey('Assignee', 'KEYWORD'),
  ReviewDueTime: defineSearchAttributeKey('ReviewDueTime', 'DATETIME'),
  RiskScore: defineSearchAttributeKey('RiskScore', 'DOUBLE'),
  Platforms: defineSearchAttributeKey('Platforms', 'KEYWORD_LIST'),
  /** Why a running workflow waits on something outside itself, e.g. `llm-budget`; empty when not. */
  PausedReason: defineSearchAttributeKey('PausedReason', 'KEYWORD'),
  /** Experiments of the learning loop: the task, running / rolled-back / promoted / stopped, the candidates' share. */
  PromptTask: defineSearchAttributeKey('PromptTask', 'KEYWORD'),
  ExperimentStatus: defineSearchAttributeKey('ExperimentStatus', 'KEYWORD'),
  CandidateShare: defineSearchAttributeKey('CandidateShare', 'DOUBLE'),
} as const;

export const allSearchAttributes = Object.values(SearchAttr);

/** Custom attributes per type that Temporal's SQL visibility stores can hold. */
export const SQL_VISIBILITY_SLOTS_PER_TYPE = 10;
