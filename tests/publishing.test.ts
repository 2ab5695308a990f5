// Publishing adapters against loopback stand-ins of their platforms (named as such) and the
// real PostgreSQL: signatures, idempotency, error typing, AI disclosure, valid RSS/Atom.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseFeed } from '@rowanmanning/feed-parser';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { PipelineError } from '../src/errors';
import type { PublishRequest } from '../src/publishing/adapter';
import { escapeHtml } from '../src/publishing/render';
import { createFeedPlatform, readFeedEntries, renderFeed } from '../src/publishing/feed';
import { platformRequest } from '../src/publishing/platform-http';
import { sign, verifySignature } from '../src/publishing/signing';
import { createWebhookPlatform } from '../src/publishing/webhook';
import { createWordPressPlatform } from '../src/publishing/wordpress';
import { createNotifier } from '../src/notifications/notifier';
import { startWebhookReceiver, startWordPressStandIn, type WebhookReceiver, type WordPressStandIn } from './support/platform-standins';
import { http, startWorld, type World } from './support/world';

const SECRET = 'test-secret-0123456789abcdef';
const disclosure = {
  generated: true as const,
  model: 'smollm2-135m-instruct',
  promptVersion: 'draft@1',
  notice: 'This text was drafted with AI assistance.',
};
const request = (overrides: Partial<PublishRequest> = {}): PublishRequest => ({
  tenantId: 'pub-tenant',
  contentId: `c-${randomUUID().slice(0, 8)}`,
  revision: 1,
  title: 'Linen towels <script>alert("x")</script> & more',
  body: 'Soft & <b>quick</b>-drying.\n\nMade in Portugal.',
  locale: 'en',
  idempotencyKey: `k-${randomUUID()}`,
  ...overrides,
});

async function failure(promise: Promise<unknown>): Promise<PipelineError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof PipelineError, `expected a typed error, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a failure');
}

describe('signatures', () => {
  it('verifies its own signature and refuses tampering, other secrets and stale timestamps', () => {
    const header = sign(SECRET, '{"a":1}');
    assert.deepEqual(verifySignature(SECRET, header, '{"a":1}'), { ok: true });
    assert.deepEqual(verifySignature(SECRET, header, '{"a":2}'), { ok: false, reason: 'mismatch' });
    assert.deepEqual(verifySignature('another-secret-0123456789', header, '{"a":1}'), { ok: false, reason: 'mismatch' });
    assert.deepEqual(verifySignature(SECRET, sign(SECRET, 'x', Date.now() - 3_600_000), 'x'), { ok: false, reason: 'stale' });
    assert.deepEqual(verifySignature(SECRET, 'garbage', 'x'), { ok: false, reason: 'malformed' });
  });
});

describe('webhook platform', () => {
  let receiver: WebhookReceiver;
  before(async () => {
    receiver = await startWebhookReceiver(SECRET);
  });
  after(async () => receiver?.close());

  it('posts a signed request; the same idempotency key yields the same post', async () => {
    const adapter = createWebhookPlatform({ url: receiver.url, secret: SECRET, timeoutMs: 2_000 });
    const req = request({ aiDisclosure: disclosure });
    const first = await adapter.publish(req);
    const again = await adapter.publish(req);
    assert.equal(again.externalId, first.externalId);
    const stored = receiver.posts.filter((p) => p.key === req.idempotencyKey);
    assert.equal(stored.length, 1);
    assert.deepEqual(stored[0]!.body.aiDisclosure, disclosure);
    const metrics = await adapter.metrics({ ...first, contentId: req.contentId, tenantId: req.tenantId });
    assert.ok(metrics.views > 0 && metrics.clicks === 3);
  });

  it('a large body of multi-byte characters arrives intact: its signature verifies', async () => {
    const adapter = createWebhookPlatform({ url: receiver.url, secret: SECRET, timeoutMs: 5_000 });
    const req = request({ body: 'Ünïcödé ✓ 日本語 '.repeat(20_000) });
    await adapter.publish(req);
    assert.equal(receiver.posts.find((p) => p.key === req.idempotencyKey)?.body.body, req.body);
  });

  it('types failures: wrong secret → PlatformUnauthorized (final), 503 → PlatformUnavailable (retry), 422 → PlatformRejected', async () => {
    const wrong = createWebhookPlatform({ url: receiver.url, secret: 'not-the-secret-0123456789', timeoutMs: 2_000 });
    const unauthorized = await failure(wrong.publish(request()));
    assert.deepEqual([unauthorized.type, unauthorized.retryable], ['PlatformUnauthorized', false]);

    const adapter = createWebhookPlatform({ url: receiver.url, secret: SECRET, timeoutMs: 2_000 });
    receiver.failNext(503);
    const unavailable = await failure(adapter.publish(request()));
    assert.deepEqual([unavailable.type, unavailable.retryable], ['PlatformUnavailable', true]);
    receiver.failNext(422);
    const rejected = await failure(adapter.publish(request()));
    assert.deepEqual([rejected.type, rejected.retryable], ['PlatformRejected', false]);
  });

  it('signs notifications; without a URL they are only logged', async () => {
    const logged: unknown[] = [];
    const logger = { info: (obj: unknown) => logged.push(obj) } as never;
    const event = {
      kind: 'review-reminder' as const,
      tenantId: 't',
      contentId: 'c',
      recipients: ['bob'],
      idempotencyKey: `n-${randomUUID()}`,
    };
    assert.deepEqual(
      await createNotifier(
        { NOTIFY_WEBHOOK_URL: receiver.notifyUrl, NOTIFY_WEBHOOK_SECRET: SECRET, PLATFORM_TIMEOUT_MS: 2_000 },
        logger,
      ).notify(event),
      { delivered: true },
    );
    assert.deepEqual(receiver.notifications.find((n) => n.key === event.idempotencyKey)?.body, event);
    assert.deepEqual(
      await createNotifier({ NOTIFY_WEBHOOK_URL: '', NOTIFY_WEBHOOK_SECRET: '', PLATFORM_TIMEOUT_MS: 2_000 }, logger).notify(event),
      { delivered: false, reason: 'not-configured' },
    );
    assert.equal(logged.length, 1);
  });
});

describe('WordPress platform (against a stand-in of its REST API)', () => {
  let wp: WordPressStandIn;
  before(async () => {
    wp = await startWordPressStandIn();
  });
  after(async () => wp?.close());

  it('creates one post with escaped content and the AI disclosure; a lost response does not make a second post', async () => {
    const adapter = createWordPressPlatform({ url: wp.url, user: wp.user, appPassword: wp.appPassword, timeoutMs: 500 });
    const req = request({ aiDisclosure: disclosure });
    // The platform stores the post but its answer never arrives (client timeout).
    wp.holdResponses();
    const lost = await failure(adapter.publish(req));
    assert.equal(lost.type, 'PlatformUnavailable');
    wp.release();
    const retried = await adapter.publish(req);
    const mine = wp.posts.filter((p) => p.id === Number(retried.externalId));
    assert.equal(mine.length, 1);
    assert.equal(wp.posts.filter((p) => p.title === req.title).length, 1, 'exactly one post for the key');
    assert.ok(mine[0]!.content.includes('<p>Soft &amp; &lt;b&gt;quick&lt;/b&gt;-drying.</p>'), mine[0]!.content);
    assert.ok(mine[0]!.content.includes('<p>Made in Portugal.</p>'));
    assert.ok(mine[0]!.content.includes('This text was drafted with AI assistance.'));
    assert.equal(mine[0]!.status, 'publish');

    wp.comments.set(Number(retried.externalId), 4);
    assert.equal((await adapter.metrics({ ...retried, contentId: req.contentId, tenantId: req.tenantId })).comments, 4);
  });

  it('a wrong application password is PlatformUnauthorized', async () => {
    const adapter = createWordPressPlatform({ url: wp.url, user: wp.user, appPassword: 'wrong', timeoutMs: 2_000 });
    assert.equal((await failure(adapter.publish(request()))).type, 'PlatformUnauthorized');
  });
});

describe('RSS/Atom feed platform', () => {
  let world: World;
  before(async () => {
    world = await startWorld({}, { workers: false });
  });
  after(async () => world?.stop());

  it('stores an entry once and serves valid RSS 2.0 and Atom 1.0 with escaping and the AI disclosure', async () => {
    const tenantId = `feed-${randomUUID().slice(0, 8)}`;
    const adapter = createFeedPlatform(world.infra.pg, world.config.PUBLIC_BASE_URL);
    const ai = request({ tenantId, aiDisclosure: disclosure });
    await adapter.publish(ai);
    await adapter.publish(ai);
    await adapter.publish(request({ tenantId, title: 'Written by a person' }));

    const rss = await http(world.baseUrl, 'GET', `/v1/feeds/${tenantId}/rss.xml`);
    assert.equal(rss.status, 200);
    assert.match(rss.contentType, /application\/rss\+xml/);
    assert.equal(XMLValidator.validate(rss.text), true);
    const parser = new XMLParser({ ignoreAttributes: false, isArray: (name) => ['item', 'entry', 'category'].includes(name) });
    const channel = parser.parse(rss.text).rss.channel;
    assert.ok(channel.title && channel.link && channel.description !== undefined, 'RSS 2.0 channel has title, link, description');
    assert.equal(channel.item.length, 2, 'the repeated publish made no second entry');
    const aiItem = channel.item.find((item: any) => item.title === escapeHtml(ai.title));
    assert.ok(aiItem, 'the title with <script> and & is carried as escaped HTML (as in Atom)');
    assert.deepEqual(aiItem.category, ['ai-generated']);
    assert.ok(String(aiItem.description).includes(disclosure.notice));
    assert.ok(aiItem.guid && aiItem.pubDate);

    const atom = await http(world.baseUrl, 'GET', `/v1/feeds/${tenantId}/atom.xml`);
    assert.match(atom.contentType, /application\/atom\+xml/);
    assert.equal(XMLValidator.validate(atom.text), true);
    const feed = parser.parse(atom.text).feed;
    assert.equal(feed['@_xmlns'], 'http://www.w3.org/2005/Atom');
    assert.ok(feed.id && feed.title && feed.updated, 'Atom feed has id, title, updated');
    assert.equal(feed.entry.length, 2);
    for (const entry of feed.entry) assert.ok(entry.id && entry.title && entry.updated, 'every Atom entry has id, title, updated');

    const entries = await readFeedEntries(world.infra.pg, tenantId);
    const [views] = await Promise.all([adapter.metrics({ externalId: ai.idempotencyKey, contentId: ai.contentId, tenantId })]);
    assert.ok(views.views >= 3, `entry reads counted: ${views.views}`);
    assert.equal(XMLValidator.validate(renderFeed([], 'empty', world.config.PUBLIC_BASE_URL, 'rss')), true, 'an empty feed is valid too');
    assert.equal(entries.length, 2);
  });
});

describe('platform HTTP calls', () => {
  it('a platform that sends its headers and then stalls is PlatformUnavailable (retryable), like one that never answers', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/posts`;
      const stalled = await failure(platformRequest('webhook', url, { method: 'GET', timeoutMs: 300 }));
      assert.deepEqual([stalled.type, stalled.retryable], ['PlatformUnavailable', true]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('RSS/Atom rendering, read back with a feed parser', () => {
  const publicBaseUrl = 'http://127.0.0.1:8080';
  const long = {
    contentId: 'c-long',
    title: 'Towels ]]> <script>alert("x")</script> & more',
    body: `${'Thick loops, long fibres. '.repeat(40)}The end ]]> <b>bold?</b> &amp; done.`,
    locale: 'en',
    aiNotice: 'This text was drafted with AI assistance.',
    publishedAt: new Date('2026-01-02T03:04:05Z'),
  };
  const human = { ...long, contentId: 'c-human', title: 'Written by a person', body: 'Short.', aiNotice: null };

  for (const format of ['rss', 'atom'] as const) {
    it(`${format}: titles come back verbatim, text stays text, and every AI entry carries the disclosure`, () => {
      const xml = renderFeed([long, human], 'tenant-x', publicBaseUrl, format);
      assert.equal(XMLValidator.validate(xml), true);
      const feed = parseFeed(xml);
      assert.equal(feed.items.length, 2);
      const [ai, person] = feed.items;
      assert.equal(ai!.title, long.title);
      assert.equal(ai!.id, `${publicBaseUrl}/v1/feeds/tenant-x/entries/c-long`);
      assert.deepEqual(
        ai!.categories.map((c) => c.term),
        ['ai-generated'],
      );
      assert.deepEqual(person!.categories, []);
      // However long the text, the summary ends with the notice (it used to be cut off at 500 characters).
      assert.ok(ai!.description?.includes(long.aiNotice), ai!.description ?? '');
      assert.ok(ai!.content?.includes(long.aiNotice));
      assert.ok(!person!.description?.includes(long.aiNotice));
      // The body is plain text: its "<b>" is escaped, never markup.
      assert.ok(xml.includes('&lt;b&gt;bold?&lt;/b&gt; &amp;amp; done.'), 'markup in the text is escaped');
    });
  }
});
