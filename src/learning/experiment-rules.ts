// The rules of an experiment between prompt versions, applied after each batch of outcomes:
// guardrails first (a breach rolls the candidate back), then Thompson-sampling allocation with
// its rails, then (when configured) automatic promotion of a clear winner. Pure and
// deterministic for a given random source, so the experiment workflow can run it in its own code.
import { z } from 'zod';
import { constrainShares, defaultAllocationRules, posteriorOf, probabilityBest } from './bandit';
import { GuardrailRules, evaluateGuardrails, type ArmGuardrails } from './guardrails';
import type { Rng } from './random';
import { OutcomeWeights, type ArmStats, type RewardTargets } from './reward';

export const ExperimentSettings = z
  .object({
    minShare: z.number().min(0).max(0.5).default(defaultAllocationRules.minShare),
    maxCandidateShare: z.number().gt(0).max(1).default(defaultAllocationRules.maxCandidateShare),
    maxCandidateExposures: z.number().int().positive().default(defaultAllocationRules.maxCandidateExposures),
    guardrails: GuardrailRules.default(GuardrailRules.parse({})),
    weights: OutcomeWeights.partial().default({}),
    latencyTargetMs: z.number().int().positive().default(10_000),
    costCeilingUsd: z.number().min(0).default(0.01),
    /** Share of calls slower than production's p95 by more than this counts as slow. */
    latencyTolerance: z.number().min(0).default(0.25),
    pollIntervalMs: z.number().int().min(200).max(3_600_000).default(30_000),
    /** Polls per workflow run before continue-as-new (history stays small). */
    pollsPerRun: z.number().int().min(1).max(1_000).default(200),
    autoPromote: z
      .object({
        enabled: z.boolean().default(false),
        minSamples: z.number().int().min(1).default(200),
        probabilityBest: z.number().gt(0.5).max(1).default(0.95),
      })
      .strict()
      .default({ enabled: false, minSamples: 200, probabilityBest: 0.95 }),
    /** Re-run what a rolled-back version produced, with production. */
    redrive: z.boolean().default(true),
  })
  .strict();
export type ExperimentSettings = z.infer<typeof ExperimentSettings>;

export interface ArmState {
  version: string;
  production: boolean;
}

export type ExperimentStep =
  | { kind: 'continue'; allocation: Record<string, number>; probabilityBest: Record<string, number>; guardrails: ArmGuardrails[] }
  | { kind: 'rollback'; versions: string[]; remaining: string[]; reason: string; guardrails: ArmGuardrails[] }
  | { kind: 'promote'; version: string; reason: string; probabilityBest: Record<string, number>; guardrails: ArmGuardrails[] };

export function rewardTargetsOf(settings: ExperimentSettings): RewardTargets {
  return { latencyTargetMs: settings.latencyTargetMs, costCeilingUsd: settings.costCeilingUsd, engagementScale: 50 };
}

export function nextStep(arms: ArmState[], stats: ArmStats[], settings: ExperimentSettings, rng: Rng): ExperimentStep {
  const active = stats.filter((stat) => arms.some((arm) => arm.version === stat.version));
  const guardrails = evaluateGuardrails(active, settings.guardrails);
  const breached = guardrails.filter((arm) => arm.breached.length > 0);
  if (breached.length > 0) {
    const versions = breached.map((arm) => arm.version);
    const remaining = arms.filter((arm) => !arm.production && !versions.includes(arm.version)).map((arm) => arm.version);
    const reason = breached
      .map((arm) => {
        const parts = arm.checks
          .filter((check) => check.breached)
          .map(
            (check) =>
              `${check.metric} ${fmt(check.candidate)} vs production ${fmt(check.production)} (LR ${check.likelihoodRatio.toFixed(0)} ≥ ${check.threshold})`,
          );
        return `${arm.version}: ${parts.join('; ')}`;
      })
      .join(' | ');
    return { kind: 'rollback', versions, remaining, reason: `guardrail breached — ${reason}`, guardrails };
  }

  const posteriors = active.map((stat) => posteriorOf(stat.version, stat.production, stat.settled, stat.rewardSum, stat.exposures));
  const best = probabilityBest(posteriors, rng);
  const shares = constrainShares(posteriors, best, {
    minShare: settings.minShare,
    maxCandidateShare: settings.maxCandidateShare,
    maxCandidateExposures: settings.maxCandidateExposures,
  });
  const allocation = Object.fromEntries(posteriors.map((arm, i) => [arm.version, round4(shares[i]!)]));
  const probability = Object.fromEntries(posteriors.map((arm, i) => [arm.version, round4(best[i]!)]));

  if (settings.autoPromote.enabled) {
    const winner = active.find(
      (stat, i) =>
        !stat.production &&
        stat.settled >= settings.autoPromote.minSamples &&
        best[i]! >= settings.autoPromote.probabilityBest &&
        guardrails.some((arm) => arm.version === stat.version && arm.tested),
    );
    if (winner) {
      return {
        kind: 'promote',
        version: winner.version,
        reason: `P(best) ${fmt(probability[winner.version]!)} ≥ ${settings.autoPromote.probabilityBest} after ${winner.settled} outcomes, guardrails clear`,
        probabilityBest: probability,
        guardrails,
      };
    }
  }
  return { kind: 'continue', allocation, probabilityBest: probability, guardrails };
}

/** Starting shares before any outcome: even, within the rails. */
export function initialAllocation(arms: ArmState[], settings: ExperimentSettings): Record<string, number> {
  const posteriors = arms.map((arm) => posteriorOf(arm.version, arm.production, 0, 0));
  const shares = constrainShares(
    posteriors,
    posteriors.map(() => 1 / arms.length),
    { minShare: settings.minShare, maxCandidateShare: settings.maxCandidateShare, maxCandidateExposures: settings.maxCandidateExposures },
  );
  return Object.fromEntries(arms.map((arm, i) => [arm.version, round4(shares[i]!)]));
}

/** Posterior mean reward of each arm (Beta(1 + rewards, 1 + misses)). */
export function posteriorMeans(stats: ArmStats[]): Record<string, number> {
  return Object.fromEntries(stats.map((stat) => [stat.version, round4((1 + stat.rewardSum) / (2 + stat.settled))]));
}

const round4 = (value: number) => Math.round(value * 10_000) / 10_000;
const fmt = (value: number) => (Math.abs(value) < 0.01 && value !== 0 ? value.toExponential(2) : value.toFixed(3));
