// The content performance report: per brand, channel and strategy, what happened to the content
// submitted in a period — auto-approved, reviewed, published within SLA, rejected, expired — the
// success rate against the 98 % target, and engagement. One content targets several channels;
// each (content, channel) counts once in its channel's row.
import type { Pool } from 'pg';
import { z } from 'zod';

export const SUCCESS_TARGET = 0.98;

export const ReportQuery = z
  .object({
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    brand: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)
      .optional(),
    channel: z.string().max(40).optional(),
  })
  .strict();

/** A well-formed query whose period is empty or reversed (a rule between two fields; the API's 422). */
export class InvalidPeriod extends Error {
  override readonly name = 'InvalidPeriod';
}

const Figures = z.object({
  submitted: z.number().int(),
  autoApproved: z.number().int(),
  reviewed: z.number().int(),
  publishedWithinSla: z.number().int(),
  publishedLate: z.number().int(),
  publishFailed: z.number().int(),
  rejected: z.number().int(),
  expired: z.number().int(),
  open: z.number().int(),
  /** publishedWithinSla / (publishedWithinSla + publishedLate + publishFailed + expired); null when nothing settled. */
  successRate: z.number().nullable(),
  meetsTarget: z.boolean().nullable(),
  engagement: z.object({
    views: z.number(),
    likes: z.number(),
    comments: z.number(),
    shares: z.number(),
    clicks: z.number(),
    meanReward: z.number().nullable(),
    rewarded: z.number().int(),
  }),
});
export type Figures = z.infer<typeof Figures>;

export const PerformanceReport = z.object({
  tenantId: z.string(),
  from: z.string(),
  to: z.string(),
  target: z.number(),
  slaMs: z.number(),
  groups: z.array(Figures.extend({ brand: z.string(), channel: z.string(), strategy: z.string() })),
  total: Figures,
});
export type PerformanceReport = z.infer<typeof PerformanceReport>;

interface Row {
  brand: string;
  channel: string;
  strategy: string;
  submitted: number;
  auto_approved: number;
  reviewed: number;
  in_sla: number;
  late: number;
  publish_failed: number;
  rejected: number;
  expired: number;
  views: number;
  likes: number;
  comments: number;
  shares: number;
  clicks: number;
  reward_sum: number;
  rewarded: number;
}

// Each (content, channel) is classified once; the CASE order decides overlaps (a rejected content has no publication).
const SQL = `
WITH items AS (
  SELECT c.tenant_id, c.content_id, ch.channel, c.status, c.created_at,
         COALESCE(s.brand, 'default') AS brand,
         CASE WHEN s.strategy IS NULL THEN 'none'
              ELSE (s.strategy->>'tone') || '/' || (s.strategy->>'length') || '/' || (s.strategy->>'structure') || '/h' || (s.strategy->>'hourOfWeek') END AS strategy,
         GREATEST(c.created_at, COALESCE(c.publish_at, c.created_at)) + make_interval(secs => $4::float8 / 1000) AS publish_deadline
    FROM content_items c
    CROSS JOIN LATERAL unnest(c.platforms) AS ch(channel)
    LEFT JOIN content_strategies s ON s.tenant_id = c.tenant_id AND s.content_id = c.content_id
   WHERE c.tenant_id = $1 AND c.created_at >= $2 AND c.created_at < $3
), classified AS (
  SELECT i.*,
         EXISTS (SELECT 1 FROM content_audit a WHERE a.tenant_id = i.tenant_id AND a.content_id = i.content_id AND a.action = 'review.auto-approved') AS auto_approved,
         EXISTS (SELECT 1 FROM content_audit a WHERE a.tenant_id = i.tenant_id AND a.content_id = i.content_id
                   AND a.action IN ('review.approve', 'review.reject', 'review.request-changes')) AS reviewed,
         CASE WHEN i.status = 'rejected' THEN 'rejected'
              WHEN i.status = 'expired' THEN 'expired'
              WHEN p.status = 'published' AND p.published_at <= i.publish_deadline THEN 'in-sla'
              WHEN p.status = 'published' THEN 'late'
              WHEN p.status = 'failed' OR i.status = 'failed' THEN 'publish-failed'
              ELSE 'open' END AS outcome,
         e.views, e.likes, e.comments, e.shares, e.clicks, cr.reward
    FROM items i
    LEFT JOIN content_publications p ON p.tenant_id = i.tenant_id AND p.content_id = i.content_id AND p.platform = i.channel
    LEFT JOIN LATERAL (
      SELECT views, likes, comments, shares, clicks FROM engagement_events ev
       WHERE ev.tenant_id = i.tenant_id AND ev.content_id = i.content_id AND ev.platform = i.channel
       ORDER BY occurred_at DESC, received_at DESC LIMIT 1) e ON true
    LEFT JOIN strategy_credits cr ON cr.tenant_id = i.tenant_id AND cr.content_id = i.content_id AND cr.platform = i.channel
)
SELECT brand, channel, strategy,
       count(*)::int AS submitted,
       count(*) FILTER (WHERE auto_approved)::int AS auto_approved,
       count(*) FILTER (WHERE reviewed)::int AS reviewed,
       count(*) FILTER (WHERE outcome = 'in-sla')::int AS in_sla,
       count(*) FILTER (WHERE outcome = 'late')::int AS late,
       count(*) FILTER (WHERE outcome = 'publish-failed')::int AS publish_failed,
       count(*) FILTER (WHERE outcome = 'rejected')::int AS rejected,
       count(*) FILTER (WHERE outcome = 'expired')::int AS expired,
       COALESCE(sum(views), 0)::float8 AS views, COALESCE(sum(likes), 0)::float8 AS likes, COALESCE(sum(comments), 0)::float8 AS comments,
       COALESCE(sum(shares), 0)::float8 AS shares, COALESCE(sum(clicks), 0)::float8 AS clicks,
       COALESCE(sum(reward), 0)::float8 AS reward_sum, count(reward)::int AS rewarded
  FROM classified
 WHERE ($5::text IS NULL OR brand = $5) AND ($6::text IS NULL OR channel = $6)
 GROUP BY brand, channel, strategy
 ORDER BY brand, channel, strategy`;

function figures(rows: Row[]): Figures {
  const sum = (key: keyof Row) => rows.reduce((total, row) => total + Number(row[key]), 0);
  const inSla = sum('in_sla');
  const settled = inSla + sum('late') + sum('publish_failed') + sum('expired');
  const successRate = settled ? Math.round((inSla / settled) * 10_000) / 10_000 : null;
  const rewarded = sum('rewarded');
  return {
    submitted: sum('submitted'),
    autoApproved: sum('auto_approved'),
    reviewed: sum('reviewed'),
    publishedWithinSla: inSla,
    publishedLate: sum('late'),
    publishFailed: sum('publish_failed'),
    rejected: sum('rejected'),
    expired: sum('expired'),
    open: sum('submitted') - settled - sum('rejected'),
    successRate,
    meetsTarget: successRate === null ? null : successRate >= SUCCESS_TARGET,
    engagement: {
      views: sum('views'),
      likes: sum('likes'),
      comments: sum('comments'),
      shares: sum('shares'),
      clicks: sum('clicks'),
      meanReward: rewarded ? Math.round((sum('reward_sum') / rewarded) * 10_000) / 10_000 : null,
      rewarded,
    },
  };
}

/** `slaMs` (CONTENT_PUBLISH_SLA): content counts as published within SLA when published no later
 *  than this after the later of its submission and its requested publish time. */
export async function performanceReport(pg: Pool, tenantId: string, query: unknown, slaMs: number): Promise<PerformanceReport> {
  const { from, to, brand, channel } = ReportQuery.parse(query);
  if (!(Date.parse(from) < Date.parse(to))) throw new InvalidPeriod('from must be before to');
  const { rows } = await pg.query<Row>(SQL, [tenantId, new Date(from), new Date(to), slaMs, brand ?? null, channel ?? null]);
  return {
    tenantId,
    from,
    to,
    target: SUCCESS_TARGET,
    slaMs,
    groups: rows.map((row) => ({ brand: row.brand, channel: row.channel, strategy: row.strategy, ...figures([row]) })),
    total: figures(rows),
  };
}
