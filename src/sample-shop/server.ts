// The sample shop's HTTP server (node:http): curated pages with their behaviours (404, flaky
// 500s, redirect chains, redirects to private addresses, a hanging page), robots.txt, a
// sitemap, images, the generated catalogue and /catalog.json. Loopback only by default.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { routes, sampleShopCatalog, type PageBehaviour } from './catalog';
import { GENERATED_PAGE_COUNT, generatedPath, parseGeneratedPath, renderGeneratedPage } from './generated';
import { SITE_CSS, renderPage, type RenderContext } from './html';
import { loadImages } from './images';
import { notFoundPage } from './pages';

export interface SampleShopOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** How long the hanging page holds a request before dropping the connection. */
  hangMs?: number;
}

export interface SampleShop {
  /** e.g. http://127.0.0.1:43117 (no trailing slash). */
  baseUrl: string;
  /** Every request received, in order: the request target as sent (path and query) and Date.now(). */
  requests: { path: string; at: number }[];
  /** Stops listening and ends every connection, hanging ones included. */
  close(): Promise<void>;
}

const HTML = 'text/html; charset=utf-8';
const LAST_MODIFIED = 'Mon, 03 Mar 2025 09:00:00 GMT';
const MAX_CATALOG_COUNT = GENERATED_PAGE_COUNT;

export const ROBOTS_TXT = `# Sample Shop
User-agent: *
Disallow: /private/
Allow: /

`;

function robotsTxt(ctx: RenderContext): string {
  return `${ROBOTS_TXT}Sitemap: ${ctx.baseUrl}/sitemap.xml\n`;
}

function sitemap(ctx: RenderContext): string {
  const urls = sampleShopCatalog
    .filter((page) => (page.behaviour ?? 'ok') === 'ok')
    .map((page) => `  <url><loc>${ctx.baseUrl}${page.path}</loc><lastmod>2025-03-03</lastmod></url>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>\n`;
}

class BadRequest extends Error {}

function integerParam(params: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = params.get(name);
  if (raw === null) return fallback;
  if (!/^\d{1,7}$/.test(raw) || Number(raw) > max) throw new BadRequest(`${name} must be an integer from 0 to ${max} (got "${raw}")`);
  return Number(raw);
}

/** { urls }: the curated pages (optionally ?behaviour=ok,redirect), or with ?count=N[&offset=M] generated pages. */
function catalogJson(ctx: RenderContext, params: URLSearchParams): unknown {
  if (!params.has('count')) {
    const wanted = params.get('behaviour')?.split(',').filter(Boolean) as PageBehaviour[] | undefined;
    const pages = sampleShopCatalog.filter((page) => !wanted?.length || wanted.includes(page.behaviour ?? 'ok'));
    return { urls: pages.map((page) => `${ctx.baseUrl}${page.path}`), total: pages.length };
  }
  const count = integerParam(params, 'count', 0, MAX_CATALOG_COUNT);
  const offset = integerParam(params, 'offset', 0, GENERATED_PAGE_COUNT);
  const end = Math.min(offset + count, GENERATED_PAGE_COUNT);
  const urls: string[] = [];
  for (let n = offset; n < end; n += 1) urls.push(`${ctx.baseUrl}${generatedPath(n)}`);
  return { urls, offset, total: GENERATED_PAGE_COUNT };
}

const errorPage = (ctx: RenderContext, path: string) =>
  renderPage(ctx, {
    path,
    title: 'Something went wrong',
    metaDescription: 'Temporary error',
    main: '<h1>Something went wrong</h1><p>Our shop is having a moment. Please try again in a few seconds.</p>',
    kind: 'error',
  });

const formatHost = (host: string) => (host.includes(':') ? `[${host}]` : host);

export async function startSampleShop(options: SampleShopOptions = {}): Promise<SampleShop> {
  const host = options.host ?? '127.0.0.1';
  const hangMs = options.hangMs ?? 120_000;
  const images = await loadImages();
  const requests: SampleShop['requests'] = [];
  const failuresServed = new Map<string, number>();
  const sockets = new Set<Socket>();
  const hanging = new Set<NodeJS.Timeout>();
  const ctx: RenderContext = { baseUrl: '' };

  function send(req: http.IncomingMessage, res: http.ServerResponse, status: number, type: string, body: string | Buffer, headers: http.OutgoingHttpHeaders = {}) {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    res.writeHead(status, { 'content-type': type, 'content-length': bytes.length, server: 'sample-shop', ...headers });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  }

  function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const target = req.url ?? '/';
    requests.push({ path: target, at: Date.now() });
    if (!target.startsWith('/')) return send(req, res, 400, 'text/plain; charset=utf-8', 'Bad Request\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(req, res, 405, 'text/plain; charset=utf-8', 'Method Not Allowed\n', { allow: 'GET, HEAD' });
    }
    const url = new URL(`http://shop${target}`);
    const path = url.pathname;

    if (path === '/robots.txt') return send(req, res, 200, 'text/plain; charset=utf-8', robotsTxt(ctx));
    if (path === '/sitemap.xml') return send(req, res, 200, 'application/xml; charset=utf-8', sitemap(ctx));
    if (path === '/assets/site.css') return send(req, res, 200, 'text/css; charset=utf-8', SITE_CSS, { 'cache-control': 'public, max-age=86400' });
    if (path === '/catalog.json') {
      try {
        return send(req, res, 200, 'application/json; charset=utf-8', JSON.stringify(catalogJson(ctx, url.searchParams)));
      } catch (error) {
        if (!(error instanceof BadRequest)) throw error;
        return send(req, res, 400, 'application/json; charset=utf-8', JSON.stringify({ error: error.message }));
      }
    }
    if (path.startsWith('/img/')) {
      const bytes = images.get(path);
      if (!bytes) return send(req, res, 404, 'text/plain; charset=utf-8', 'Not Found\n');
      const type = path.endsWith('.png') ? 'image/png' : 'image/jpeg';
      return send(req, res, 200, type, bytes, { 'cache-control': 'public, max-age=86400', 'last-modified': LAST_MODIFIED });
    }
    const generated = parseGeneratedPath(path);
    if (generated !== undefined) return send(req, res, 200, HTML, renderGeneratedPage(ctx, generated), { 'cache-control': 'no-cache' });

    const route = routes.get(path);
    switch (route?.kind) {
      case undefined:
      case 'not-found':
        return send(req, res, 404, HTML, notFoundPage(ctx, path));
      case 'page':
        return send(req, res, 200, HTML, route.render(ctx), { 'cache-control': 'no-cache', 'last-modified': LAST_MODIFIED });
      case 'flaky': {
        const served = failuresServed.get(path) ?? 0;
        if (served < route.failures) {
          failuresServed.set(path, served + 1);
          return send(req, res, 500, HTML, errorPage(ctx, path), { 'cache-control': 'no-store' });
        }
        return send(req, res, 200, HTML, route.render(ctx), { 'cache-control': 'no-cache' });
      }
      case 'redirect': {
        const location = route.location(ctx);
        const body = `<!doctype html><title>Moved</title><p>This page has moved to <a href="${location}">${location}</a>.</p>`;
        return send(req, res, route.status, HTML, body, { location });
      }
      case 'hang': {
        // Read nothing more, answer nothing: the client sees an open connection and no response.
        const timer = setTimeout(() => {
          hanging.delete(timer);
          req.socket.destroy();
        }, hangMs);
        hanging.add(timer);
        res.once('close', () => {
          clearTimeout(timer);
          hanging.delete(timer);
        });
        return;
      }
    }
  }

  const server = http.createServer((req, res) => {
    try {
      handle(req, res);
    } catch (error) {
      if (!res.headersSent) send(req, res, 500, 'text/plain; charset=utf-8', `Internal error: ${error instanceof Error ? error.message : String(error)}\n`);
      else res.destroy();
    }
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  ctx.baseUrl = `http://${formatHost(host)}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    baseUrl: ctx.baseUrl,
    requests,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const timer of hanging) clearTimeout(timer);
        hanging.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
