// robots.txt per origin (RFC 9309 via robots-parser): fetched through the same safe path, cached
// with a TTL, one fetch in flight per origin. 2xx → rules; 4xx and other permanent failures →
// allow all; 5xx, 429, timeouts and network errors → disallow all for this attempt (transient
// 'RobotsUnavailable', not cached). Crawl-delay raises the per-host delay.
import robotsParser from 'robots-parser';
import { PipelineError, permanent, transient } from '../errors';

export interface RobotsRules {
  isAllowed(url: string): boolean;
  /** Crawl-delay for our user agent in ms, if the file sets one. */
  crawlDelayMs?: number;
}

export type RobotsFetch = (robotsUrl: string) => Promise<{ status: number; body: Buffer }>;

/** Crawl-delay values above this are clamped, so a hostile file cannot stall the crawler for hours. */
export const MAX_CRAWL_DELAY_MS = 60_000;

const allowAll: RobotsRules = { isAllowed: () => true };

export function robotsToken(userAgent: string): string {
  return (userAgent.split('/')[0] ?? userAgent).trim() || '*';
}

export function parseRobots(robotsUrl: string, text: string, token: string): RobotsRules {
  const robots = robotsParser(robotsUrl, text);
  const delay = robots.getCrawlDelay(token);
  return {
    // undefined means "URL of another origin": cannot happen here, treated as allowed.
    isAllowed: (url) => robots.isAllowed(url, token) !== false,
    crawlDelayMs: typeof delay === 'number' && delay > 0 ? Math.min(delay * 1000, MAX_CRAWL_DELAY_MS) : undefined,
  };
}

interface CacheEntry {
  expiresAt: number;
  rules: Promise<RobotsRules>;
}

export class RobotsCache {
  private readonly entries = new Map<string, CacheEntry>();
  /** hostname → origin → crawl delay (ms); politeness uses the largest per host. */
  private readonly crawlDelays = new Map<string, Map<string, number>>();

  constructor(
    private readonly fetchRobots: RobotsFetch,
    private readonly token: string,
    private readonly ttlMs: number,
  ) {}

  /** Throws permanent 'RobotsDisallowed' or transient 'RobotsUnavailable'. */
  async check(url: URL): Promise<void> {
    const rules = await this.rulesFor(url);
    if (!rules.isAllowed(url.href)) {
      throw permanent('RobotsDisallowed', `robots.txt of ${url.origin} disallows ${url.href} for ${this.token}`, {
        url: url.href,
        robotsUrl: `${url.origin}/robots.txt`,
        userAgent: this.token,
      });
    }
  }

  crawlDelayMs(hostname: string): number {
    const delays = this.crawlDelays.get(hostname);
    return delays ? Math.max(0, ...delays.values()) : 0;
  }

  private rulesFor(url: URL): Promise<RobotsRules> {
    const origin = url.origin;
    const cached = this.entries.get(origin);
    if (cached && cached.expiresAt > Date.now()) return cached.rules;
    const rules = this.load(url);
    this.entries.set(origin, { expiresAt: Date.now() + this.ttlMs, rules });
    // A failure must not stick: drop it so the next attempt fetches again.
    void rules.catch(() => {
      if (this.entries.get(origin)?.rules === rules) this.entries.delete(origin);
    });
    return rules;
  }

  private async load(url: URL): Promise<RobotsRules> {
    const robotsUrl = `${url.origin}/robots.txt`;
    let rules: RobotsRules;
    try {
      const response = await this.fetchRobots(robotsUrl);
      rules = parseRobots(robotsUrl, response.body.toString('utf8'), this.token);
    } catch (error) {
      if (error instanceof PipelineError && !error.retryable) {
        rules = allowAll; // 404/410/other 4xx, too many redirects, blocked redirect target: no usable file
      } else {
        const cause = error instanceof PipelineError ? error : undefined;
        throw transient('RobotsUnavailable', `robots.txt of ${url.origin} is unavailable; not fetching ${url.href} now`, {
          url: url.href,
          robotsUrl,
          cause: cause?.type ?? (error instanceof Error ? error.message : String(error)),
          status: cause?.details.status,
          ...(cause?.details.retryAfterMs === undefined ? {} : { retryAfterMs: cause.details.retryAfterMs }),
        });
      }
    }
    this.setCrawlDelay(url, rules.crawlDelayMs);
    return rules;
  }

  private setCrawlDelay(url: URL, delayMs: number | undefined): void {
    let delays = this.crawlDelays.get(url.hostname);
    if (delayMs === undefined) {
      delays?.delete(url.origin);
      if (delays?.size === 0) this.crawlDelays.delete(url.hostname);
      return;
    }
    if (!delays) {
      delays = new Map();
      this.crawlDelays.set(url.hostname, delays);
    }
    delays.set(url.origin, delayMs);
  }
}
