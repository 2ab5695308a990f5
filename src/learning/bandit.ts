// Adaptive allocation between prompt versions: Thompson sampling over Beta posteriors of each
// arm's mean reward (rewards in [0, 1] update the posterior fractionally), with two safety
// rails: every arm keeps a minimum exploration share, and candidates together never get more
// than a cap (nor any exposure once a candidate has used up its exposure budget).
import { beta, type Rng } from './random';

export interface ArmPosterior {
  version: string;
  /** The production arm is what candidates are measured against; it is never capped. */
  production: boolean;
  /** Beta(alpha, beta): prior 1/1 plus the sum of rewards and of (1 - reward). */
  alpha: number;
  beta: number;
  exposures: number;
}

export interface AllocationRules {
  /** Each arm gets at least this share (exploration never stops entirely). */
  minShare: number;
  /** All candidates together get at most this share. */
  maxCandidateShare: number;
  /** A candidate with this many exposures gets no more until the experiment decides. */
  maxCandidateExposures: number;
}

export const defaultAllocationRules: AllocationRules = { minShare: 0.05, maxCandidateShare: 0.95, maxCandidateExposures: 50_000 };

/** Posterior after `settled` rewards (each in [0, 1]) from a Beta(1, 1) prior; exposures count toward the cap. */
export function posteriorOf(version: string, production: boolean, settled: number, rewardSum: number, exposures = settled): ArmPosterior {
  return { version, production, alpha: 1 + rewardSum, beta: 1 + (settled - rewardSum), exposures };
}

/** Thompson sampling's own allocation: the probability that each arm is best, by Monte Carlo. */
export function probabilityBest(arms: ArmPosterior[], rng: Rng, draws = 400): number[] {
  const wins = arms.map(() => 0);
  for (let i = 0; i < draws; i++) {
    let best = 0;
    let bestValue = -1;
    arms.forEach((arm, index) => {
      const value = beta(rng, arm.alpha, arm.beta);
      if (value > bestValue) {
        bestValue = value;
        best = index;
      }
    });
    wins[best]!++;
  }
  return wins.map((count) => count / draws);
}

/** Applies the rails to raw shares: floors first, then the candidates' cap; sums to 1. */
export function constrainShares(arms: ArmPosterior[], raw: number[], rules: AllocationRules): number[] {
  const eligible = arms.map((arm) => arm.production || arm.exposures < rules.maxCandidateExposures);
  const count = eligible.filter(Boolean).length;
  const floor = Math.min(rules.minShare, 1 / Math.max(count, 1));
  const masked = normalise(raw.map((share, i) => (eligible[i] ? share : 0)));
  // Each eligible arm gets the floor, the rest is shared in proportion to the raw shares.
  let shares = masked.map((share, i) => (eligible[i] ? floor + (1 - count * floor) * share : 0));
  const candidateTotal = shares.reduce((sum, share, i) => (arms[i]!.production ? sum : sum + share), 0);
  if (candidateTotal > rules.maxCandidateShare) {
    const productionTotal = 1 - candidateTotal;
    const productionArms = arms.filter((arm) => arm.production).length;
    shares = shares.map((share, i) =>
      arms[i]!.production
        ? productionTotal > 0
          ? share * ((1 - rules.maxCandidateShare) / productionTotal)
          : (1 - rules.maxCandidateShare) / productionArms
        : share * (rules.maxCandidateShare / candidateTotal),
    );
  }
  return normalise(shares);
}

function normalise(shares: number[]): number[] {
  const total = shares.reduce((sum, share) => sum + share, 0);
  return total > 0 ? shares.map((share) => share / total) : shares.map(() => 1 / shares.length);
}

export function allocate(arms: ArmPosterior[], rules: AllocationRules, rng: Rng, draws?: number): Record<string, number> {
  const shares = constrainShares(arms, probabilityBest(arms, rng, draws), rules);
  return Object.fromEntries(arms.map((arm, i) => [arm.version, shares[i]!]));
}

/** Picks the arm for one decision: u in [0, 1) against the cumulative shares. */
export function pickByShare(allocation: Record<string, number>, u: number): string {
  const entries = Object.entries(allocation);
  let cumulative = 0;
  for (const [version, share] of entries) {
    cumulative += share;
    if (u < cumulative) return version;
  }
  return entries[entries.length - 1]![0];
}
