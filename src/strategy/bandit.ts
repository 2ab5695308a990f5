// The strategy bandit: Thompson sampling over each dimension of a strategy (tone, length,
// structure, posting day and time of day), with a Beta posterior per value. Rewards are numbers in [0, 1]
// (see reward.ts) and update the posterior fractionally (a += r, b += 1 − r). A content's reward
// may be revised when later metrics arrive (delayed rewards): the learner remembers the reward it
// credited per content and replaces it, so a content counts once however often it is reported.
// Pure functions over plain data: the workflow carries the state across continue-as-new and
// passes its deterministic Math.random as `random`.
import {
  NO_CONSTRAINTS,
  armValues,
  armsOf,
  hourOf,
  permittedTones,
  type BrandConstraints,
  type Dimension,
  type Length,
  type Strategy,
  type Structure,
  type Tone,
} from './model';

export interface Arm {
  /** Beta posterior parameters (prior included). */
  a: number;
  b: number;
  /** Contents credited to this value. */
  n: number;
}

export interface Credit {
  contentId: string;
  strategy: Strategy;
  /** The content's current reward on this channel, in [0, 1]. */
  reward: number;
  /** Grows each time the content's reward changes; an older version never overrides a newer. */
  version: number;
  /** The reward this one replaces, as the ledger knows it (used when the learner has forgotten the content). */
  previousReward: number | null;
}

export interface LearnerState {
  arms: Record<Dimension, Record<string, Arm>>;
  constraints: BrandConstraints;
  /** Reward and version last credited per content ('c:' + id, oldest first), at most CREDIT_MEMORY. */
  credited: Record<string, [number, number]>;
  creditedCount: number;
  observations: number;
  signals: number;
  recommendations: number;
  /** Brands the starting prior was built from. */
  priorFrom: string[];
}

/** How many contents the learner remembers for reward revisions (bounds the carried state). */
export const CREDIT_MEMORY = 400;
/** Past the memory, the oldest contents are forgotten this many at a time: listing the remembered
 *  contents costs as much as remembering them, so it is done once per chunk, not once per credit
 *  (per credit, 500 credits in one signal kept a workflow task busy for seconds). */
export const FORGET_CHUNK = 50;
/** Evidence per arm is capped, so old evidence fades slowly and the learner keeps adapting. */
export const MAX_EVIDENCE = 2_000;

const DIMENSIONS = Object.keys(armsOf) as Dimension[];

export function initialState(prior?: Record<Dimension, Record<string, Arm>>, priorFrom: string[] = []): LearnerState {
  const arms = Object.fromEntries(
    DIMENSIONS.map((dim) => [
      dim,
      Object.fromEntries(
        armsOf[dim].map((value) => [value, prior?.[dim]?.[value] ? { ...prior[dim][value], n: 0 } : { a: 1, b: 1, n: 0 }]),
      ),
    ]),
  ) as LearnerState['arms'];
  return { arms, constraints: NO_CONSTRAINTS, credited: {}, creditedCount: 0, observations: 0, signals: 0, recommendations: 0, priorFrom };
}

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

function adjust(arm: Arm, deltaA: number, deltaB: number, newContent: boolean) {
  arm.a = Math.max(1e-3, arm.a + deltaA);
  arm.b = Math.max(1e-3, arm.b + deltaB);
  if (newContent) arm.n += 1;
  const evidence = arm.a + arm.b;
  if (evidence > MAX_EVIDENCE) {
    arm.a *= MAX_EVIDENCE / evidence;
    arm.b *= MAX_EVIDENCE / evidence;
  }
}

/** Applies one engagement credit; returns false when it changed nothing (a duplicate or an older version). */
export function applyCredit(state: LearnerState, credit: Credit): boolean {
  state.signals += 1;
  const key = `c:${credit.contentId}`;
  const reward = clamp01(credit.reward);
  const known = state.credited[key];
  if (known && credit.version <= known[1]) return false;
  const replaced = known ? known[0] : credit.previousReward === null ? null : clamp01(credit.previousReward);
  const values = armValues(credit.strategy);
  for (const dim of DIMENSIONS) {
    const arm = state.arms[dim][values[dim]];
    if (!arm) continue; // a value the catalogue no longer has
    if (replaced === null) adjust(arm, reward, 1 - reward, true);
    else adjust(arm, reward - replaced, replaced - reward, false);
  }
  if (replaced === null) state.observations += 1;
  if (known) {
    delete state.credited[key];
  } else {
    state.creditedCount += 1;
  }
  state.credited[key] = [reward, credit.version];
  if (state.creditedCount > CREDIT_MEMORY) {
    // Oldest first (insertion order; the keys are never integer-like).
    const oldest = Object.keys(state.credited).slice(0, state.creditedCount - (CREDIT_MEMORY - FORGET_CHUNK));
    for (const forgotten of oldest) delete state.credited[forgotten];
    state.creditedCount -= oldest.length;
  }
  return true;
}

// ---- sampling ------------------------------------------------------------------------------

type Random = () => number;

function normal(random: Random): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Marsaglia–Tsang; shape < 1 through the boost gamma(k + 1) · U^(1/k). */
function gamma(shape: number, random: Random): number {
  if (shape < 1) return gamma(shape + 1, random) * Math.pow(1 - random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

export function sampleBeta(a: number, b: number, random: Random): number {
  const x = gamma(a, random);
  const y = gamma(b, random);
  return x / (x + y);
}

// ---- recommendations -----------------------------------------------------------------------

export interface DimensionChoice {
  value: string;
  /** Posterior mean reward of this value, its standard deviation, and a 90 % interval. */
  mean: number;
  sd: number;
  interval: [number, number];
  observations: number;
}

export interface Recommendation {
  strategy: Strategy;
  mode: 'thompson' | 'greedy';
  /** Per dimension: the chosen value and how sure the learner is about it. */
  dimensions: Record<Dimension, DimensionChoice>;
  /** The largest posterior standard deviation among the chosen values (0 = certain). */
  uncertainty: number;
  observations: number;
  constraints: BrandConstraints;
}

const mean = (arm: Arm) => arm.a / (arm.a + arm.b);
const sd = (arm: Arm) => Math.sqrt((arm.a * arm.b) / ((arm.a + arm.b) ** 2 * (arm.a + arm.b + 1)));

function candidates(state: LearnerState, dim: Dimension): readonly string[] {
  return dim === 'tone' ? permittedTones(state.constraints) : armsOf[dim];
}

function describe(state: LearnerState, dim: Dimension, value: string): DimensionChoice {
  const arm = state.arms[dim][value]!;
  const m = mean(arm);
  const s = sd(arm);
  return {
    value,
    mean: round(m),
    sd: round(s),
    interval: [round(Math.max(0, m - 1.645 * s)), round(Math.min(1, m + 1.645 * s))],
    observations: arm.n,
  };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

function assemble(state: LearnerState, pick: (dim: Dimension) => string, mode: Recommendation['mode']): Recommendation {
  const dimensions = Object.fromEntries(DIMENSIONS.map((dim) => [dim, describe(state, dim, pick(dim))])) as Recommendation['dimensions'];
  const strategy: Strategy = {
    tone: dimensions.tone.value as Tone,
    length: dimensions.length.value as Length,
    structure: dimensions.structure.value as Structure,
    hourOfWeek: hourOf(dimensions.day.value, dimensions.daypart.value),
  };
  const uncertainty = Math.max(...DIMENSIONS.map((dim) => dimensions[dim].sd));
  return { strategy, mode, dimensions, uncertainty, observations: state.observations, constraints: state.constraints };
}

/** One Thompson draw in one dimension: a draw per permitted value, the best one. */
function thompsonPick(state: LearnerState, dim: Dimension, random: Random): string {
  let best = '';
  let bestDraw = -1;
  for (const value of candidates(state, dim)) {
    const arm = state.arms[dim][value]!;
    const draw = sampleBeta(arm.a, arm.b, random);
    if (draw > bestDraw) [best, bestDraw] = [value, draw];
  }
  return best;
}

/** Thompson sampling: one draw per permitted value, the best draw per dimension. */
export function recommend(state: LearnerState, random: Random): Recommendation {
  return assemble(state, (dim) => thompsonPick(state, dim, random), 'thompson');
}

/** The strategy of recommend() alone — the same draws in the same order — without describing it (batches). */
export function drawStrategy(state: LearnerState, random: Random): Strategy {
  const picked = Object.fromEntries(DIMENSIONS.map((dim) => [dim, thompsonPick(state, dim, random)])) as Record<Dimension, string>;
  return {
    tone: picked.tone as Tone,
    length: picked.length as Length,
    structure: picked.structure as Structure,
    hourOfWeek: hourOf(picked.day, picked.daypart),
  };
}

/** The learner's current belief without exploring: the best posterior mean per dimension. */
export function bestKnown(state: LearnerState): Recommendation {
  return assemble(
    state,
    (dim) => candidates(state, dim).reduce((best, value) => (mean(state.arms[dim][value]!) > mean(state.arms[dim][best]!) ? value : best)),
    'greedy',
  );
}

// ---- prior from the tenant's other brands -------------------------------------------------

/** Pseudo-observations a new brand's prior carries per value at most: enough to start well, few
 *  enough that the brand's own engagement takes over after a handful of contents. */
export const PRIOR_STRENGTH = 8;

/** Averages other brands' posterior means per value into a weak Beta prior. */
export function priorFromBrands(brands: { arms: LearnerState['arms'] }[]): Record<Dimension, Record<string, Arm>> | undefined {
  if (brands.length === 0) return undefined;
  return Object.fromEntries(
    DIMENSIONS.map((dim) => [
      dim,
      Object.fromEntries(
        armsOf[dim].map((value) => {
          const known = brands.map((brand) => brand.arms[dim]?.[value]).filter((arm): arm is Arm => arm !== undefined);
          const evidence = known.reduce((sum, arm) => sum + arm.n, 0);
          if (known.length === 0 || evidence === 0) return [value, { a: 1, b: 1, n: 0 }];
          const m = known.reduce((sum, arm) => sum + mean(arm) * arm.n, 0) / evidence;
          const k = Math.min(PRIOR_STRENGTH, evidence);
          return [value, { a: 1 + k * m, b: 1 + k * (1 - m), n: 0 }];
        }),
      ),
    ]),
  ) as Record<Dimension, Record<string, Arm>>;
}
