// The strategy aggregate's SQL: strategies recorded with content, engagement observations,
// rewards credited per (content, platform), and the learners' saved state.
import type { Pool } from 'pg';
import type { Platform } from '../publishing/adapter';
import { withTransaction } from '../stores/postgres';
import type { Credit, LearnerState } from './bandit';
import type { Strategy } from './model';
import { rewardFor, type EngagementMetrics } from './reward';

export interface ContentStrategy {
  brand: string;
  channel: string;
  strategy: Strategy | null;
  source: 'learner' | 'author' | 'none';
}

export async function recordContentStrategy(
  pg: Pool,
  row: ContentStrategy & { tenantId: string; contentId: string; recommendation?: unknown },
): Promise<void> {
  await pg.query(
    `INSERT INTO content_strategies (tenant_id, content_id, brand, channel, strategy, source, recommendation)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, content_id) DO NOTHING`,
    [row.tenantId, row.contentId, row.brand, row.channel, row.strategy, row.source, row.recommendation ?? null],
  );
}

export async function contentStrategy(pg: Pool, tenantId: string, contentId: string): Promise<ContentStrategy | undefined> {
  const { rows } = await pg.query<ContentStrategy>(
    'SELECT brand, channel, strategy, source FROM content_strategies WHERE tenant_id = $1 AND content_id = $2',
    [tenantId, contentId],
  );
  return rows[0];
}

export interface EngagementObservation {
  tenantId: string;
  source: 'push' | 'monitor';
  eventId: string;
  contentId: string;
  platform: Platform;
  occurredAt: Date;
  metrics: Partial<EngagementMetrics>;
}

/** Stores one observation. Pushed events are kept once per event id (a replay is a duplicate);
 *  a monitoring checkpoint collected again (activity retry) replaces its counts. Returns whether it was new. */
export async function recordEngagement(pg: Pool, e: EngagementObservation): Promise<boolean> {
  const m = e.metrics;
  const onConflict =
    e.source === 'monitor'
      ? 'DO UPDATE SET views = EXCLUDED.views, likes = EXCLUDED.likes, comments = EXCLUDED.comments, shares = EXCLUDED.shares, clicks = EXCLUDED.clicks, occurred_at = EXCLUDED.occurred_at'
      : 'DO NOTHING';
  const { rowCount } = await pg.query(
    `INSERT INTO engagement_events (tenant_id, source, event_id, content_id, platform, occurred_at, views, likes, comments, shares, clicks)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (tenant_id, source, event_id) ${onConflict}`,
    [
      e.tenantId,
      e.source,
      e.eventId,
      e.contentId,
      e.platform,
      e.occurredAt,
      m.views ?? 0,
      m.likes ?? 0,
      m.comments ?? 0,
      m.shares ?? 0,
      m.clicks ?? 0,
    ],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * The reward a (content, platform) earns now — from its latest observation — recorded in the
 * ledger (version + 1 when it changed). Returns the credit for the learner of (brand, platform),
 * or undefined when no strategy was recorded with the content (nothing to attribute it to).
 * Calling it again without new observations returns the same credit, so re-sending is harmless.
 */
export async function creditContent(
  pg: Pool,
  tenantId: string,
  contentId: string,
  platform: Platform,
): Promise<(Credit & { brand: string; channel: Platform }) | undefined> {
  return withTransaction(pg, async (client) => {
    const owner = await client.query<{ brand: string; strategy: Strategy | null }>(
      'SELECT brand, strategy FROM content_strategies WHERE tenant_id = $1 AND content_id = $2',
      [tenantId, contentId],
    );
    const strategy = owner.rows[0]?.strategy;
    if (!owner.rows[0] || !strategy) return undefined;
    const latest = await client.query<EngagementMetrics>(
      `SELECT views::float8 AS views, likes::float8 AS likes, comments::float8 AS comments, shares::float8 AS shares, clicks::float8 AS clicks
         FROM engagement_events WHERE tenant_id = $1 AND content_id = $2 AND platform = $3
        ORDER BY occurred_at DESC, received_at DESC LIMIT 1`,
      [tenantId, contentId, platform],
    );
    if (!latest.rows[0]) return undefined;
    const reward = rewardFor(platform, latest.rows[0]);
    // Lock the content's row (or create it) so concurrent reports serialise their versions.
    const { rows } = await client.query<{ reward: number; previous_reward: number | null; version: number }>(
      `INSERT INTO strategy_credits (tenant_id, content_id, platform, brand, strategy, reward, previous_reward, version)
       VALUES ($1, $2, $3, $4, $5, $6, NULL, 1)
       ON CONFLICT (tenant_id, content_id, platform) DO UPDATE
         SET previous_reward = CASE WHEN strategy_credits.reward = EXCLUDED.reward THEN strategy_credits.previous_reward ELSE strategy_credits.reward END,
             version = strategy_credits.version + CASE WHEN strategy_credits.reward = EXCLUDED.reward THEN 0 ELSE 1 END,
             reward = EXCLUDED.reward,
             updated_at = CASE WHEN strategy_credits.reward = EXCLUDED.reward THEN strategy_credits.updated_at ELSE now() END
       RETURNING reward, previous_reward, version`,
      [tenantId, contentId, platform, owner.rows[0].brand, strategy, reward],
    );
    const row = rows[0]!;
    return {
      contentId,
      strategy,
      reward: row.reward,
      previousReward: row.previous_reward,
      version: row.version,
      brand: owner.rows[0].brand,
      channel: platform,
    };
  });
}

export async function saveLearnerState(
  pg: Pool,
  key: { tenantId: string; brand: string; channel: string },
  state: LearnerState,
): Promise<void> {
  await pg.query(
    `INSERT INTO strategy_learners (tenant_id, brand, channel, state, observations) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, brand, channel) DO UPDATE SET state = $4, observations = $5, updated_at = now()`,
    [key.tenantId, key.brand, key.channel, state, state.observations],
  );
}

/** Saved learners of the tenant's other brands that have seen engagement: the same channel's if
 *  there are any, else every channel's. */
export async function sisterLearners(
  pg: Pool,
  key: { tenantId: string; brand: string; channel: string },
): Promise<{ brand: string; state: LearnerState }[]> {
  const { rows } = await pg.query<{ brand: string; channel: string; state: LearnerState }>(
    'SELECT brand, channel, state FROM strategy_learners WHERE tenant_id = $1 AND brand <> $2 AND observations > 0 ORDER BY brand, channel',
    [key.tenantId, key.brand],
  );
  const sameChannel = rows.filter((row) => row.channel === key.channel);
  return (sameChannel.length ? sameChannel : rows).map(({ brand, state }) => ({ brand, state }));
}
