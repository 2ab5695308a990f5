// The crawler's outbound HTTP: every hop is checked (URL rules, DNS vetting + pinning), robots.txt
// is honoured per origin, requests queue per host, and redirects are followed by hand so each
// Location is re-vetted before anything connects to it.
import { promises as dns } from 'node:dns';
import { PipelineError, permanent, transient } from '../errors';
import { AllowList, checkUrl, resolveAndVet, type LookupFn } from './address-policy';
import { PinnedAgent } from './pinned-agent';
import { HostScheduler } from './politeness';
import { RobotsCache, robotsToken } from './robots';
import { exchange } from './safe-fetch';

export interface FetcherOptions {
  /** "host" or "host:port" entries that may be private/loopback (the local shop); empty by default. */
  allowHosts: string[];
  /** Sent as User-Agent; robots.txt matching uses the token before '/'. */
  userAgent: string;
  /** One HTTP exchange (connect, headers, body), per hop; DNS resolution gets the same budget. */
  timeoutMs: number;
  /** Body cap; exceeding it → permanent 'ResponseTooLarge' without reading the rest. */
  maxBytes: number;
  maxRedirects: number;
  perHostConcurrency: number;
  /** Minimum gap between request starts to one host (raised by robots.txt Crawl-delay). */
  perHostDelayMs: number;
  robotsTtlMs: number;
  /** DNS resolver; default dns.promises.lookup(all: true). Injectable for tests. */
  lookup?: LookupFn;
}

export interface FetchInit {
  accept?: string;
  maxBytes?: number;
  skipRobots?: boolean;
  /** Awaited before each redirect hop is requested (a caller's own politeness, e.g. shared across processes). */
  beforeRedirectHop?: (url: URL) => Promise<void>;
}

export interface FetchResult {
  /** The requested URL, normalised. */
  url: string;
  finalUrl: string;
  status: number;
  contentType: string;
  body: Buffer;
  /** Every URL a redirect led to, in order (the last one is finalUrl). */
  redirects: string[];
}

export interface Fetcher {
  fetch(url: string, init?: FetchInit): Promise<FetchResult>;
  close(): Promise<void>;
}

export const DEFAULT_FETCHER_OPTIONS: Readonly<Omit<FetcherOptions, 'lookup'>> = Object.freeze({
  allowHosts: [],
  userAgent: 'MagicAIBot/1.0 (+https://magicai.example/bot)',
  timeoutMs: 15_000,
  maxBytes: 5 * 1024 * 1024,
  maxRedirects: 5,
  perHostConcurrency: 2,
  perHostDelayMs: 0,
  robotsTtlMs: 3_600_000,
});

/** robots.txt files are read up to this size; the rest is ignored (RFC 9309 asks for ≥ 500 KiB). */
const ROBOTS_MAX_BYTES = 512 * 1024;

export const systemLookup: LookupFn = async (hostname) => {
  const results = await dns.lookup(hostname, { all: true, verbatim: true });
  return results.map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4 }));
};

function resolveOptions(options: Partial<FetcherOptions>): FetcherOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<FetcherOptions>;
  const config: FetcherOptions = { ...DEFAULT_FETCHER_OPTIONS, allowHosts: [], ...defined };
  const integer = (name: keyof FetcherOptions, min: number) => {
    const value = config[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      throw permanent('InvalidOptions', `fetcher option ${name} must be an integer ≥ ${min} (got ${String(value)})`, {
        option: name,
        value,
      });
    }
  };
  integer('timeoutMs', 1);
  integer('maxBytes', 1);
  integer('maxRedirects', 0);
  integer('perHostConcurrency', 1);
  integer('perHostDelayMs', 0);
  integer('robotsTtlMs', 0);
  if (!config.userAgent.trim()) throw permanent('InvalidOptions', 'fetcher option userAgent must not be empty', { option: 'userAgent' });
  return config;
}

interface RunInit {
  accept: string;
  maxBytes: number;
  skipRobots: boolean;
  truncate?: boolean;
  beforeRedirectHop?: (url: URL) => Promise<void>;
}

export function createFetcher(options: Partial<FetcherOptions> = {}): Fetcher {
  const config = resolveOptions(options);
  const allow = new AllowList(config.allowHosts);
  const lookup = config.lookup ?? systemLookup;
  const agent = new PinnedAgent({ timeoutMs: config.timeoutMs, connections: config.perHostConcurrency });
  const robots = new RobotsCache(
    (robotsUrl) => run(robotsUrl, { accept: 'text/plain, */*;q=0.5', maxBytes: ROBOTS_MAX_BYTES, skipRobots: true, truncate: true }),
    robotsToken(config.userAgent),
    config.robotsTtlMs,
  );
  const scheduler = new HostScheduler(config.perHostConcurrency, (host) => Math.max(config.perHostDelayMs, robots.crawlDelayMs(host)));
  let closed = false;
  const inFlight = new Set<Promise<unknown>>();

  async function run(rawUrl: string, init: RunInit): Promise<FetchResult> {
    if (closed) throw transient('FetcherClosed', 'fetcher was closed', { url: rawUrl });
    let url = checkUrl(rawUrl, allow);
    const requested = url.href;
    const redirects: string[] = [];
    for (;;) {
      // Order matters: vet the address before robots.txt, so a forbidden host gets no request at all.
      const address = await resolveAndVet(url, allow, lookup, config.timeoutMs);
      if (!init.skipRobots) await robots.check(url);
      if (redirects.length > 0) await init.beforeRedirectHop?.(url);
      const hop = url;
      const result = await scheduler.run(hop.hostname, () =>
        exchange(agent, {
          url: hop,
          address,
          userAgent: config.userAgent,
          accept: init.accept,
          timeoutMs: config.timeoutMs,
          maxBytes: init.maxBytes,
          truncate: init.truncate,
        }),
      );
      if (result.kind === 'response') {
        return { url: requested, finalUrl: url.href, status: result.status, contentType: result.contentType, body: result.body, redirects };
      }
      if (redirects.length >= config.maxRedirects) {
        throw permanent('TooManyRedirects', `more than ${config.maxRedirects} redirects from ${requested}`, {
          url: requested,
          status: result.status,
          redirects,
          maxRedirects: config.maxRedirects,
        });
      }
      let next: string;
      try {
        next = new URL(result.location, url).href;
      } catch {
        throw permanent('BadRedirect', `invalid Location "${result.location}" from ${url.href}`, { url: url.href, status: result.status });
      }
      try {
        url = checkUrl(next, allow);
      } catch (error) {
        if (error instanceof PipelineError) {
          throw permanent(error.type, `${error.message} (redirected from ${hop.href})`, {
            ...error.details,
            redirectedFrom: hop.href,
            requestedUrl: requested,
          });
        }
        throw error;
      }
      redirects.push(url.href);
    }
  }

  return {
    fetch(url, init = {}) {
      const pending = run(url, {
        accept: init.accept ?? '*/*',
        maxBytes: init.maxBytes ?? config.maxBytes,
        skipRobots: init.skipRobots ?? false,
        beforeRedirectHop: init.beforeRedirectHop,
      });
      inFlight.add(pending);
      const forget = () => inFlight.delete(pending);
      pending.then(forget, forget);
      return pending;
    },
    /** Refuses new fetches, drops queued ones, lets running ones finish, then closes the sockets. */
    async close() {
      if (closed) return;
      closed = true;
      scheduler.close();
      await Promise.allSettled([...inFlight]);
      await agent.close();
    },
  };
}
