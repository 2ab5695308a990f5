// The signed-webhook platform. Protocol (documented in README "Publishing platforms"):
//   POST <PUBLISH_WEBHOOK_URL>            JSON {tenantId, contentId, revision, title, body, locale,
//                                          aiDisclosure?, idempotencyKey}
//        headers Idempotency-Key, X-MagicAI-Signature → 2xx {id, url?}; the same key must give
//        the same id back (the receiver deduplicates).
//   GET  <PUBLISH_WEBHOOK_URL>/<id>/metrics (signed, empty body) → {views, clicks, likes, shares, comments}
import { permanent } from '../errors';
import type { PostMetrics, PublishingAdapter } from './adapter';
import { platformRequest } from './platform-http';
import { SIGNATURE_HEADER, sign } from './signing';

export interface WebhookOptions {
  url: string;
  secret: string;
  timeoutMs: number;
}

const asMetrics = (value: unknown): PostMetrics => {
  const m = (value ?? {}) as Record<string, unknown>;
  const n = (key: string) => {
    const v = m[key];
    return typeof v === 'number' && Number.isFinite(v) ? v : 0;
  };
  return { views: n('views'), clicks: n('clicks'), likes: n('likes'), shares: n('shares'), comments: n('comments') };
};

export function createWebhookPlatform(options: WebhookOptions): PublishingAdapter {
  const base = options.url.replace(/\/+$/, '');
  return {
    platform: 'webhook',
    async publish(request) {
      const body = JSON.stringify(request);
      const { json } = await platformRequest('webhook', base, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': request.idempotencyKey,
          [SIGNATURE_HEADER]: sign(options.secret, body),
        },
        body,
        timeoutMs: options.timeoutMs,
      });
      const answer = json as { id?: unknown; url?: unknown } | undefined;
      if (typeof answer?.id !== 'string' && typeof answer?.id !== 'number')
        throw permanent('PlatformRejected', 'webhook answered 2xx without an id');
      return { externalId: String(answer.id), url: typeof answer.url === 'string' ? answer.url : undefined };
    },
    async metrics(post) {
      const { json } = await platformRequest('webhook', `${base}/${encodeURIComponent(post.externalId)}/metrics`, {
        method: 'GET',
        headers: { [SIGNATURE_HEADER]: sign(options.secret, '') },
        timeoutMs: options.timeoutMs,
      });
      return asMetrics(json);
    },
  };
}
