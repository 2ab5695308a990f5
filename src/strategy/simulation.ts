// A seeded simulated audience for tests, benchmarks and demos: it prefers one strategy, and
// engages more the closer a content's strategy is to it. Same seed, same audience, same numbers.
import { armValues, armsOf, type Dimension, type Strategy } from './model';
import type { EngagementMetrics } from './reward';

/** mulberry32: a small, fast, seedable PRNG (for simulations; the learner uses Temporal's). */
export function seededRandom(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** How much each matching dimension adds to the click-through rate. */
const LIFT: Record<Dimension, number> = { tone: 0.03, length: 0.02, structure: 0.02, day: 0.015, daypart: 0.02 };
const BASE_RATE = 0.01;

export interface SimulatedAudience {
  preferred: Strategy;
  /** The expected interaction rate of a strategy (what regret is measured in). */
  expectedRate(strategy: Strategy): number;
  /** The expected rate of the best strategy, and of a strategy chosen uniformly at random. */
  bestRate: number;
  uniformRate: number;
  /** Engagement of one post with this strategy (webhook-style counts). */
  engage(strategy: Strategy): EngagementMetrics;
}

export function simulatedAudience(preferred: Strategy, seed: number): SimulatedAudience {
  const random = seededRandom(seed);
  const want = armValues(preferred);
  const expectedRate = (strategy: Strategy) => {
    const got = armValues(strategy);
    return (Object.keys(LIFT) as Dimension[]).reduce((rate, dim) => rate + (got[dim] === want[dim] ? LIFT[dim] : 0), BASE_RATE);
  };
  const uniformRate = (Object.keys(LIFT) as Dimension[]).reduce((rate, dim) => rate + LIFT[dim] / armsOf[dim].length, BASE_RATE);
  return {
    preferred,
    expectedRate,
    bestRate: expectedRate(preferred),
    uniformRate,
    engage(strategy) {
      const views = 200 + Math.floor(random() * 300);
      const rate = expectedRate(strategy);
      // Binomial draws, one reader at a time: honest noise, no shortcuts.
      let clicks = 0;
      let likes = 0;
      let shares = 0;
      for (let i = 0; i < views; i++) {
        if (random() < rate) clicks++;
        if (random() < rate / 2) likes++;
        if (random() < rate / 10) shares++;
      }
      return { views, clicks, likes, shares, comments: 0 };
    },
  };
}
