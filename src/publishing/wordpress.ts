// WordPress through its REST API (`/wp-json/wp/v2`), authenticated with an Application
// Password. WordPress has no idempotency keys, so the post's slug is derived from ours: before
// creating, the adapter looks the slug up, and a post that an earlier (crashed) attempt created
// is returned instead of a second one.
import { createHash } from 'node:crypto';
import { permanent } from '../errors';
import type { PublishRequest, PublishingAdapter } from './adapter';
import { platformRequest } from './platform-http';

export interface WordPressOptions {
  url: string;
  user: string;
  appPassword: string;
  timeoutMs: number;
}

export const slugFor = (idempotencyKey: string) => `magicai-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Plain text → paragraphs; everything escaped (the text is data, never markup). */
export function renderWordPressContent(request: Pick<PublishRequest, 'body' | 'aiDisclosure'>): string {
  const paragraphs = request.body.split(/\n{2,}/).map((p) => `<p>${escapeHtml(p.trim()).replace(/\n/g, '<br />')}</p>`);
  if (request.aiDisclosure) paragraphs.push(`<p class="ai-disclosure"><em>${escapeHtml(request.aiDisclosure.notice)}</em></p>`);
  return paragraphs.join('\n');
}

interface WpPost {
  id: number;
  link?: string;
}

export function createWordPressPlatform(options: WordPressOptions): PublishingAdapter {
  const api = `${options.url.replace(/\/+$/, '')}/wp-json/wp/v2`;
  const auth = `Basic ${Buffer.from(`${options.user}:${options.appPassword}`).toString('base64')}`;
  const call = (path: string, init: RequestInit = {}) =>
    platformRequest('wordpress', `${api}${path}`, { ...init, headers: { authorization: auth, 'content-type': 'application/json', ...init.headers }, timeoutMs: options.timeoutMs });

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
