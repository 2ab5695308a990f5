// Benchmark (not a test): the learning loop's allocation on seeded, simulated outcomes with a
// known best arm. Over 10,000 decisions per run it measures cumulative (expected) regret of
//   - the experiment's allocation (Thompson sampling with the minimum exploration share and the
//     candidate cap, recomputed after every batch of outcomes as the experiment workflow does),
//   - a fixed 50/50 split,
//   - epsilon-greedy (epsilon 0.1),
// and prints the ratios; then the decision engine's decisions per second.
//   npm run bench:learning -- [seeds=20] [decisions=10000] [batch=20]
import { performance } from 'node:perf_hooks';
import { defaultAllocationRules, pickByShare } from '../src/learning/bandit';
import { decide, defaultDecisionRules, type DecisionContext } from '../src/learning/decision';
import { ExperimentSettings, nextStep } from '../src/learning/experiment-rules';
import { seededRng, type Rng } from '../src/learning/random';
import type { ArmStats } from '../src/learning/reward';

interface Scenario {
  name: string;
  /** Mean reward per arm: [production, candidate]. */
  means: [number, number];
}

const scenarios: Scenario[] = [
  { name: 'candidate better (0.60 vs 0.50)', means: [0.5, 0.6] },
  { name: 'production better (0.55 vs 0.45)', means: [0.55, 0.45] },
  { name: 'small gap (0.52 vs 0.50)', means: [0.5, 0.52] },
];

const ARMS = ['production', 'candidate'] as const;

function emptyStats(): ArmStats[] {
  return ARMS.map((version, i) => ({
    version,
    production: i === 0,
    exposures: 0,
    settled: 0,
    rewardSum: 0,
    invalidFirstTry: 0,
    reviewed: 0,
    rejected: 0,
    slow: 0,
    p95LatencyMs: 0,
    costSum: 0,
    costSquares: 0,
  }));
}

/** Runs one policy; `choose` returns the arm index for a decision, `learn` sees each outcome. */
function simulate(
  means: [number, number],
  decisions: number,
  rng: Rng,
  choose: (i: number) => number,
  learn: (arm: number, reward: number, i: number) => void,
): number {
  const best = Math.max(...means);
  let regret = 0;
  for (let i = 0; i < decisions; i++) {
    const arm = choose(i);
    regret += best - means[arm]!;
    learn(arm, rng() < means[arm]! ? 1 : 0, i);
  }
  return regret;
}

function thompson(means: [number, number], decisions: number, batch: number, seed: number): number {
  const rng = seededRng(seed);
  const settings = ExperimentSettings.parse({ guardrails: { minSamples: 1_000_000 } }); // guardrails off: allocation only
  const arms = ARMS.map((version, i) => ({ version, production: i === 0 }));
  const stats = emptyStats();
  let allocation: Record<string, number> = { production: 0.5, candidate: 0.5 };
  const pending: [number, number][] = [];
  return simulate(
    means,
    decisions,
    rng,
    () => {
      const version = pickByShare(allocation, rng());
      const arm = version === 'production' ? 0 : 1;
      stats[arm]!.exposures++;
      return arm;
    },
    (arm, reward, i) => {
      pending.push([arm, reward]);
      if ((i + 1) % batch !== 0) return;
      for (const [a, r] of pending.splice(0)) {
        stats[a]!.settled++;
        stats[a]!.rewardSum += r;
      }
      const step = nextStep(arms, stats, settings, seededRng(seed * 7919 + i));
      if (step.kind === 'continue') allocation = step.allocation;
    },
  );
}

function fixedSplit(means: [number, number], decisions: number, seed: number): number {
  const rng = seededRng(seed);
  return simulate(
    means,
    decisions,
    rng,
    () => (rng() < 0.5 ? 0 : 1),
    () => undefined,
  );
}

function epsilonGreedy(means: [number, number], decisions: number, batch: number, seed: number, epsilon = 0.1): number {
  const rng = seededRng(seed);
  const n = [0, 0];
  const sum = [0, 0];
  const pending: [number, number][] = [];
  return simulate(
    means,
    decisions,
    rng,
    () => {
      if (rng() < epsilon) return rng() < 0.5 ? 0 : 1;
      const mean = (a: number) => (n[a]! === 0 ? 1 : sum[a]! / n[a]!);
      return mean(1) > mean(0) ? 1 : 0;
    },
    (arm, reward, i) => {
      pending.push([arm, reward]);
      if ((i + 1) % batch !== 0) return;
      for (const [a, r] of pending.splice(0)) {
        n[a]!++;
        sum[a]! += r;
      }
    },
  );
}

function decisionsPerSecond(): number {
  const context: DecisionContext = {
    production: { version: 'enhance@1', temperature: 0.3, maxTokens: 400 },
    experiment: {
      experimentId: 'bench',
      allocation: { 'enhance@1': 0.4, 'enhance@t.1': 0.6 },
      versions: {
        'enhance@1': { version: 'enhance@1', temperature: 0.3, maxTokens: 400 },
        'enhance@t.1': { version: 'enhance@t.1', temperature: 0.2, maxTokens: 300 },
      },
    },
    budget: { limit: 1_000_000, used: 10_000 },
    figures: { 'enhance@1': { calls: 200, invalidFirstTryRate: 0.05, p95LatencyMs: 900 } },
    defaultModel: 'local',
    rules: defaultDecisionRules,
  };
  const rng = seededRng(1);
  const count = 200_000;
  let candidate = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) if (decide({ task: 'enhance', priority: 'batch' }, context, rng()).arm === 'enhance@t.1') candidate++;
  const seconds = (performance.now() - started) / 1000;
  if (candidate === 0) throw new Error('the engine never chose the candidate');
  return count / seconds;
}

function allocationsPerSecond(): number {
  const settings = ExperimentSettings.parse({});
  const arms = ARMS.map((version, i) => ({ version, production: i === 0 }));
  const stats = emptyStats().map((stat, i) => ({ ...stat, exposures: 500, settled: 500, rewardSum: i === 0 ? 250 : 270 }));
  const count = 2_000;
  const started = performance.now();
  for (let i = 0; i < count; i++) nextStep(arms, stats, settings, seededRng(i));
  return count / ((performance.now() - started) / 1000);
}

function main() {
  const seeds = Number(process.argv[2] ?? 20);
  const decisions = Number(process.argv[3] ?? 10_000);
  const batch = Number(process.argv[4] ?? 20);
  console.log(`${decisions} decisions per run, ${seeds} seeds, outcomes fed back every ${batch} decisions`);
  console.log(
    `allocation rails: min share ${defaultAllocationRules.minShare}, candidate cap ${defaultAllocationRules.maxCandidateShare}\n`,
  );
  console.log('scenario                              regret: thompson   50/50    eps-greedy   thompson/50-50   thompson/eps');
  const ratios: number[] = [];
  for (const scenario of scenarios) {
    let ts = 0;
    let fixed = 0;
    let eps = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      ts += thompson(scenario.means, decisions, batch, seed);
      fixed += fixedSplit(scenario.means, decisions, seed);
      eps += epsilonGreedy(scenario.means, decisions, batch, seed);
    }
    ts /= seeds;
    fixed /= seeds;
    eps /= seeds;
    ratios.push(ts / fixed);
    console.log(
      `${scenario.name.padEnd(38)} ${ts.toFixed(1).padStart(8)} ${fixed.toFixed(1).padStart(8)} ${eps.toFixed(1).padStart(11)} ${(ts / fixed).toFixed(3).padStart(16)} ${(ts / eps).toFixed(3).padStart(14)}`,
    );
  }
  console.log(`\nworst regret ratio vs the fixed split: ${Math.max(...ratios).toFixed(3)} (aim ≤ 0.30)`);
  console.log(`decision engine: ${Math.round(decisionsPerSecond()).toLocaleString('en')} decisions/s (pure decide(), one thread)`);
  console.log(
    `experiment step (guardrails + 400-draw Thompson allocation): ${Math.round(allocationsPerSecond()).toLocaleString('en')} steps/s`,
  );
}

main();
