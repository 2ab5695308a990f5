// What counts as a good outcome of a model call, as one reward in [0, 1] per decision. The
// weights are configuration (LEARNING_OUTCOME_WEIGHTS, or per experiment); a component that
// is not known for a call (no review yet, no engagement) is left out rather than guessed.
import { z } from 'zod';

export const OutcomeWeights = z
  .object({
    /** Schema-valid on the first answer 1, after the repair request 0.5, invalid or failed 0. */
    schema: z.number().min(0).default(1),
    /** Reviewer decision on the text: approved 1, changes requested 0.5, rejected 0. */
    review: z.number().min(0).default(1),
    /** Automatic check score of the output (e.g. the style check), 0..1. */
    checks: z.number().min(0).default(0.5),
    /** Engagement from monitoring, saturating: 1 - exp(-interactions / engagementScale). */
    engagement: z.number().min(0).default(0.5),
    /** 1 within the latency target, target/latency beyond it. */
    latency: z.number().min(0).default(0.25),
    /** 1 - cost/costCeiling (0 at or above the ceiling). */
    cost: z.number().min(0).default(0.25),
  })
  .strict();
export type OutcomeWeights = z.infer<typeof OutcomeWeights>;
export const defaultOutcomeWeights: OutcomeWeights = OutcomeWeights.parse({});

export interface RewardTargets {
  latencyTargetMs: number;
  costCeilingUsd: number;
  engagementScale: number;
}
export const defaultRewardTargets: RewardTargets = { latencyTargetMs: 10_000, costCeilingUsd: 0.01, engagementScale: 50 };

/** What became of one decision's call (llm_decisions.outcome, plus joined feedback). */
export interface DecisionOutcome {
  /** ok = valid first answer; repaired = valid after one repair; invalid = never valid; error = no answer. */
  final: 'ok' | 'repaired' | 'invalid' | 'error';
  latencyMs: number;
  costUsd: number;
  review?: 'approved' | 'changes' | 'rejected';
  checkScore?: number;
  engagement?: number;
}

export function firstTryInvalid(outcome: DecisionOutcome): boolean {
  return outcome.final === 'repaired' || outcome.final === 'invalid';
}

export function rewardOf(
  outcome: DecisionOutcome,
  weights: OutcomeWeights = defaultOutcomeWeights,
  targets: RewardTargets = defaultRewardTargets,
): number {
  const parts: [number, number][] = [];
  parts.push([weights.schema, outcome.final === 'ok' ? 1 : outcome.final === 'repaired' ? 0.5 : 0]);
  if (outcome.review) parts.push([weights.review, outcome.review === 'approved' ? 1 : outcome.review === 'changes' ? 0.5 : 0]);
  if (outcome.checkScore !== undefined) parts.push([weights.checks, clamp01(outcome.checkScore)]);
  if (outcome.engagement !== undefined)
    parts.push([weights.engagement, 1 - Math.exp(-Math.max(0, outcome.engagement) / targets.engagementScale)]);
  if (outcome.final !== 'error') {
    parts.push([weights.latency, outcome.latencyMs <= targets.latencyTargetMs ? 1 : targets.latencyTargetMs / outcome.latencyMs]);
    parts.push([weights.cost, targets.costCeilingUsd > 0 ? clamp01(1 - outcome.costUsd / targets.costCeilingUsd) : 1]);
  }
  const total = parts.reduce((sum, [weight]) => sum + weight, 0);
  return total > 0 ? parts.reduce((sum, [weight, score]) => sum + weight * score, 0) / total : 0;
}

const clamp01 = (value: number) => Math.min(1, Math.max(0, value));

/** The figures of one arm that the bandit and the guardrails read. */
export interface ArmStats {
  version: string;
  production: boolean;
  /** Decisions that chose this arm (settled or not). */
  exposures: number;
  /** Decisions whose call has settled. */
  settled: number;
  rewardSum: number;
  invalidFirstTry: number;
  reviewed: number;
  rejected: number;
  /** Settled calls slower than the production arm's p95 (times the tolerance). */
  slow: number;
  p95LatencyMs: number;
  costSum: number;
  costSquares: number;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** Summarises every arm; slowness is measured against production's own p95. */
export function summariseArms(
  arms: { version: string; production: boolean; exposures: number; outcomes: DecisionOutcome[] }[],
  weights: OutcomeWeights = defaultOutcomeWeights,
  targets: RewardTargets = defaultRewardTargets,
  latencyTolerance = 0.25,
): ArmStats[] {
  const production = arms.find((arm) => arm.production);
  const productionP95 = percentile(
    (production?.outcomes ?? []).filter((o) => o.final !== 'error').map((o) => o.latencyMs),
    0.95,
  );
  const slowAbove = productionP95 * (1 + latencyTolerance);
  return arms.map((arm) => {
    const answered = arm.outcomes.filter((o) => o.final !== 'error');
    return {
      version: arm.version,
      production: arm.production,
      exposures: arm.exposures,
      settled: arm.outcomes.length,
      rewardSum: arm.outcomes.reduce((sum, o) => sum + rewardOf(o, weights, targets), 0),
      invalidFirstTry: arm.outcomes.filter(firstTryInvalid).length,
      reviewed: arm.outcomes.filter((o) => o.review).length,
      rejected: arm.outcomes.filter((o) => o.review === 'rejected').length,
      slow: productionP95 > 0 ? answered.filter((o) => o.latencyMs > slowAbove).length : 0,
      p95LatencyMs: percentile(
        answered.map((o) => o.latencyMs),
        0.95,
      ),
      costSum: arm.outcomes.reduce((sum, o) => sum + o.costUsd, 0),
      costSquares: arm.outcomes.reduce((sum, o) => sum + o.costUsd * o.costUsd, 0),
    };
  });
}
