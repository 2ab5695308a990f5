// Guardrails: a candidate must not be worse than production beyond a tolerance on invalid
// output, reviewer rejections, slow calls (above production's p95) or cost per call. Each is
// checked by a mixture sequential probability ratio test (mSPRT, Johari et al., "Always Valid
// Inference"), whose error rate holds however often it is looked at — the experiment checks
// after every batch of outcomes without inflating false alarms.
import { z } from 'zod';
import type { ArmStats } from './reward';

export const GuardrailRules = z
  .object({
    /** Family error rate over the four checks (split evenly between them). */
    alpha: z.number().gt(0).lt(1).default(0.05),
    /** Settled calls each arm needs before its guardrails are tested. */
    minSamples: z.number().int().min(2).default(20),
    /** Tolerated excess over production, absolute for rates. */
    invalidTolerance: z.number().min(0).max(1).default(0.05),
    rejectionTolerance: z.number().min(0).max(1).default(0.1),
    /** Share of calls slower than production's p95 (production itself: about 5 %). */
    slowTolerance: z.number().min(0).max(1).default(0.1),
    /** Cost per call: tolerated relative excess over production's mean. */
    costTolerance: z.number().min(0).default(0.2),
    /** Mixture spread (prior scale of the difference) for rates; for cost, relative to production's mean. */
    tau: z.number().gt(0).default(0.2),
  })
  .strict();
export type GuardrailRules = z.infer<typeof GuardrailRules>;
export const defaultGuardrailRules: GuardrailRules = GuardrailRules.parse({});

export type GuardrailMetric = 'invalid-output' | 'rejection' | 'latency-p95' | 'cost';

export interface GuardrailCheck {
  metric: GuardrailMetric;
  candidate: number;
  production: number;
  /** The mixture likelihood ratio; a breach needs it ≥ 1/alpha′ with the excess above tolerance. */
  likelihoodRatio: number;
  threshold: number;
  breached: boolean;
}

export interface ArmGuardrails {
  version: string;
  tested: boolean;
  checks: GuardrailCheck[];
  breached: GuardrailMetric[];
}

/**
 * mSPRT statistic for H0: difference = tolerance, with a normal mixture N(tolerance, tau²) over
 * the alternative: sqrt(V/(V+τ²)) · exp(τ² (d − tolerance)² / (2V(V+τ²))), V = var of d.
 */
export function mixtureLikelihoodRatio(difference: number, variance: number, tolerance: number, tau: number): number {
  const v = Math.max(variance, 1e-12);
  const t2 = tau * tau;
  const exponent = (t2 * (difference - tolerance) ** 2) / (2 * v * (v + t2));
  return Math.sqrt(v / (v + t2)) * Math.exp(Math.min(exponent, 700));
}

/** Rate check with Laplace-smoothed variances (no zero variance from a short run of zeros). */
function rateCheck(
  metric: GuardrailMetric,
  cHits: number,
  cN: number,
  pHits: number,
  pN: number,
  tolerance: number,
  tau: number,
  threshold: number,
): GuardrailCheck {
  const c = cHits / Math.max(cN, 1);
  const p = pHits / Math.max(pN, 1);
  const cs = (cHits + 1) / (cN + 2);
  const ps = (pHits + 1) / (pN + 2);
  const variance = (cs * (1 - cs)) / Math.max(cN, 1) + (ps * (1 - ps)) / Math.max(pN, 1);
  const likelihoodRatio = mixtureLikelihoodRatio(c - p, variance, tolerance, tau);
  return { metric, candidate: c, production: p, likelihoodRatio, threshold, breached: c - p > tolerance && likelihoodRatio >= threshold };
}

function meanCheck(
  metric: GuardrailMetric,
  c: ArmStats,
  p: ArmStats,
  relativeTolerance: number,
  relativeTau: number,
  threshold: number,
): GuardrailCheck {
  const mean = (stats: ArmStats) => stats.costSum / Math.max(stats.settled, 1);
  const variance = (stats: ArmStats) => Math.max(0, stats.costSquares / Math.max(stats.settled, 1) - mean(stats) ** 2);
  const cm = mean(c);
  const pm = mean(p);
  if (pm <= 0) return { metric, candidate: cm, production: pm, likelihoodRatio: 1, threshold, breached: false };
  const tolerance = pm * relativeTolerance;
  // A floor on the variance: a constant cost per call would otherwise make any excess "certain".
  const floor = (pm * 0.05) ** 2;
  const v = Math.max(variance(c), floor) / Math.max(c.settled, 1) + Math.max(variance(p), floor) / Math.max(p.settled, 1);
  const likelihoodRatio = mixtureLikelihoodRatio(cm - pm, v, tolerance, pm * relativeTau);
  return {
    metric,
    candidate: cm,
    production: pm,
    likelihoodRatio,
    threshold,
    breached: cm - pm > tolerance && likelihoodRatio >= threshold,
  };
}

/** Checks every candidate arm against production. */
export function evaluateGuardrails(arms: ArmStats[], rules: GuardrailRules = defaultGuardrailRules): ArmGuardrails[] {
  const production = arms.find((arm) => arm.production);
  const threshold = 4 / rules.alpha; // alpha split over the four checks
  return arms
    .filter((arm) => !arm.production)
    .map((candidate) => {
      if (!production || candidate.settled < rules.minSamples || production.settled < rules.minSamples) {
        return { version: candidate.version, tested: false, checks: [], breached: [] };
      }
      const checks: GuardrailCheck[] = [
        rateCheck(
          'invalid-output',
          candidate.invalidFirstTry,
          candidate.settled,
          production.invalidFirstTry,
          production.settled,
          rules.invalidTolerance,
          rules.tau,
          threshold,
        ),
        candidate.reviewed >= rules.minSamples && production.reviewed >= rules.minSamples
          ? rateCheck(
              'rejection',
              candidate.rejected,
              candidate.reviewed,
              production.rejected,
              production.reviewed,
              rules.rejectionTolerance,
              rules.tau,
              threshold,
            )
          : {
              metric: 'rejection',
              candidate: candidate.rejected / Math.max(candidate.reviewed, 1),
              production: production.rejected / Math.max(production.reviewed, 1),
              likelihoodRatio: 1,
              threshold,
              breached: false,
            },
        rateCheck(
          'latency-p95',
          candidate.slow,
          candidate.settled,
          production.slow,
          production.settled,
          rules.slowTolerance,
          rules.tau,
          threshold,
        ),
        meanCheck('cost', candidate, production, rules.costTolerance, rules.tau, threshold),
      ];
      return {
        version: candidate.version,
        tested: true,
        checks,
        breached: checks.filter((check) => check.breached).map((check) => check.metric),
      };
    });
}
