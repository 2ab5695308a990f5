// The RSS/Atom feed platform: publishing stores an entry (a repeat with the same key is a
// no-op), and the API serves the tenant's feed as RSS 2.0 and Atom 1.0 (rendered by the
// `feed` library, which wraps text in CDATA). Views are the times an entry was served.
import { Feed } from 'feed';
import type { Pool } from 'pg';
import type { PublishingAdapter } from './adapter';
import { escapeHtml, renderHtml, renderSummaryHtml } from './render';

export interface FeedEntry {
  contentId: string;
  title: string;
  body: string;
  locale: string;
  aiNotice: string | null;
  publishedAt: Date;
}

export const feedUrls = (publicBaseUrl: string, tenantId: string) => {
  const base = `${publicBaseUrl.replace(/\/+$/, '')}/v1/feeds/${encodeURIComponent(tenantId)}`;
  return {
    rss: `${base}/rss.xml`,
    atom: `${base}/atom.xml`,
    entry: (contentId: string) => `${base}/entries/${encodeURIComponent(contentId)}`,
  };
};

export function createFeedPlatform(pg: Pool, publicBaseUrl: string): PublishingAdapter {
  return {
    platform: 'feed',
    async publish(request) {
      await pg.query(
        `INSERT INTO feed_entries (idempotency_key, tenant_id, content_id, revision, title, body, locale, ai_notice)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (idempotency_key) DO NOTHING`,
        [
          request.idempotencyKey,
          request.tenantId,
          request.contentId,
          request.revision,
          request.title,
          request.body,
          request.locale,
          request.aiDisclosure?.notice ?? null,
        ],
      );
      return { externalId: request.idempotencyKey, url: feedUrls(publicBaseUrl, request.tenantId).entry(request.contentId) };
    },
    async metrics(post) {
      const { rows } = await pg.query<{ reads: string }>('SELECT reads FROM feed_entries WHERE idempotency_key = $1', [post.externalId]);
      return { views: Number(rows[0]?.reads ?? 0), clicks: 0, likes: 0, shares: 0, comments: 0 };
    },
  };
}

/** The latest entries of a tenant; serving them counts a read of each. */
export async function readFeedEntries(pg: Pool, tenantId: string, limit = 50): Promise<FeedEntry[]> {
  const { rows } = await pg.query<{
    content_id: string;
    title: string;
    body: string;
    locale: string;
    ai_notice: string | null;
    published_at: Date;
  }>(
    `UPDATE feed_entries SET reads = reads + 1
      WHERE idempotency_key IN (SELECT idempotency_key FROM feed_entries WHERE tenant_id = $1 ORDER BY published_at DESC LIMIT $2)
      RETURNING content_id, title, body, locale, ai_notice, published_at`,
    [tenantId, limit],
  );
  return rows
    .map((r) => ({
      contentId: r.content_id,
      title: r.title,
      body: r.body,
      locale: r.locale,
      aiNotice: r.ai_notice,
      publishedAt: r.published_at,
    }))
    .sort((a, b) => b.publishedAt.getTime() - a.publishedAt.getTime());
}

export function renderFeed(entries: FeedEntry[], tenantId: string, publicBaseUrl: string, format: 'rss' | 'atom'): string {
  const urls = feedUrls(publicBaseUrl, tenantId);
  const feed = new Feed({
    title: `MagicAI content — ${tenantId}`,
    description: `Published content of ${tenantId}`,
    id: urls.atom,
    link: urls.rss,
    language: entries[0]?.locale,
    updated: entries[0]?.publishedAt ?? new Date(0),
    copyright: `© ${tenantId}`,
    feedLinks: { rss: urls.rss, atom: urls.atom },
  });
  for (const entry of entries) {
    // Bodies are plain text: both formats carry them as escaped HTML (Atom declares
    // type="html", RSS readers treat description as HTML). The AI disclosure travels with the
    // entry: an `ai-generated` category and the notice at the end of the summary and the text.
    const html = { body: entry.body, aiNotice: entry.aiNotice };
    feed.addItem({
      // Titles are plain text, escaped in both formats: Atom declares them type="html", and RSS
      // readers render an item title as HTML too, so markup in a title must arrive as text.
      title: escapeHtml(entry.title),
      id: urls.entry(entry.contentId),
      link: urls.entry(entry.contentId),
      date: entry.publishedAt,
      description: renderSummaryHtml(html),
      content: renderHtml(html),
      // Atom requires `term` on a category (RFC 4287 §4.2.2); RSS uses `name`.
      category: entry.aiNotice ? [{ name: 'ai-generated', term: 'ai-generated' }] : [],
    });
  }
  return format === 'rss' ? feed.rss2() : feed.atom1();
}
