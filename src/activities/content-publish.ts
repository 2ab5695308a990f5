// Publishing, monitoring and notifications. Exactly one post per (content, platform): the
// publication row is written before the platform is called and after it accepted; the
// platform receives a stable idempotency key, so a retry after a crash between the two
// (platform accepted, activity never completed) gets the same post back, not a second one.
import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import { ContentFailure, checkpointLabel } from '../content/model';
import * as store from '../content/store';
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

export { publicationKey } from '../content/store';

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

async function loadForPublishing(pg: Pool, input: PublishInput) {
  const found = await store.loadForPublishing(pg, input);
  if (!found)
    throw new PipelineError(ContentFailure.RevisionNotFound, `no revision ${input.revision} of content ${input.contentId}`, false);
  return found;
}

export function createContentPublishActivities(deps: {
  pg: Pool;
  adapters: Record<Platform, PublishingAdapter>;
  notifier: Notifier;
  config?: LearnerConfig;
}) {
  const { pg, adapters, notifier } = deps;

  return {
    async publishToPlatform(input: PublishInput): Promise<PublishResult> {
      const { tenantId, contentId, platform } = input;
      const key = store.publicationKey(tenantId, contentId, platform);
      // Record before: the row exists (status 'sending') before the platform sees anything.
      const row = await store.claimPublication(pg, input);
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
      await store.markPublished(pg, { tenantId, contentId, platform, externalId: post.externalId, url: post.url });
      return { platform, ...post, alreadyPublished: false };
    },

    /** After the retries are spent: the platform is reported as failed, the others carry on. */
    async recordPublicationFailure(input: PublishInput & { error: { type: string; message: string } }): Promise<void> {
      await store.markPublicationFailed(pg, input);
    },

    /** One monitoring checkpoint: engagement of every published post, stored, and fed to the learning loop. */
    async collectContentMetrics(input: ContentRef & { afterMs: number }): Promise<{ checkpoint: string; platforms: number }> {
      const checkpoint = checkpointLabel(input.afterMs);
      const rows = await store.publishedPosts(pg, input.tenantId, input.contentId);
      const provenance = await store.latestAiProvenance(pg, input.tenantId, input.contentId);
      const observed: { platform: Platform; metrics: PostMetrics }[] = [];
      for (const post of rows) {
        const metrics: PostMetrics = await adapters[post.platform].metrics({
          externalId: post.external_id,
          url: post.url ?? undefined,
          contentId: input.contentId,
          tenantId: input.tenantId,
        });
        await store.upsertMetrics(pg, {
          tenantId: input.tenantId,
          contentId: input.contentId,
          platform: post.platform,
          checkpoint,
          ...metrics,
        });
        const engagement = metrics.clicks + metrics.likes + metrics.shares + metrics.comments;
        await pg.query(
          `INSERT INTO learning_feedback (feedback_key, tenant_id, subject_kind, subject_id, model, prompt_version, signal, value, detail)
           VALUES ($1, $2, 'content', $3, $4, $5, 'engagement', $6, $7)
           ON CONFLICT (feedback_key) DO UPDATE SET value = $6, detail = $7, recorded_at = now()`,
          [
            `${input.tenantId}:${input.contentId}:${post.platform}:${checkpoint}:engagement`,
            input.tenantId,
            input.contentId,
            provenance?.model ?? null,
            provenance?.promptVersion ?? null,
            engagement,
            { platform: post.platform, checkpoint, ...metrics },
          ],
        );
        observed.push({ platform: post.platform, metrics });
      }
      // The strategy learner of (brand, platform) is credited from here, not from the workflow:
      // the content workflow's command sequence stays as it is for runs in flight.
      if (deps.config && observed.length) {
        await creditMonitoredEngagement(pg, Context.current().client, deps.config, {
          tenantId: input.tenantId,
          contentId: input.contentId,
          checkpoint,
          observations: observed,
        });
      }
      return { checkpoint, platforms: rows.length };
    },

    async notify(event: NotificationEvent): Promise<{ delivered: boolean; reason?: string }> {
      return notifier.notify(event);
    },
  };
}

export type ContentPublishActivities = ReturnType<typeof createContentPublishActivities>;
