// The crawler's outbound HTTP (src/fetch): SSRF refusals happen before any connection, DNS answers
// are vetted and pinned, redirects are re-vetted, statuses map to typed errors, bodies are capped,
// robots.txt is honoured and cached, and requests queue per host. Only 127.0.0.1 is ever
// contacted: every socket undici opens is recorded through a spy on net.connect.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { after, afterEach, before, describe, it, mock } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PipelineError } from '../src/errors';
import { checkUrl, createFetcher, forbiddenRange, type Fetcher, type FetcherOptions, type LookupFn } from '../src/fetch';
import { PinnedAgent } from '../src/fetch/pinned-agent';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface TestServer {
  port: number;
  origin: string;
  /** Paths of every request received, in order. */
  requests: string[];
  /** Request start times (ms, monotonic) by path. */
  starts: { path: string; at: number }[];
  hosts: string[];
  maxInFlight: number;
}

const servers: http.Server[] = [];
const fetchers: Fetcher[] = [];
let connectSpy: ReturnType<typeof mock.method>;

/** Hosts every net.connect call so far was aimed at. */
const connectedHosts = (): string[] => connectSpy.mock.calls.map((call) => String((call.arguments[0] as { host?: unknown }).host));
const connectCount = () => connectSpy.mock.callCount();

/** A node:http server on 127.0.0.1:0 that records every request; robots.txt is 404 unless routed. */
async function startServer(routes: Record<string, Handler> = {}, fallback?: Handler): Promise<TestServer> {
  const state: TestServer = { port: 0, origin: '', requests: [], starts: [], hosts: [], maxInFlight: 0 };
  let inFlight = 0;
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    state.requests.push(path);
    state.starts.push({ path, at: performance.now() });
    state.hosts.push(req.headers.host ?? '');
    inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on('close', () => {
      inFlight -= 1;
    });
    const handler = routes[path] ?? fallback;
    if (handler) return handler(req, res);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  state.port = (server.address() as AddressInfo).port;
  state.origin = `http://127.0.0.1:${state.port}`;
  return state;
}

function fetcherFor(server: TestServer | undefined, options: Partial<FetcherOptions> = {}): Fetcher {
  const fetcher = createFetcher({ allowHosts: server ? [`127.0.0.1:${server.port}`] : [], timeoutMs: 2_000, ...options });
  fetchers.push(fetcher);
  return fetcher;
}

/** Awaits a rejection and returns the PipelineError after checking its type. */
async function rejection(promise: Promise<unknown>, type: string): Promise<PipelineError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof PipelineError, `expected a PipelineError, got ${String(error)}`);
    assert.equal(error.type, type, `expected ${type}, got ${error.type}: ${error.message}`);
    return error;
  }
  assert.fail(`expected ${type}, but the fetch succeeded`);
}

const text =
  (body: string, contentType = 'text/html; charset=utf-8'): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': contentType }).end(body);
  };
const redirect =
  (location: string, status = 302): Handler =>
  (_req, res) => {
    res.writeHead(status, { location }).end();
  };
const slow =
  (ms: number, body = 'ok'): Handler =>
  (_req, res) => {
    setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end(body), ms);
  };

/** An injected resolver: names not in the table fail like the system resolver does. */
function tableLookup(table: Record<string, { address: string; family: 4 | 6 }[]>): LookupFn & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string) => {
    calls.push(hostname);
    await Promise.resolve();
    const answer = table[hostname];
    if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return answer;
  };
  return Object.assign(lookup, { calls });
}

before(() => {
  connectSpy = mock.method(net, 'connect');
});

afterEach(async () => {
  await Promise.all(fetchers.splice(0).map((fetcher) => fetcher.close()));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

after(() => {
  mock.restoreAll();
});

describe('checkUrl', () => {
  it('when a URL spells a forbidden address in any literal form, then it is refused as UrlBlocked', () => {
    const forbidden = [
      'http://127.0.0.1/',
      'http://127.1/',
      'http://0x7f.0.0.1/',
      'http://0x7f000001/',
      'http://017700000001/',
      'http://2130706433/',
      'http://127.0.0.1./',
      'http://0/',
      'http://0.0.0.0/',
      'http://10.1.2.3/',
      'http://172.16.0.1/',
      'http://172.31.255.255/',
      'http://192.168.1.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://100.64.0.1/',
      'http://224.0.0.1/',
      'http://255.255.255.255/',
      'http://240.0.0.1/',
      'http://[::1]/',
      'http://[::]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:7f00:1]/',
      'http://[0:0:0:0:0:ffff:127.0.0.1]/',
      'http://[::ffff:169.254.169.254]/',
      'http://[fe80::1]/',
      'http://[fc00::1]/',
      'http://[fd12:3456::1]/',
      'http://[ff02::1]/',
      'http://[2002:7f00:1::1]/',
      'http://[2002:a00:1::]/',
      'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/',
      'http://[64:ff9b::a00:1]/',
      'http://[64:ff9b:1::1]/',
      'http://localhost/',
      'http://LOCALHOST./',
      'http://shop.localhost:8080/',
    ];
    for (const url of forbidden) {
      assert.throws(
        () => checkUrl(url, []),
        (error: unknown) => {
          assert.ok(error instanceof PipelineError, url);
          assert.equal(error.type, 'UrlBlocked', url);
          assert.equal(error.retryable, false, url);
          assert.equal(error.details.url, url);
          return true;
        },
        url,
      );
    }
  });

  it('when a URL uses another scheme or carries credentials, then it is refused as UrlBlocked', () => {
    for (const url of [
      'file:///etc/passwd',
      'ftp://example.com/x',
      'data:text/plain,hi',
      'gopher://example.com/',
      'ws://example.com/',
      'javascript:alert(1)',
      'http://user:secret@example.com/',
      'https://user@example.com/',
    ]) {
      assert.throws(
        () => checkUrl(url, ['example.com']),
        (error: unknown) => error instanceof PipelineError && error.type === 'UrlBlocked',
        url,
      );
    }
    assert.throws(
      () => checkUrl('not a url', []),
      (error: unknown) => error instanceof PipelineError && error.type === 'UrlInvalid',
    );
  });

  it('when a URL names a public address or host name, then it is returned normalised without any lookup', () => {
    assert.equal(checkUrl('http://93.184.216.34/a?b=1', []).href, 'http://93.184.216.34/a?b=1');
    assert.equal(checkUrl('HTTPS://Shop.Example.COM/p', []).href, 'https://shop.example.com/p');
    assert.equal(checkUrl('http://[2606:4700::1111]/', []).hostname, '[2606:4700::1111]');
    assert.equal(checkUrl('http://[::ffff:93.184.216.34]/', []).hostname, '[::ffff:5db8:d822]');
    assert.equal(forbiddenRange('8.8.8.8'), undefined);
    assert.equal(forbiddenRange('::ffff:10.0.0.1'), 'ipv4Mapped:private');
    assert.equal(forbiddenRange('not-an-ip'), 'unparseable');
  });

  it('when a host:port is allow-listed, then only that port of that host passes', () => {
    assert.equal(checkUrl('http://127.0.0.1:8123/x', ['127.0.0.1:8123']).port, '8123');
    assert.equal(checkUrl('http://127.1:8123/x', ['127.0.0.1:8123']).hostname, '127.0.0.1');
    assert.throws(() => checkUrl('http://127.0.0.1:8124/x', ['127.0.0.1:8123']), /UrlBlocked|refusing/);
    assert.equal(checkUrl('http://localhost:9/x', ['localhost']).hostname, 'localhost');
    assert.equal(checkUrl('http://[::1]:81/', ['[::1]:81']).hostname, '[::1]');
    assert.throws(
      () => checkUrl('file:///etc/passwd', ['127.0.0.1']),
      (error: unknown) => error instanceof PipelineError && error.type === 'UrlBlocked',
    );
  });
});

describe('createFetcher: SSRF refusals', () => {
  it('when the host:port is allow-listed, then the fetch works and returns status, body and content type', async () => {
    const server = await startServer({ '/hello': text('<h1>hi</h1>') });
    const result = await fetcherFor(server).fetch(`${server.origin}/hello`);
    assert.equal(result.status, 200);
    assert.equal(result.body.toString(), '<h1>hi</h1>');
    assert.equal(result.contentType, 'text/html; charset=utf-8');
    assert.equal(result.url, `${server.origin}/hello`);
    assert.equal(result.finalUrl, `${server.origin}/hello`);
    assert.deepEqual(result.redirects, []);
    assert.deepEqual(server.requests, ['/robots.txt', '/hello']);
  });

  it('when loopback is not allow-listed, then every spelling of it is refused and the server sees no request', async () => {
    const server = await startServer({ '/': text('secret') });
    const fetcher = fetcherFor(undefined);
    const connectsBefore = connectCount();
    const p = server.port;
    for (const url of [
      `http://127.0.0.1:${p}/`,
      `http://127.1:${p}/`,
      `http://0x7f000001:${p}/`,
      `http://2130706433:${p}/`,
      `http://017700000001:${p}/`,
      `http://[::1]:${p}/`,
      `http://[::ffff:127.0.0.1]:${p}/`,
      `http://[0:0:0:0:0:ffff:127.0.0.1]:${p}/`,
      `http://localhost:${p}/`,
      `http://app.localhost:${p}/`,
    ]) {
      const error = await rejection(fetcher.fetch(url), 'UrlBlocked');
      assert.equal(error.retryable, false);
    }
    for (const url of ['file:///etc/passwd', `ftp://127.0.0.1:${p}/`, 'data:text/plain;base64,aGk=', 'gopher://127.0.0.1:70/']) {
      await rejection(fetcher.fetch(url), 'UrlBlocked');
    }
    assert.deepEqual(server.requests, []);
    assert.equal(connectCount(), connectsBefore, 'no socket was opened');
  });

  it('when a name resolves to loopback, metadata, or any private address among public ones, then it is refused without connecting', async () => {
    const server = await startServer({ '/': text('secret') });
    const lookup = tableLookup({
      'evil.test': [{ address: '127.0.0.1', family: 4 }],
      'mixed.test': [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.5', family: 4 },
      ],
      'metadata.test': [{ address: '169.254.169.254', family: 4 }],
      'mapped.test': [{ address: '::ffff:127.0.0.1', family: 6 }],
      'ula.test': [{ address: 'fd00::5', family: 6 }],
    });
    const fetcher = fetcherFor(undefined, { lookup });
    const connectsBefore = connectCount();

    const evil = await rejection(fetcher.fetch(`http://evil.test:${server.port}/`), 'UrlBlocked');
    assert.equal(evil.details.address, '127.0.0.1');
    assert.equal(evil.details.range, 'loopback');
    const mixed = await rejection(fetcher.fetch('http://mixed.test/'), 'UrlBlocked');
    assert.equal(mixed.details.address, '10.0.0.5');
    assert.deepEqual(mixed.details.resolved, ['93.184.216.34', '10.0.0.5']);
    const metadata = await rejection(fetcher.fetch('http://metadata.test/latest/meta-data/'), 'UrlBlocked');
    assert.equal(metadata.details.range, 'linkLocal');
    await rejection(fetcher.fetch(`http://mapped.test:${server.port}/`), 'UrlBlocked');
    await rejection(fetcher.fetch('https://ula.test/'), 'UrlBlocked');
    const missing = await rejection(fetcher.fetch('http://nowhere.test/'), 'HostNotFound');
    assert.equal(missing.retryable, false);

    assert.deepEqual(server.requests, []);
    assert.equal(connectCount(), connectsBefore, 'no socket was opened');
    assert.deepEqual(lookup.calls, ['evil.test', 'mixed.test', 'metadata.test', 'mapped.test', 'ula.test', 'nowhere.test']);
  });

  it('when an allow-listed name is fetched, then it is resolved once and the socket goes to the vetted address (pinned)', async () => {
    const server = await startServer({ '/p': text('pinned') });
    const lookup = tableLookup({ 'shop.test': [{ address: '127.0.0.1', family: 4 }] });
    const fetcher = fetcherFor(undefined, { lookup, allowHosts: [`shop.test:${server.port}`] });
    const connectsBefore = connectCount();
    const result = await fetcher.fetch(`http://shop.test:${server.port}/p`, { skipRobots: true });
    assert.equal(result.body.toString(), 'pinned');
    assert.deepEqual(lookup.calls, ['shop.test'], 'one resolution, by the injected lookup only');
    assert.deepEqual(connectedHosts().slice(connectsBefore), ['127.0.0.1'], 'the socket was opened to the IP, never to the name');
    assert.deepEqual(server.hosts, [`shop.test:${server.port}`], 'the Host header keeps the name');
  });

  it('when undici would open a connection without a vetted address, then the pinned agent refuses instead of resolving', async () => {
    const server = await startServer({ '/': text('x') });
    const agent = new PinnedAgent({ timeoutMs: 1_000, connections: 1 });
    const connectsBefore = connectCount();
    try {
      const error = await rejection(agent.agent.request({ origin: server.origin, path: '/', method: 'GET' }), 'UrlBlocked');
      assert.equal(error.details.reason, 'unpinned');
    } finally {
      await agent.close();
    }
    assert.deepEqual(server.requests, []);
    assert.equal(connectCount(), connectsBefore);
  });
});

describe('createFetcher: redirects', () => {
  it('when an allow-listed server redirects to cloud metadata or a private address, then UrlBlocked and nothing connects there', async () => {
    const server = await startServer({
      '/to-metadata': redirect('http://169.254.169.254/latest/meta-data/'),
      '/to-private': redirect('http://10.0.0.1/', 301),
      '/to-name': redirect('http://evil.test/admin', 307),
    });
    const lookup = tableLookup({ 'evil.test': [{ address: '127.0.0.1', family: 4 }] });
    const fetcher = fetcherFor(server, { lookup });
    const connectsBefore = connectCount();

    const metadata = await rejection(fetcher.fetch(`${server.origin}/to-metadata`), 'UrlBlocked');
    assert.equal(metadata.details.url, 'http://169.254.169.254/latest/meta-data/');
    assert.equal(metadata.details.redirectedFrom, `${server.origin}/to-metadata`);
    await rejection(fetcher.fetch(`${server.origin}/to-private`), 'UrlBlocked');
    await rejection(fetcher.fetch(`${server.origin}/to-name`), 'UrlBlocked');

    assert.deepEqual(server.requests, ['/robots.txt', '/to-metadata', '/to-private', '/to-name']);
    assert.ok(
      connectedHosts()
        .slice(connectsBefore)
        .every((host) => host === '127.0.0.1'),
      connectedHosts().join(','),
    );
  });

  it('when a chain has 6 redirects, then TooManyRedirects and the 7th URL is never requested', async () => {
    const server = await startServer({}, (req, res) => {
      const step = Number(/^\/chain\/(\d+)$/.exec(req.url ?? '')?.[1] ?? NaN);
      if (Number.isNaN(step)) return void res.writeHead(404).end();
      if (step < 6) return void res.writeHead(302, { location: `/chain/${step + 1}` }).end();
      res.writeHead(200, { 'content-type': 'text/plain' }).end('end');
    });
    const error = await rejection(fetcherFor(server).fetch(`${server.origin}/chain/0`), 'TooManyRedirects');
    assert.equal(error.retryable, false);
    assert.equal((error.details.redirects as string[]).length, 5);
    assert.deepEqual(server.requests, ['/robots.txt', '/chain/0', '/chain/1', '/chain/2', '/chain/3', '/chain/4', '/chain/5']);
  });

  it('when a 3-hop chain stays on the allow-listed server, then it is followed and the redirects are listed', async () => {
    const server: TestServer = await startServer({
      '/a': redirect('/b', 301),
      '/b': (req, res) => redirect(`${server.origin}/c`, 302)(req, res), // absolute, same server
      '/c': redirect('d?x=1', 308), // relative
      '/d?x=1': text('landed', 'text/plain'),
    });
    const fetcher = fetcherFor(server);
    const result = await fetcher.fetch(`${server.origin}/a`);
    assert.equal(result.status, 200);
    assert.equal(result.body.toString(), 'landed');
    assert.equal(result.url, `${server.origin}/a`);
    assert.equal(result.finalUrl, `${server.origin}/d?x=1`);
    assert.deepEqual(result.redirects, [`${server.origin}/b`, `${server.origin}/c`, `${server.origin}/d?x=1`]);
    assert.deepEqual(server.requests, ['/robots.txt', '/a', '/b', '/c', '/d?x=1']);
  });
});

describe('createFetcher: statuses, size and time limits', () => {
  it('when the server answers 404/410, 4xx, 408, 429 or 5xx, then the error type and retryability follow the status', async () => {
    const status =
      (code: number, headers: Record<string, string> = {}): Handler =>
      (_req, res) =>
        void res.writeHead(code, headers).end('x');
    const server = await startServer({
      '/404': status(404),
      '/410': status(410),
      '/403': status(403),
      '/408': status(408),
      '/429': status(429, { 'retry-after': '7' }),
      '/500': status(500),
      '/503': status(503, { 'retry-after': '2' }),
    });
    const fetcher = fetcherFor(server);
    const url = (path: string) => `${server.origin}${path}`;

    const notFound = await rejection(fetcher.fetch(url('/404')), 'HttpNotFound');
    assert.equal(notFound.retryable, false);
    assert.equal(notFound.details.status, 404);
    assert.equal(notFound.details.url, url('/404'));
    assert.equal((await rejection(fetcher.fetch(url('/410')), 'HttpNotFound')).details.status, 410);
    assert.equal((await rejection(fetcher.fetch(url('/403')), 'HttpClientError')).retryable, false);
    assert.equal((await rejection(fetcher.fetch(url('/408')), 'HttpTimeout')).retryable, true);
    const limited = await rejection(fetcher.fetch(url('/429')), 'HttpRateLimited');
    assert.equal(limited.retryable, true);
    assert.equal(limited.details.retryAfterMs, 7000);
    assert.equal(limited.details.status, 429);
    const serverError = await rejection(fetcher.fetch(url('/500')), 'HttpServerError');
    assert.equal(serverError.retryable, true);
    assert.equal(serverError.details.status, 500);
    assert.equal((await rejection(fetcher.fetch(url('/503')), 'HttpServerError')).details.retryAfterMs, 2000);
  });

  it('when Content-Length exceeds maxBytes, then ResponseTooLarge at once, before the body arrives', async () => {
    const server = await startServer({
      '/huge': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(10 * 1024 * 1024) });
        res.write(Buffer.alloc(1024)); // and never the rest
      },
    });
    const started = performance.now();
    const error = await rejection(fetcherFor(server).fetch(`${server.origin}/huge`, { maxBytes: 64 * 1024 }), 'ResponseTooLarge');
    assert.equal(error.retryable, false);
    assert.equal(error.details.contentLength, 10 * 1024 * 1024);
    assert.ok(performance.now() - started < 1_000);
  });

  it('when a streamed body grows past maxBytes, then ResponseTooLarge and the rest is not read', async () => {
    let written = 0;
    let closed!: () => void;
    const responseClosed = new Promise<void>((resolve) => (closed = resolve));
    const server = await startServer({
      '/endless': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' }); // chunked, no length
        const chunk = Buffer.alloc(16 * 1024, 'a');
        const timer = setInterval(() => {
          res.write(chunk);
          written += chunk.length;
        }, 2);
        res.on('close', () => {
          clearInterval(timer);
          closed();
        });
      },
    });
    await rejection(fetcherFor(server, { maxBytes: 100 * 1024 }).fetch(`${server.origin}/endless`), 'ResponseTooLarge');
    await Promise.race([responseClosed, sleep(2_000).then(() => assert.fail('the connection was not closed'))]);
    assert.ok(written < 4 * 1024 * 1024, `server wrote ${written} bytes`);
  });

  it('when the server never answers, then FetchTimeout within timeoutMs', async () => {
    const server = await startServer({ '/hang': () => undefined });
    const fetcher = fetcherFor(server, { timeoutMs: 300 });
    const started = performance.now();
    const error = await rejection(fetcher.fetch(`${server.origin}/hang`), 'FetchTimeout');
    const elapsed = performance.now() - started;
    assert.equal(error.retryable, true);
    assert.equal(error.details.url, `${server.origin}/hang`);
    assert.ok(elapsed >= 280 && elapsed < 1_000, `took ${Math.round(elapsed)} ms`);
  });

  it('when the connection is refused or reset, then NetworkError (retryable)', async () => {
    const probe = await startServer();
    const closedPort = probe.port;
    await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
    const refused = await rejection(
      fetcherFor(undefined, { allowHosts: [`127.0.0.1:${closedPort}`] }).fetch(`http://127.0.0.1:${closedPort}/`, { skipRobots: true }),
      'NetworkError',
    );
    assert.equal(refused.retryable, true);
    assert.equal(refused.details.code, 'ECONNREFUSED');

    const server = await startServer({ '/reset': (req) => req.socket.destroy() });
    await rejection(fetcherFor(server).fetch(`${server.origin}/reset`, { skipRobots: true }), 'NetworkError');
  });
});

describe('createFetcher: robots.txt', () => {
  it('when robots.txt disallows /private/, then RobotsDisallowed and the server never sees /private/ requested', async () => {
    const server = await startServer({
      '/robots.txt': text('User-agent: *\nDisallow: /private/\n', 'text/plain'),
      '/public/a': text('a'),
      '/private/secret': text('secret'),
    });
    const fetcher = fetcherFor(server);
    const error = await rejection(fetcher.fetch(`${server.origin}/private/secret`), 'RobotsDisallowed');
    assert.equal(error.retryable, false);
    assert.equal(error.details.url, `${server.origin}/private/secret`);
    assert.equal((await fetcher.fetch(`${server.origin}/public/a`)).body.toString(), 'a');
    assert.ok(!server.requests.some((path) => path.startsWith('/private/')));
  });

  it('when robots.txt has a group for our token, then it applies to us and not the * group', async () => {
    const server = await startServer({
      '/robots.txt': text('User-agent: MagicAIBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n', 'text/plain'),
      '/page': text('p'),
    });
    await rejection(fetcherFor(server).fetch(`${server.origin}/page`), 'RobotsDisallowed');
    assert.deepEqual(server.requests, ['/robots.txt']);
  });

  it('when several URLs of one origin are fetched, sequentially and in parallel, then robots.txt is fetched once', async () => {
    const server = await startServer({ '/robots.txt': text('User-agent: *\nDisallow: /private/\n', 'text/plain') }, text('page'));
    const fetcher = fetcherFor(server);
    await fetcher.fetch(`${server.origin}/p/1`);
    await fetcher.fetch(`${server.origin}/p/2`);
    await Promise.all([3, 4, 5, 6].map((n) => fetcher.fetch(`${server.origin}/p/${n}`)));
    await rejection(fetcher.fetch(`${server.origin}/private/x`), 'RobotsDisallowed');
    assert.equal(server.requests.filter((path) => path === '/robots.txt').length, 1);
    assert.equal(server.requests.length, 7);
  });

  it('when parallel fetches start with an empty cache, then they share one robots.txt request', async () => {
    const server = await startServer({ '/robots.txt': slow(100, 'User-agent: *\nAllow: /\n') }, text('page'));
    const fetcher = fetcherFor(server);
    await Promise.all([1, 2, 3].map((n) => fetcher.fetch(`${server.origin}/p/${n}`)));
    assert.equal(server.requests.filter((path) => path === '/robots.txt').length, 1);
  });

  it('when the robots TTL has passed, then robots.txt is fetched again', async () => {
    const server = await startServer({}, text('page'));
    const fetcher = fetcherFor(server, { robotsTtlMs: 100 });
    await fetcher.fetch(`${server.origin}/p/1`);
    await fetcher.fetch(`${server.origin}/p/2`);
    await sleep(150);
    await fetcher.fetch(`${server.origin}/p/3`);
    assert.equal(server.requests.filter((path) => path === '/robots.txt').length, 2);
  });

  it('when robots.txt answers 5xx, then RobotsUnavailable (retryable), the page is not fetched, and the next attempt asks again', async () => {
    let robotsStatus = 503;
    const server = await startServer({
      '/robots.txt': (_req, res) =>
        void res.writeHead(robotsStatus, { 'content-type': 'text/plain' }).end(robotsStatus === 200 ? 'User-agent: *\nAllow: /\n' : 'down'),
      '/page': text('page'),
    });
    const fetcher = fetcherFor(server);
    const error = await rejection(fetcher.fetch(`${server.origin}/page`), 'RobotsUnavailable');
    assert.equal(error.retryable, true);
    assert.equal(error.details.status, 503);
    assert.deepEqual(server.requests, ['/robots.txt']);
    robotsStatus = 200;
    assert.equal((await fetcher.fetch(`${server.origin}/page`)).status, 200);
    assert.deepEqual(server.requests, ['/robots.txt', '/robots.txt', '/page']);
  });

  it('when robots.txt sets Crawl-delay, then request starts to that host are spaced by it', async () => {
    const server = await startServer({ '/robots.txt': text('User-agent: *\nCrawl-delay: 0.3\n', 'text/plain') }, text('page'));
    const fetcher = fetcherFor(server);
    await Promise.all([1, 2, 3].map((n) => fetcher.fetch(`${server.origin}/p/${n}`)));
    const pageStarts = server.starts.filter((s) => s.path.startsWith('/p/')).map((s) => s.at);
    assert.equal(pageStarts.length, 3);
    for (let i = 1; i < pageStarts.length; i += 1) {
      assert.ok(pageStarts[i]! - pageStarts[i - 1]! >= 280, `gap ${Math.round(pageStarts[i]! - pageStarts[i - 1]!)} ms`);
    }
  });
});

describe('createFetcher: politeness', () => {
  it('when perHostConcurrency is 1, then 4 parallel fetches never overlap at the server', async () => {
    const server = await startServer({}, slow(60));
    const fetcher = fetcherFor(server, { perHostConcurrency: 1 });
    const results = await Promise.all([1, 2, 3, 4].map((n) => fetcher.fetch(`${server.origin}/p/${n}`)));
    assert.ok(results.every((r) => r.status === 200));
    assert.equal(server.maxInFlight, 1);
    assert.equal(server.requests.length, 5); // robots.txt + 4 pages
  });

  it('when perHostConcurrency is 2 (default), then 4 parallel fetches run two at a time', async () => {
    const server = await startServer({}, slow(80));
    const fetcher = fetcherFor(server);
    await Promise.all([1, 2, 3, 4].map((n) => fetcher.fetch(`${server.origin}/p/${n}`, { skipRobots: true })));
    assert.equal(server.maxInFlight, 2);
  });

  it('when perHostDelayMs is set, then request starts to one host are at least that far apart', async () => {
    const server = await startServer({}, text('page'));
    const fetcher = fetcherFor(server, { perHostDelayMs: 150 });
    await Promise.all([1, 2, 3].map((n) => fetcher.fetch(`${server.origin}/p/${n}`, { skipRobots: true })));
    const starts = server.starts.map((s) => s.at);
    for (let i = 1; i < starts.length; i += 1)
      assert.ok(starts[i]! - starts[i - 1]! >= 140, `gap ${Math.round(starts[i]! - starts[i - 1]!)} ms`);
  });

  it('when the fetcher is closed, then further fetches fail with FetcherClosed', async () => {
    const fetcher = fetcherFor(undefined);
    await fetcher.close();
    await rejection(fetcher.fetch('http://93.184.216.34/'), 'FetcherClosed');
  });
});

describe('traffic', () => {
  it('when the suite has run, then every socket opened went to 127.0.0.1', () => {
    assert.ok(connectCount() > 0);
    assert.deepEqual([...new Set(connectedHosts())], ['127.0.0.1']);
  });
});
