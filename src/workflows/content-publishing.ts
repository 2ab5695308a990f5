// The content workflow's last phase: wait for the publish time on a durable timer, publish to
// every platform in parallel (one failing platform does not stop the others), then collect
// engagement at each monitoring offset after publishing (+1 h, +24 h, +7 d by default).
import { log, proxyActivities, sleep } from '@temporalio/workflow';
import type { ContentPublishActivities, PublishResult } from '../activities/content-publish';
import type { ContentSnapshot } from '../content/model';
import { metricsCollection, platformPublish, storeWrite } from './activity-presets';
import type { ContentRecorder } from './content-recording';
import { failureOf } from './failures';

export interface PublishPlan {
  /** ISO time; publishing waits for it. */
  publishAt?: string;
  monitorAfterMs: number[];
}

export async function publishAndMonitor(state: ContentSnapshot, plan: PublishPlan, recorder: ContentRecorder): Promise<void> {
  const { tenantId, contentId, authorId } = state;
  const { transition, notify } = recorder;
  const publishing = proxyActivities<ContentPublishActivities>(platformPublish);
  const publishStore = proxyActivities<ContentPublishActivities>(storeWrite);
  const monitoring = proxyActivities<ContentPublishActivities>(metricsCollection);

  const publishAt = plan.publishAt ? Date.parse(plan.publishAt) : 0;
  if (publishAt > Date.now()) {
    await transition('system', 'publish.scheduled', { stage: 'scheduled' }, { detail: { publishAt: plan.publishAt } });
    await sleep(publishAt - Date.now());
  }
  await transition('system', 'publish.started', { stage: 'publishing' });
  const revision = state.revision;
  await Promise.all(
    state.publications.map(async (publication) => {
      const ref = { tenantId, contentId, platform: publication.platform, revision };
      try {
        const post: PublishResult = await publishing.publishToPlatform(ref);
        Object.assign(publication, { status: 'published', externalId: post.externalId, url: post.url });
        await transition(
          'system',
          'publish.succeeded',
          {},
          { detail: { platform: publication.platform, externalId: post.externalId, url: post.url } },
        );
      } catch (error) {
        const failure = failureOf(error);
        log.warn('publishing failed', { contentId, platform: publication.platform, ...failure });
        Object.assign(publication, { status: 'failed', error: failure });
        await publishStore.recordPublicationFailure({ ...ref, error: failure });
        await transition('system', 'publish.failed', {}, { detail: { platform: publication.platform, ...failure } });
        notify('publish-failed', [authorId], `${publication.platform}: ${failure.type}`);
      }
    }),
  );
  const published = state.publications.filter((p) => p.status === 'published');
  if (published.length === 0) {
    await transition('system', 'publish.all-failed', { stage: 'closed' });
    return;
  }
  notify('content-published', [authorId], published.map((p) => p.platform).join(', '));
  await transition('system', 'monitoring.started', { stage: 'monitoring' });
  const publishedAt = Date.now();
  for (const afterMs of [...plan.monitorAfterMs].sort((a, b) => a - b)) {
    await sleep(Math.max(1, publishedAt + afterMs - Date.now()));
    const collected = await monitoring.collectContentMetrics({ tenantId, contentId, afterMs });
    state.metricsCollected.push(collected.checkpoint);
    log.info('metrics collected', { contentId, checkpoint: collected.checkpoint, platforms: collected.platforms });
  }
  await transition('system', 'content.completed', { stage: 'completed' });
}
