// The reward per platform: raw engagement (views, likes, comments, shares, clicks) → one number
// in [0, 1]. Interactions are weighted by how much effort they show (a share means more than a
// like) and set against views where the platform counts views; the result goes through a
// saturating curve x / (x + k), where k is the platform's "typical" level, so a typical post
// scores 0.5 and a viral outlier approaches 1 without drowning everything else. Counts are
// sanitised first: negatives and non-numbers are 0, and interactions are capped at views.
import type { Platform } from '../publishing/adapter';

export interface EngagementMetrics {
  views: number;
  likes: number;
  comments: number;
  shares: number;
  clicks: number;
}

interface RewardRule {
  weights: Omit<EngagementMetrics, 'views'>;
  /** true: reward the weighted interactions per view; false: the platform has no views, use the weighted count. */
  perView: boolean;
  /** The weighted rate (or count) of a typical post: it scores 0.5. */
  typical: number;
  /** Reward for views alone, for platforms whose only signal is reach. */
  viewsTypical?: number;
}

export const REWARD_RULES: Record<Platform, RewardRule> = {
  /** The signed webhook platform reports all five counts. */
  webhook: { weights: { clicks: 1, likes: 1, comments: 3, shares: 5 }, perView: true, typical: 0.08 },
  /** Core WordPress counts comments only (no views, no likes). */
  wordpress: { weights: { clicks: 0, likes: 0, comments: 1, shares: 0 }, perView: false, typical: 3 },
  /** A feed knows how often an entry was served (views) and, when pushed by an analytics tool, clicks. */
  feed: { weights: { clicks: 1, likes: 1, comments: 3, shares: 5 }, perView: true, typical: 0.05, viewsTypical: 50 },
};

const count = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : 0);

export function rewardFor(platform: Platform, raw: Partial<EngagementMetrics>): number {
  const rule = REWARD_RULES[platform];
  const views = count(raw.views);
  const interactions = (Object.keys(rule.weights) as (keyof RewardRule['weights'])[]).reduce(
    (sum, kind) => sum + rule.weights[kind] * (rule.perView && views > 0 ? Math.min(count(raw[kind]), views) : count(raw[kind])),
    0,
  );
  let x: number;
  if (!rule.perView) x = interactions;
  else if (views > 0) x = interactions / views;
  else x = 0;
  const engagement = x / (x + rule.typical);
  if (rule.viewsTypical === undefined) return round(engagement);
  // Reach counts for a quarter where the platform has it; interactions carry the rest.
  const reach = views / (views + rule.viewsTypical);
  return round(0.25 * reach + 0.75 * engagement);
}

const round = (x: number) => Math.round(x * 1_000_000) / 1_000_000;
