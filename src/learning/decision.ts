// The decision engine: for one model call (task, tenant, priority), which prompt version,
// model, temperature and task-queue priority to use, and why. Pure: everything it reads is
// passed in (labels, the running experiment's allocation, the tenant's budget, recent outcome
// figures), and the one random number comes from the caller, so a decision can be tested,
// benchmarked and recorded as it was made.
import { pickByShare } from './bandit';

/** The subject a product item's decisions record, so a rollback can find the items to re-run. */
export const PRODUCT_SUBJECT_PREFIX = 'product-item:';
export const productItemSubject = (listId: string, itemKey: string) => `${PRODUCT_SUBJECT_PREFIX}${listId}/${itemKey}`;
/** The subject a content draft's decision records. */
export const contentSubject = (contentId: string) => `content:${contentId}`;

export const PRIORITIES = ['interactive', 'normal', 'batch'] as const;
export type CallPriority = (typeof PRIORITIES)[number];

export interface VersionConfig {
  version: string;
  /** undefined = the task's configured model. */
  model?: string;
  temperature: number;
  maxTokens: number;
}

/** Recent figures of one version (from settled decisions). */
export interface VersionFigures {
  calls: number;
  invalidFirstTryRate: number;
  p95LatencyMs: number;
}

export interface DecisionContext {
  production: VersionConfig;
  experiment?: { experimentId: string; allocation: Record<string, number>; versions: Record<string, VersionConfig> };
  /** The tenant's token budget; undefined = no limit. */
  budget?: { limit: number; used: number };
  figures: Record<string, VersionFigures>;
  /** The task's configured model, for versions that do not name one. */
  defaultModel: string;
  rules: DecisionRules;
}

export interface DecisionRules {
  /** Interactive calls avoid a version whose recent p95 latency is above this. */
  latencyTargetMs: number;
  /** Below this share of budget left, no exploration and the lowest queue priority. */
  lowBudgetShare: number;
  /** Outside experiments, a version whose recent first answers are invalid this often samples cooler. */
  coolDownInvalidRate: number;
  coolDownMinCalls: number;
  coolDownStep: number;
}

export const defaultDecisionRules: DecisionRules = {
  latencyTargetMs: 10_000,
  lowBudgetShare: 0.1,
  coolDownInvalidRate: 0.2,
  coolDownMinCalls: 20,
  coolDownStep: 0.2,
};

export interface Decision {
  task: string;
  promptVersion: string;
  model: string;
  temperature: number;
  maxTokens: number;
  /** Temporal task-queue priority key: 1 goes first, 5 last. */
  priorityKey: number;
  experimentId?: string;
  /** The arm's version when the call is part of an experiment. */
  arm?: string;
  reasons: string[];
}

const PRIORITY_KEYS: Record<CallPriority, number> = { interactive: 1, normal: 3, batch: 4 };

export function decide(request: { task: string; priority: CallPriority }, context: DecisionContext, u: number): Decision {
  const { rules } = context;
  const reasons: string[] = [];
  let chosen = context.production;
  let experimentId: string | undefined;
  let arm: string | undefined;
  reasons.push(`production label → ${chosen.version}`);

  const budgetLeft = context.budget ? Math.max(0, 1 - context.budget.used / Math.max(context.budget.limit, 1)) : 1;
  const budgetLow = context.budget !== undefined && budgetLeft < rules.lowBudgetShare;

  if (context.experiment) {
    const { allocation } = context.experiment;
    if (budgetLow) {
      reasons.push(`budget low (${pct(budgetLeft)} left): no exploration, production`);
    } else {
      const picked = pickByShare(allocation, u);
      const version = context.experiment.versions[picked];
      const slow = context.figures[picked];
      if (version && picked !== chosen.version && request.priority === 'interactive' && slow && slow.p95LatencyMs > rules.latencyTargetMs) {
        reasons.push(
          `experiment ${context.experiment.experimentId} picked ${picked}, but its p95 ${slow.p95LatencyMs} ms exceeds the ${rules.latencyTargetMs} ms target for interactive calls: production`,
        );
      } else if (version) {
        chosen = version;
        experimentId = context.experiment.experimentId;
        arm = picked;
        reasons.push(`experiment ${experimentId}: allocation ${formatShares(allocation)} → ${picked}`);
      }
    }
  }

  let temperature = chosen.temperature;
  const figures = context.figures[chosen.version];
  if (
    !experimentId &&
    figures &&
    figures.calls >= rules.coolDownMinCalls &&
    figures.invalidFirstTryRate > rules.coolDownInvalidRate &&
    temperature > 0
  ) {
    temperature = round2(Math.max(0, temperature - rules.coolDownStep));
    reasons.push(
      `recent invalid first answers ${pct(figures.invalidFirstTryRate)} over ${figures.calls} calls: temperature ${chosen.temperature} → ${temperature}`,
    );
  }

  let priorityKey = PRIORITY_KEYS[request.priority];
  if (budgetLow) {
    priorityKey = 5;
    reasons.push('budget low: lowest queue priority');
  } else {
    reasons.push(`${request.priority} call: queue priority ${priorityKey}`);
  }

  return {
    task: request.task,
    promptVersion: chosen.version,
    model: chosen.model ?? context.defaultModel,
    temperature,
    maxTokens: chosen.maxTokens,
    priorityKey,
    experimentId,
    arm,
    reasons,
  };
}

const pct = (share: number) => `${Math.round(share * 100)}%`;
const round2 = (value: number) => Math.round(value * 100) / 100;
const formatShares = (allocation: Record<string, number>) =>
  Object.entries(allocation)
    .map(([version, share]) => `${version} ${pct(share)}`)
    .join(', ');
