// The content-review domain: statuses, check results, the risk score that routes a text to
// auto-approval, one reviewer or two, and the review policy (thresholds, SLA durations).
// Pure and deterministic: the workflow imports it, so no I/O and no Node built-ins here.
import type { Platform } from '../publishing/adapter';

export type ReviewStatus = 'drafting' | 'checking' | 'pending' | 'changes-requested' | 'approved' | 'rejected' | 'expired' | 'failed';
/** Where the content is after review. */
export type ContentStage = 'review' | 'scheduled' | 'publishing' | 'monitoring' | 'completed' | 'closed';
export type ReviewDecision = 'approve' | 'reject' | 'request-changes';
export type ReviewRoute = 'auto' | 'one-reviewer' | 'two-reviewers';

/** Statuses after which no review or revision is accepted. */
export const FINAL_REVIEW_STATUSES: readonly ReviewStatus[] = ['approved', 'rejected', 'expired', 'failed'];

export interface StyleCheck {
  /** 1 = flawless; undefined when the model could not give a valid answer. */
  score?: number;
  issues: { kind: string; excerpt: string; suggestion: string }[];
  model?: string;
  promptVersion?: string;
  unavailable?: string;
}

export interface SensitiveCheck {
  matches: { term: string; locale: string; severity: 'block' | 'flag' }[];
  /** Categories flagged by the provider's moderation endpoint, when it is enabled. */
  moderation?: { flagged: boolean; categories: string[] };
}

export interface DuplicateCheck {
  /** Cosine similarity to the nearest already indexed content of the tenant (0..1). */
  score: number;
  nearest?: { contentId: string; title: string };
}

export interface CheckResults {
  style: StyleCheck;
  sensitive: SensitiveCheck;
  duplicate: DuplicateCheck;
}

export interface RiskAssessment {
  score: number;
  route: ReviewRoute;
  requiredApprovals: 0 | 1 | 2;
  reasons: string[];
}

export type ExpiryPolicy = 'expire' | 'auto-approve';

export interface ReviewPolicy {
  /** Risk below this is approved without a reviewer. */
  autoApproveBelow: number;
  /** Risk at or above this needs two distinct reviewers. */
  twoReviewersAtOrAbove: number;
  reminderAfterMs: number;
  escalateAfterMs: number;
  expireAfterMs: number;
  /** At expiry: close as expired, or approve when the route needed a single reviewer. */
  expiryPolicy: ExpiryPolicy;
  /** Reviewer pool that new reviews are assigned to (round robin by content id). */
  reviewers: string[];
  /** Who an overdue review is reassigned to. */
  escalateTo: string;
  /** Offsets after publishing at which metrics are collected. */
  monitorAfterMs: number[];
}

/** How much each finding adds to the risk score; the sum is capped at 1. */
const WEIGHTS = {
  blockedTerm: 0.6,
  flaggedTerm: 0.25,
  moderationFlag: 0.6,
  nearDuplicate: 0.6,
  similar: 0.3,
  styleUnavailable: 0.25,
  stylePerPoint: 0.4,
  aiGenerated: 0.1,
} as const;
export const NEAR_DUPLICATE_AT = 0.92;
export const SIMILAR_AT = 0.8;

export function assessRisk(
  checks: CheckResults,
  aiGenerated: boolean,
  policy: Pick<ReviewPolicy, 'autoApproveBelow' | 'twoReviewersAtOrAbove'>,
): RiskAssessment {
  const reasons: string[] = [];
  let score = 0;
  const add = (weight: number, reason: string) => {
    score += weight;
    reasons.push(reason);
  };
  for (const match of checks.sensitive.matches) {
    add(match.severity === 'block' ? WEIGHTS.blockedTerm : WEIGHTS.flaggedTerm, `sensitive term "${match.term}" (${match.severity})`);
  }
  if (checks.sensitive.moderation?.flagged) add(WEIGHTS.moderationFlag, `moderation: ${checks.sensitive.moderation.categories.join(', ')}`);
  const nearest = checks.duplicate.nearest ? ` of ${checks.duplicate.nearest.contentId}` : '';
  if (checks.duplicate.score >= NEAR_DUPLICATE_AT)
    add(WEIGHTS.nearDuplicate, `near-duplicate${nearest} (${checks.duplicate.score.toFixed(2)})`);
  else if (checks.duplicate.score >= SIMILAR_AT) add(WEIGHTS.similar, `similar${nearest} (${checks.duplicate.score.toFixed(2)})`);
  if (checks.style.score === undefined)
    add(WEIGHTS.styleUnavailable, `style check unavailable: ${checks.style.unavailable ?? 'no answer'}`);
  else if (checks.style.score < 1) {
    const weight = WEIGHTS.stylePerPoint * (1 - checks.style.score);
    if (weight >= 0.05) add(weight, `style score ${checks.style.score.toFixed(2)}`);
  }
  if (aiGenerated) add(WEIGHTS.aiGenerated, 'AI-generated text');

  score = Math.min(1, Math.round(score * 1000) / 1000);
  if (score < policy.autoApproveBelow) return { score, route: 'auto', requiredApprovals: 0, reasons };
  if (score >= policy.twoReviewersAtOrAbove) return { score, route: 'two-reviewers', requiredApprovals: 2, reasons };
  return { score, route: 'one-reviewer', requiredApprovals: 1, reasons };
}

/** Deterministic reviewer choice: the pool rotated by a hash of the content id. */
export function assignReviewers(contentId: string, pool: string[], count: number): string[] {
  if (pool.length === 0) return [];
  let hash = 0;
  for (const char of contentId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return Array.from({ length: Math.min(count, pool.length) }, (_, i) => pool[(hash + i) % pool.length]!);
}

export interface Reviewer {
  userId: string;
  tenantId: string;
  roles: string[];
}

export interface ReviewRequest {
  reviewer: Reviewer;
  decision: ReviewDecision;
  comment?: string;
}

export interface ReviewOutcome {
  status: ReviewStatus;
  approvals: number;
  requiredApprovals: number;
}

export interface RevisionRequest {
  author: Reviewer;
  title: string;
  /** Blob-store key of the new body: texts travel as keys, not through history. */
  bodyKey: string;
  comment?: string;
}

export interface RevisionOutcome {
  revision: number;
  status: ReviewStatus;
  risk?: RiskAssessment;
}

export interface DeadlineExtension {
  actor: Reviewer;
  dueAt: string;
  reason: string;
}

export interface DecisionRecord {
  reviewer: string;
  decision: ReviewDecision;
  comment?: string;
  revision: number;
  at: string;
}

export interface PublicationState {
  platform: Platform;
  status: 'waiting' | 'published' | 'failed';
  externalId?: string;
  url?: string;
  error?: { type: string; message: string };
}

/** What the workflow's `status` query answers (no texts: they live in PostgreSQL). */
export interface ContentSnapshot {
  contentId: string;
  tenantId: string;
  authorId: string;
  status: ReviewStatus;
  stage: ContentStage;
  revision: number;
  title: string;
  aiGenerated: boolean;
  checks?: CheckResults;
  risk?: RiskAssessment;
  approvals: string[];
  decisions: DecisionRecord[];
  assignee?: string;
  dueAt?: string;
  reminded: boolean;
  escalated: boolean;
  publishAt?: string;
  publications: PublicationState[];
  metricsCollected: string[];
}

// ---- references and events that travel between the workflow and its activities ----

export interface ContentRef {
  tenantId: string;
  contentId: string;
}

export interface RevisionRef extends ContentRef {
  revision: number;
}

export interface AiRef {
  model: string;
  promptVersion: string;
  callId: string;
  /** The learning loop's decision that chose the version (drafts since drafts take decisions). */
  decisionId?: string;
}

export interface ContentEvent extends ContentRef {
  /** Unique per transition (workflow id + sequence), so a retried write is applied once. */
  eventKey: string;
  actor: string;
  action: string;
  fromStatus?: ReviewStatus;
  toStatus?: ReviewStatus;
  stage?: ContentStage;
  revision?: number;
  ai?: AiRef;
  checks?: CheckResults;
  risk?: RiskAssessment;
  assignee?: string | null;
  dueAt?: string | null;
  detail?: Record<string, unknown>;
}

/** Failure types the content activities raise (non-retryable). */
export const ContentFailure = {
  RevisionNotFound: 'RevisionNotFound',
  ProductNotFound: 'ProductNotFound',
  EmptyBrief: 'EmptyBrief',
} as const;

/** Refusal types raised by the Update validators; the API maps them to HTTP statuses. */
export const REFUSALS = {
  NotAReviewer: 403,
  NotTheAuthor: 403,
  SelfReview: 403,
  WrongTenant: 403,
  CommentRequired: 400,
  InvalidDeadline: 400,
  ReviewClosed: 409,
  ReviewExpired: 409,
  NotAwaitingReview: 409,
  SameReviewerTwice: 409,
  ChecksRunning: 409,
} as const;
export type RefusalType = keyof typeof REFUSALS;

/** Checkpoint label of a monitoring offset: 1h, 24h, 7d, 90s … */
export function checkpointLabel(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1_000, 's'],
  ];
  for (const [size, unit] of units) if (ms % size === 0 && ms >= size) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
