// Builds the adapter of every platform from configuration. A platform without configuration
// still exists, and fails with a clear, non-retryable PlatformNotConfigured when used.
import type { Pool } from 'pg';
import type { Config } from '../config';
import { permanent } from '../errors';
import type { Platform, PublishingAdapter } from './adapter';
import { createFeedPlatform } from './feed';
import { createWebhookPlatform } from './webhook';
import { createWordPressPlatform } from './wordpress';

const notConfigured = (platform: Platform, variable: string): PublishingAdapter => {
  const fail = (): Promise<never> => Promise.reject(permanent('PlatformNotConfigured', `${platform} is not configured (set ${variable})`));
  return { platform, publish: fail, metrics: fail };
};

export function createPublishingAdapters(config: Config, pg: Pool): Record<Platform, PublishingAdapter> {
  const timeoutMs = config.PLATFORM_TIMEOUT_MS;
  return {
    webhook: config.PUBLISH_WEBHOOK_URL
      ? createWebhookPlatform({ url: config.PUBLISH_WEBHOOK_URL, secret: config.PUBLISH_WEBHOOK_SECRET, timeoutMs })
      : notConfigured('webhook', 'PUBLISH_WEBHOOK_URL'),
    wordpress: config.WORDPRESS_URL
      ? createWordPressPlatform({
          url: config.WORDPRESS_URL,
          user: config.WORDPRESS_USER,
          appPassword: config.WORDPRESS_APP_PASSWORD,
          timeoutMs,
        })
      : notConfigured('wordpress', 'WORDPRESS_URL'),
    feed: createFeedPlatform(pg, config.PUBLIC_BASE_URL),
  };
}
