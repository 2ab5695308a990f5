// WordPress through its REST API (`/wp-json/wp/v2`), authenticated with an Application
// Password. WordPress has no idempotency keys, so the post's slug is derived from ours: before
// creating, the adapter looks the slug up, and a post that an earlier (crashed) attempt created
// is returned instead of a second one.
import { createHash } from 'node:crypto';
import { permanent } from '../errors';
import type { PublishRequest, PublishingAdapter } from './adapter';
import { platformRequest } from './platform-http';
import { aiNoticeOf, renderHtml } from './render';

export interface WordPressOptions {
  url: string;
  user: string;
  appPassword: string;
  timeoutMs: number;
}

export const slugFor = (idempotencyKey: string) => `magicai-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`;

/** Plain text → paragraphs; everything escaped (the text is data, never markup). */
export const renderWordPressContent = (request: Pick<PublishRequest, 'body' | 'aiDisclosure'>) =>
  renderHtml({ body: request.body, aiNotice: aiNoticeOf(request) });

// WordPress ignores credentials it refuses and serves the request as anonymous, so a wrong or
// revoked Application Password does not always answer 401: the slug lookup (which asks for
// drafts too) answers 400 rest_invalid_param with a nested `rest_forbidden_status` (401).
// Seen against WordPress 6.1 (Debian's package); tests/wordpress-real.test.ts covers it.
const WP_AUTH_CODES = new Set([
  'rest_not_logged_in',
  'rest_forbidden_status',
  'rest_forbidden_context',
  'rest_cannot_create',
  'incorrect_password',
  'invalid_username',
]);

interface WpError {
  code?: unknown;
  data?: { status?: unknown; details?: Record<string, WpError> };
}

export function isWordPressAuthFailure(_status: number, json: unknown): boolean {
  const error = json as WpError | undefined;
  if (!error || typeof error !== 'object') return false;
  if (typeof error.code === 'string' && WP_AUTH_CODES.has(error.code)) return true;
  return Object.values(error.data?.details ?? {}).some(
    (inner) =>
      (typeof inner?.code === 'string' && WP_AUTH_CODES.has(inner.code)) || inner?.data?.status === 401 || inner?.data?.status === 403,
  );
}

interface WpPost {
  id: number;
  link?: string;
}

export function createWordPressPlatform(options: WordPressOptions): PublishingAdapter {
  const api = `${options.url.replace(/\/+$/, '')}/wp-json/wp/v2`;
  const auth = `Basic ${Buffer.from(`${options.user}:${options.appPassword}`).toString('base64')}`;
  const call = (path: string, init: RequestInit = {}) =>
    platformRequest('wordpress', `${api}${path}`, {
      ...init,
      headers: { authorization: auth, 'content-type': 'application/json', ...init.headers },
      timeoutMs: options.timeoutMs,
      isAuthFailure: isWordPressAuthFailure,
    });

  return {
    platform: 'wordpress',
    async publish(request) {
      const slug = slugFor(request.idempotencyKey);
      const found = await call(`/posts?slug=${slug}&status=publish,future,draft,pending,private&context=edit`);
      const existing = Array.isArray(found.json) ? (found.json as WpPost[])[0] : undefined;
      if (existing) return { externalId: String(existing.id), url: existing.link };
      const created = await call('/posts', {
        method: 'POST',
        body: JSON.stringify({
          title: request.title,
          content: renderWordPressContent(request),
          excerpt: request.aiDisclosure ? request.aiDisclosure.notice : '',
          status: 'publish',
          slug,
        }),
      });
      const post = created.json as WpPost | undefined;
      if (typeof post?.id !== 'number') throw permanent('PlatformRejected', 'WordPress created no post id');
      return { externalId: String(post.id), url: post.link };
    },
    async metrics(post) {
      // WordPress core counts comments but not views; a stats plugin would add those.
      const { headers } = await call(`/comments?post=${encodeURIComponent(post.externalId)}&per_page=1`);
      return { views: 0, clicks: 0, likes: 0, shares: 0, comments: Number(headers.get('x-wp-total') ?? 0) || 0 };
    },
  };
}
