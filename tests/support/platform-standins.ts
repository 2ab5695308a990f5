// Loopback STAND-INS for third-party platforms that cannot run here, speaking the protocols our
// adapters use: a webhook receiver (publishing + notifications, HMAC-verified, deduplicating by
// Idempotency-Key) and the parts of the WordPress REST API the WordPress adapter calls.
// Both can hold their responses after storing a post, so that a test can kill the worker
// between "the platform accepted" and "the activity completed".
// WordPress itself runs here too (Debian's package, PHP's built-in server, MariaDB; see
// tests/support/wordpress-real.ts): the adapter's protocol is tested against it in
// tests/wordpress-real.test.ts. This stand-in stays for what a real site cannot be made to do
// on demand — scripted 5xx/422 answers and held responses — and it follows what the real one
// was seen to answer (response shapes, anonymous fallback on refused credentials).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, verifySignature } from '../../src/publishing/signing';

interface Gate {
  /** Store posts but keep their responses until release(). */
  holdResponses(): void;
  release(): void;
  /** Resolves when the next post has been stored. */
  nextAccepted(): Promise<void>;
  /** The next n publish requests answer with this status (before storing anything). */
  failNext(status: number, n?: number): void;
}

function createGate() {
  let holding = false;
  let held: (() => void)[] = [];
  let waiters: (() => void)[] = [];
  let failures: number[] = [];
  return {
    gate: {
      holdResponses: () => void (holding = true),
      release: () => {
        holding = false;
        const pending = held;
        held = [];
        for (const send of pending) send();
      },
      nextAccepted: () => new Promise<void>((resolve) => waiters.push(resolve)),
      failNext: (status: number, n = 1) => void (failures = Array.from({ length: n }, () => status)),
    } satisfies Gate,
    takeFailure: () => failures.shift(),
    accepted(send: () => void) {
      const wake = waiters;
      waiters = [];
      for (const resolve of wake) resolve();
      if (holding) held.push(send);
      else send();
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    // Decoded once at the end: a multi-byte character split across two chunks stays whole
    // (decoding chunk by chunk would corrupt it, and the signature would not verify).
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
};

async function listen(server: Server) {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export interface WebhookReceiver extends Gate {
  url: string;
  notifyUrl: string;
  posts: { id: string; key: string; body: any }[];
  notifications: { key: string; body: any }[];
  /** Requests refused for a bad signature. */
  rejected: number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const { gate, takeFailure, accepted } = createGate();
  const posts: WebhookReceiver['posts'] = [];
  const notifications: WebhookReceiver['notifications'] = [];
  let rejected = 0;
  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const verdict = verifySignature(secret, req.headers[SIGNATURE_HEADER] as string | undefined, raw);
    if (!verdict.ok) {
      rejected++;
      return json(res, 401, { error: `bad signature: ${verdict.reason}` });
    }
    const key = String(req.headers['idempotency-key'] ?? '');
    const metrics = /^\/posts\/([^/]+)\/metrics$/.exec(req.url ?? '');
    if (req.method === 'GET' && metrics) {
      const post = posts.find((p) => p.id === decodeURIComponent(metrics[1]!));
      if (!post) return json(res, 404, { error: 'no such post' });
      return json(res, 200, { views: 10 * posts.indexOf(post) + 7, clicks: 3, likes: 2, shares: 1, comments: 0 });
    }
    if (req.method === 'POST' && req.url === '/notify') {
      if (!notifications.some((n) => n.key === key)) notifications.push({ key, body: JSON.parse(raw) });
      return json(res, 202, { ok: true });
    }
    if (req.method === 'POST' && req.url === '/posts') {
      const failure = takeFailure();
      if (failure) return json(res, failure, { error: 'scripted failure' });
      if (!key) return json(res, 400, { error: 'Idempotency-Key required' });
      const existing = posts.find((p) => p.key === key);
      if (existing) return json(res, 200, { id: existing.id });
      const post = { id: `wh-${posts.length + 1}`, key, body: JSON.parse(raw) };
      posts.push(post);
      return accepted(() => json(res, 201, { id: post.id, url: `https://hooks.example/posts/${post.id}` }));
    }
    json(res, 404, { error: 'not found' });
  });
  const base = await listen(server);
  return {
    ...gate,
    url: `${base}/posts`,
    notifyUrl: `${base}/notify`,
    posts,
    notifications,
    get rejected() {
      return rejected;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface WordPressStandIn extends Gate {
  url: string;
  user: string;
  appPassword: string;
  posts: { id: number; slug: string; title: string; content: string; excerpt: string; status: string }[];
  /** Comment counts per post id (what the metrics read). */
  comments: Map<number, number>;
  close(): Promise<void>;
}

/** The slice of WordPress's REST API (wp/v2 posts and comments) that the adapter uses, with
 *  Application Password basic auth and WordPress's error shape. */
export async function startWordPressStandIn(): Promise<WordPressStandIn> {
  const user = 'editor';
  const appPassword = 'abcd efgh ijkl mnop qrst uvwx';
  const { gate, takeFailure, accepted } = createGate();
  const posts: WordPressStandIn['posts'] = [];
  const comments = new Map<number, number>();
  const wpError = (res: ServerResponse, status: number, code: string, message: string) =>
    json(res, status, { code, message, data: { status } });
  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const expected = `Basic ${Buffer.from(`${user}:${appPassword}`).toString('base64')}`;
    // Like WordPress: refused credentials do not fail the request, it is served as anonymous.
    const authenticated = req.headers.authorization === expected;
    const failure = takeFailure();
    if (failure) return wpError(res, failure, 'scripted_failure', 'Scripted failure.');
    const url = new URL(req.url ?? '/', 'http://wp.local');
    const link = (id: number) => `http://wp.local/${posts.find((p) => p.id === id)?.slug ?? id}/`;
    // WordPress's post shape (context=edit): rendered and raw fields.
    const shape = (p: WordPressStandIn['posts'][number]) => ({
      id: p.id,
      slug: p.slug,
      status: p.status,
      type: 'post',
      link: link(p.id),
      title: { raw: p.title, rendered: p.title },
      content: { raw: p.content, rendered: `${p.content}\n`, protected: false },
      excerpt: { raw: p.excerpt, rendered: p.excerpt ? `<p>${p.excerpt}</p>\n` : '', protected: false },
    });
    if (url.pathname === '/wp-json/wp/v2/posts' && req.method === 'GET') {
      const slug = url.searchParams.get('slug');
      const statuses = (url.searchParams.get('status') ?? 'publish').split(',');
      if (!authenticated && statuses.some((status) => status !== 'publish')) {
        return json(res, 400, {
          code: 'rest_invalid_param',
          message: 'Invalid parameter(s): status',
          data: {
            status: 400,
            params: { status: 'Status is forbidden.' },
            details: { status: { code: 'rest_forbidden_status', message: 'Status is forbidden.', data: { status: 401 } } },
          },
        });
      }
      return json(res, 200, posts.filter((p) => (!slug || p.slug === slug) && statuses.includes(p.status)).map(shape));
    }
    if (url.pathname === '/wp-json/wp/v2/posts' && req.method === 'POST') {
      if (!authenticated) return wpError(res, 401, 'rest_cannot_create', 'Sorry, you are not allowed to create posts as this user.');
      const body = JSON.parse(raw) as { title?: string; content?: string; excerpt?: string; status?: string; slug?: string };
      if (!body.title) return wpError(res, 400, 'rest_invalid_param', 'Invalid parameter(s): title');
      // Like WordPress, a taken slug gets a suffix rather than an error.
      let slug = body.slug ?? `post-${posts.length + 1}`;
      if (posts.some((p) => p.slug === slug)) slug = `${slug}-2`;
      const post = {
        id: 100 + posts.length + 1,
        slug,
        title: body.title,
        content: body.content ?? '',
        excerpt: body.excerpt ?? '',
        status: body.status ?? 'draft',
      };
      posts.push(post);
      return accepted(() => json(res, 201, shape(post)));
    }
    if (url.pathname === '/wp-json/wp/v2/comments' && req.method === 'GET') {
      const total = comments.get(Number(url.searchParams.get('post'))) ?? 0;
      return json(res, 200, [], { 'x-wp-total': String(total), 'x-wp-totalpages': String(total ? total : 0) });
    }
    wpError(res, 404, 'rest_no_route', 'No route was found matching the URL and request method.');
  });
  return {
    ...gate,
    url: await listen(server),
    user,
    appPassword,
    posts,
    comments,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
