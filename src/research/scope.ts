// What a research crawl may visit: the scope rules as pure functions (no I/O), so the crawl
// activity, the API's validation and the tests share one reading of them.

export interface CrawlScope {
  /** Only URLs on the start URL's host (and port). */
  sameSite: boolean;
  /** Pages fetched at most (the whole run, across continue-as-new). */
  maxPages: number;
  /** Link hops from a start URL (sitemap entries count as depth 1). */
  maxDepth: number;
  /** Regular expressions on the URL's path + query: when given, a URL must match one. */
  include: string[];
  /** Regular expressions on the URL's path + query: a URL matching one is left out. */
  exclude: string[];
}

/** Query parameters that only track campaigns: dropped, so one page is one URL. */
const TRACKING_PARAM = /^(utm_[a-z]+|gclid|fbclid|mc_[a-z]+|ref)$/i;

/** The canonical form a URL is queued under: http(s) only, no fragment, no tracking parameters,
 *  sorted query; undefined for anything that is not a crawlable http(s) URL. */
export function canonicalUrl(raw: string, base?: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw.trim(), base);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  url.hash = '';
  url.username = '';
  url.password = '';
  const params = [...url.searchParams].filter(([name]) => !TRACKING_PARAM.test(name)).sort(([a], [b]) => a.localeCompare(b));
  url.search = new URLSearchParams(params).toString();
  return url.href;
}

export type ScopeVerdict = { ok: true } | { ok: false; reason: 'other-site' | 'too-deep' | 'not-included' | 'excluded' | 'not-a-page' };

/** Paths of files no product page hides behind. */
const NOT_A_PAGE = /\.(css|js|mjs|json|xml|txt|ico|png|jpe?g|gif|webp|avif|svg|pdf|zip|gz|mp4|mp3|woff2?|ttf)$/i;

/** Whether `url` (canonical) at `depth` is inside the scope of a crawl that started at `siteOrigin`. */
export function judgeUrl(url: string, depth: number, scope: CrawlScope, siteOrigin: string): ScopeVerdict {
  const parsed = new URL(url);
  if (scope.sameSite && parsed.origin !== siteOrigin) return { ok: false, reason: 'other-site' };
  if (depth > scope.maxDepth) return { ok: false, reason: 'too-deep' };
  if (NOT_A_PAGE.test(parsed.pathname)) return { ok: false, reason: 'not-a-page' };
  const target = parsed.pathname + parsed.search;
  if (scope.exclude.some((pattern) => new RegExp(pattern).test(target))) return { ok: false, reason: 'excluded' };
  if (scope.include.length > 0 && !scope.include.some((pattern) => new RegExp(pattern).test(target)))
    return { ok: false, reason: 'not-included' };
  return { ok: true };
}

/** A pattern the scope can use: compiles, and is short (patterns come from API callers). */
export function isUsablePattern(pattern: string): boolean {
  if (pattern.length > 200) return false;
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** <loc> entries of a sitemap (urlset) or sitemap index, in document order. */
export function sitemapLocations(xml: string): { urls: string[]; sitemaps: string[] } {
  const locs = (block: string) => [...block.matchAll(/<loc>\s*([^<\s]+)\s*<\/loc>/gi)].map((match) => decodeXml(match[1]!));
  if (/<sitemapindex[\s>]/i.test(xml)) return { urls: [], sitemaps: locs(xml) };
  return { urls: locs(xml), sitemaps: [] };
}

function decodeXml(text: string): string {
  return text
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'");
}

/** `Sitemap:` lines of a robots.txt. */
export function robotsSitemaps(robotsTxt: string): string[] {
  return [...robotsTxt.matchAll(/^\s*sitemap\s*:\s*(\S+)/gim)].map((match) => match[1]!);
}
