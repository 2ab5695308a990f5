// Engagement in: pushed by platforms and analytics tools through the signed endpoint, or
// collected by the content workflow's monitoring timers. Either way an observation is stored
// once per event id, the content's reward is recomputed from its latest counts and recorded in
// the ledger, and the learner of (brand, platform) receives the credit — also when the counts
// arrive days after publishing.
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { Config } from '../config';
import { PLATFORMS, type Platform } from '../publishing/adapter';
import { verifySignature } from '../publishing/signing';
import { signalCredits, type LearnerConfig } from './learners';
import { creditContent, recordEngagement, type EngagementObservation } from './store';
import { idSchema } from '../ids';

const count = z.number().int().min(0).max(1e12);
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, 'letters, digits, dot, colon, dash, underscore; at most 200');

export const EngagementEvent = z
  .object({
    /** The sender's unique id of this report: a replay or a duplicate is counted once. */
    eventId: id,
    contentId: idSchema('not a content id'),
    platform: z.enum(PLATFORMS),
    /** When the counts were true. Counts are totals so far; the latest report per (content, platform) wins. */
    occurredAt: z.iso.datetime({ offset: true }),
    metrics: z
      .object({
        views: count.optional(),
        likes: count.optional(),
        comments: count.optional(),
        shares: count.optional(),
        clicks: count.optional(),
      })
      .strict(),
  })
  .strict();

export const PushEngagementBody = z.object({ events: z.array(EngagementEvent).min(1).max(500) }).strict();

export const EngagementReceipt = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
  /** Events whose content has no recorded strategy (unknown content, or content submitted without one). */
  unattributed: z.number().int(),
  credits: z.array(z.object({ contentId: z.string(), platform: z.string(), reward: z.number(), version: z.number().int() })),
});
export type EngagementReceipt = z.infer<typeof EngagementReceipt>;

/** The push was refused; `status` is the HTTP status, `reason` a stable word for the sender. */
export class EngagementRefused extends Error {
  constructor(
    readonly status: 400 | 401 | 415,
    readonly reason:
      'unsigned' | 'malformed-signature' | 'stale-signature' | 'bad-signature' | 'unknown-tenant' | 'not-json' | 'future-timestamp',
    message: string,
  ) {
    super(message);
    this.name = 'EngagementRefused';
  }
}

export function pushSecretOf(config: Pick<Config, 'ENGAGEMENT_PUSH_SECRETS'>, tenantId: string): string | undefined {
  for (const pair of config.ENGAGEMENT_PUSH_SECRETS) {
    const at = pair.indexOf('=');
    if (pair.slice(0, at) === tenantId) return pair.slice(at + 1);
  }
  return undefined;
}

export interface EngagementDeps {
  config: Config;
  pg: Pool;
  temporal: Client;
}

/** Reports counted at most this far in the future (clock skew between sender and us). */
const FUTURE_SKEW_MS = 5 * 60_000;

/**
 * A push from a platform: verified (signature, then shape), then `admitted` (the tenant's rate
 * limit: only pushes that prove the tenant's secret count against it), then stored and credited.
 */
export async function ingestPushedEngagement(
  deps: EngagementDeps,
  tenantId: string,
  rawBody: Buffer | undefined,
  signature: string | undefined,
  contentType: string | undefined,
  admitted: () => Promise<void> = () => Promise.resolve(),
): Promise<EngagementReceipt> {
  const secret = pushSecretOf(deps.config, tenantId);
  // Unknown tenants and bad signatures look alike to the sender: nothing about other tenants leaks.
  if (!secret)
    throw new EngagementRefused(401, 'unknown-tenant', 'no engagement push is configured for this tenant, or the signature is wrong');
  if (!contentType?.startsWith('application/json') || !rawBody)
    throw new EngagementRefused(415, 'not-json', 'the body must be application/json');
  const text = rawBody.toString('utf8');
  const verdict = verifySignature(secret, signature, text, Math.floor(deps.config.ENGAGEMENT_MAX_AGE / 1000));
  if (!verdict.ok) {
    const why = {
      missing: ['unsigned', 'the X-MagicAI-Signature header is missing'],
      malformed: ['malformed-signature', 'X-MagicAI-Signature must be t=<unix seconds>,v1=<hex HMAC-SHA256>'],
      stale: ['stale-signature', `the signature timestamp is more than ${deps.config.ENGAGEMENT_MAX_AGE / 1000} s away from now`],
      mismatch: ['bad-signature', 'no engagement push is configured for this tenant, or the signature is wrong'],
    } as const;
    const [reason, message] = why[verdict.reason];
    throw new EngagementRefused(401, reason, message);
  }
  await admitted();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EngagementRefused(400, 'not-json', 'the body is not valid JSON');
  }
  const { events } = PushEngagementBody.parse(json);
  const now = Date.now();
  const late = events.find((event) => Date.parse(event.occurredAt) > now + FUTURE_SKEW_MS);
  if (late) throw new EngagementRefused(400, 'future-timestamp', `event ${late.eventId}: occurredAt ${late.occurredAt} is in the future`);

  let accepted = 0;
  for (const event of events) {
    const fresh = await recordEngagement(deps.pg, {
      tenantId,
      source: 'push',
      eventId: event.eventId,
      contentId: event.contentId,
      platform: event.platform,
      occurredAt: new Date(event.occurredAt),
      metrics: event.metrics,
    });
    if (fresh) accepted++;
  }
  // Duplicates are credited again too: the learner ignores a version it has, and a credit lost
  // between our commit and the signal (a crash) is delivered by the sender's retry.
  const touched = new Map(events.map((event) => [`${event.contentId}\u0000${event.platform}`, event]));
  const credits = [];
  let unattributed = 0;
  for (const event of touched.values()) {
    const credit = await creditContent(deps.pg, tenantId, event.contentId, event.platform);
    if (credit) credits.push(credit);
    else unattributed += events.filter((e) => e.contentId === event.contentId && e.platform === event.platform).length;
  }
  await signalCredits(deps.temporal, deps.config, tenantId, credits);
  return {
    accepted,
    duplicates: events.length - accepted,
    unattributed,
    credits: credits.map(({ contentId, channel, reward, version }) => ({ contentId, platform: channel, reward, version })),
  };
}

/** From the monitoring activity: one checkpoint's counts per platform, credited like a push. */
export async function creditMonitoredEngagement(
  pg: Pool,
  temporal: Client,
  config: LearnerConfig,
  input: {
    tenantId: string;
    contentId: string;
    checkpoint: string;
    observations: { platform: Platform; metrics: EngagementObservation['metrics'] }[];
  },
): Promise<number> {
  const credits = [];
  for (const { platform, metrics } of input.observations) {
    await recordEngagement(pg, {
      tenantId: input.tenantId,
      source: 'monitor',
      eventId: `${input.contentId}:${platform}:${input.checkpoint}`,
      contentId: input.contentId,
      platform,
      occurredAt: new Date(),
      metrics,
    });
    const credit = await creditContent(pg, input.tenantId, input.contentId, platform);
    if (credit) credits.push(credit);
  }
  if (credits.length) await signalCredits(temporal, config, input.tenantId, credits);
  return credits.length;
}
