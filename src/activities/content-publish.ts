// Publishing, monitoring and notifications. Exactly one post per (content, platform): the
// publication row is written before the platform is called and after it accepted; the
// platform receives a stable idempotency key, so a retry after a crash between the two
// (platform accepted, activity never completed) gets the same post back, not a second one.
import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import { checkpointLabel } from '../content/model';
import { PipelineError } from '../errors';
import type { AiRef, ContentRef } from '../content/model';
import type { NotificationEvent, Notifier } from '../notifications/types';
import type { AiDisclosure, Platform, PostMetrics, PublishedPost, PublishingAdapter } from '../publishing/adapter';
import { creditMonitoredEngagement } from '../strategy/engagement';
import type { LearnerConfig } from '../strategy/learners';

export interface PublishInput extends ContentRef {
  platform: Platform;
  revision: number;
}

export interface PublishResult extends PublishedPost {
  platform: Platform;
  /** true when an earlier attempt had already published it. */
  alreadyPublished: boolean;
}

export const publicationKey = (tenantId: string, contentId: string, platform: Platform) => `${tenantId}:${contentId}:${platform}`;

/** Heartbeats while a slow call runs, so a dead worker is noticed within the heartbeat timeout. */
async function withHeartbeat<T>(work: Promise<T>): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), 1_000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

function disclosureOf(ai: AiRef | null): AiDisclosure | undefined {
  if (!ai) return undefined;
  return {
    generated: true,
    model: ai.model,
    promptVersion: ai.promptVersion,
    notice: `This text was drafted with AI assistance (model ${ai.model}) and reviewed by a person before publishing.`,
  };
}

async function loadForPublishing(pg: Pool, { tenantId, contentId, revision }: PublishInput) {
  const { rows } = await pg.query<{ title: string; body: string; locale: string; ai: AiRef | null }>(
    // The disclosure sticks: if any revision was written by the model, the published text carries it.
    `SELECT r.title, r.body, c.locale,
            (SELECT a.ai FROM content_revisions a WHERE a.tenant_id = r.tenant_id AND a.content_id = r.content_id
                AND a.ai IS NOT NULL ORDER BY a.revision DESC LIMIT 1) AS ai
       FROM content_revisions r JOIN content_items c USING (tenant_id, content_id)
      WHERE r.tenant_id = $1 AND r.content_id = $2 AND r.revision = $3`,
    [tenantId, contentId, revision],
  );
  if (!rows[0]) throw new PipelineError('RevisionNotFound', `no revision ${revision} of content ${contentId}`, false);
  return rows[0];
}

export function createContentPublishActivities(deps: { pg: Pool; adapters: Record<Platform, PublishingAdapter>; notifier: Notifier; config?: LearnerConfig }) {
  const { pg, adapters, notifier } = deps;

  return {
    async publishToPlatform(input: PublishInput): Promise<PublishResult> {
      const { tenantId, contentId, platform } = input;
      const key = publicationKey(tenantId, contentId, platform);
      // Record before: the row exists (status 'sending') before the platform sees anything.
      const { rows } = await pg.query<{ status: string; external_id: string | null; url: string | null }>(
        `INSERT INTO content_publications (tenant_id, content_id, platform, idempotency_key, status, revision, attempts)
         VALUES ($1, $2, $3, $4, 'sending', $5, 1)
         ON CONFLICT (tenant_id, content_id, platform) DO UPDATE
           SET attempts = content_publications.attempts + CASE WHEN content_publications.status = 'published' THEN 0 ELSE 1 END,
               status = CASE WHEN content_publications.status = 'published' THEN 'published' ELSE 'sending' END,
               updated_at = now()
         RETURNING status, external_id, url`,
        [tenantId, contentId, platform, key, input.revision],
      );
      const row = rows[0]!;
      if (row.status === 'published') return { platform, externalId: row.external_id!, url: row.url ?? undefined, alreadyPublished: true };

      const text = await loadForPublishing(pg, input);
      const post = await withHeartbeat(
        adapters[platform].publish({
          tenantId,
          contentId,
          revision: input.revision,
          title: text.title,
          body: text.body,
          locale: text.locale,
          idempotencyKey: key,
          aiDisclosure: disclosureOf(text.ai),
        }),
      );
      // Record after.
      await pg.query(
        `UPDATE content_publications SET status = 'published', external_id = $4, url = $5, published_at = now(), last_error = NULL, updated_at = now()
          WHERE tenant_id = $1 AND content_id = $2 AND platform = $3`,
        [tenantId, contentId, platform, post.externalId, post.url ?? null],
      );
      return { platform, ...post, alreadyPublished: false };
    },

    /** After the retries are spent: the platform is reported as failed, the others carry on. */
    async recordPublicationFailure(input: PublishInput & { error: { type: string; message: string } }): Promise<void> {
      await pg.query(
        `INSERT INTO content_publications (tenant_id, content_id, platform, idempotency_key, status, revision, last_error)
         VALUES ($1, $2, $3, $4, 'failed', $5, $6)
         ON CONFLICT (tenant_id, content_id, platform) DO UPDATE SET status = 'failed', last_error = $6, updated_at = now()
           WHERE content_publications.status <> 'published'`,
        [input.tenantId, input.contentId, input.platform, publicationKey(input.tenantId, input.contentId, input.platform), input.revision, input.error],
      );
    },

    /** One monitoring checkpoint: engagement of every published post, stored, and fed to the learning loop. */
    async collectContentMetrics(input: ContentRef & { afterMs: number }): Promise<{ checkpoint: string; platforms: number }> {
      const checkpoint = checkpointLabel(input.afterMs);
      const { rows } = await pg.query<{ platform: Platform; external_id: string; url: string | null }>(
        `SELECT platform, external_id, url FROM content_publications WHERE tenant_id = $1 AND content_id = $2 AND status = 'published'`,
        [input.tenantId, input.contentId],
      );
      const ai = await pg.query<{ ai: AiRef | null }>(
        `SELECT ai FROM content_revisions WHERE tenant_id = $1 AND content_id = $2 AND ai IS NOT NULL ORDER BY revision DESC LIMIT 1`,
        [input.tenantId, input.contentId],
      );
      const provenance = ai.rows[0]?.ai ?? null;
      const observed: { platform: Platform; metrics: PostMetrics }[] = [];
      for (const post of rows) {
        const metrics: PostMetrics = await adapters[post.platform].metrics({
          externalId: post.external_id,
          url: post.url ?? undefined,
          contentId: input.contentId,
          tenantId: input.tenantId,
        });
        await pg.query(
          `INSERT INTO content_metrics (tenant_id, content_id, platform, checkpoint, views, clicks, likes, shares, comments)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (tenant_id, content_id, platform, checkpoint) DO UPDATE
             SET views = $5, clicks = $6, likes = $7, shares = $8, comments = $9, collected_at = now()`,
          [input.tenantId, input.contentId, post.platform, checkpoint, metrics.views, metrics.clicks, metrics.likes, metrics.shares, metrics.comments],
        );
        const engagement = metrics.clicks + metrics.likes + metrics.shares + metrics.comments;
        await pg.query(
          `INSERT INTO learning_feedback (feedback_key, tenant_id, subject_kind, subject_id, model, prompt_version, signal, value, detail)
           VALUES ($1, $2, 'content', $3, $4, $5, 'engagement', $6, $7)
           ON CONFLICT (feedback_key) DO UPDATE SET value = $6, detail = $7, recorded_at = now()`,
          [
            `${input.tenantId}:${input.contentId}:${post.platform}:${checkpoint}:engagement`, input.tenantId, input.contentId,
            provenance?.model ?? null, provenance?.promptVersion ?? null, engagement, { platform: post.platform, checkpoint, ...metrics },
          ],
        );
        observed.push({ platform: post.platform, metrics });
      }
      // The strategy learner of (brand, platform) is credited from here, not from the workflow:
      // the content workflow's command sequence stays as it is for runs in flight.
      if (deps.config && observed.length) {
        await creditMonitoredEngagement(pg, Context.current().client, deps.config, { tenantId: input.tenantId, contentId: input.contentId, checkpoint, observations: observed });
      }
      return { checkpoint, platforms: rows.length };
    },

    async notify(event: NotificationEvent): Promise<{ delivered: boolean; reason?: string }> {
      return notifier.notify(event);
    },
  };
}

export type ContentPublishActivities = ReturnType<typeof createContentPublishActivities>;
