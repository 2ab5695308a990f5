// The product crawler's outbound HTTP: SSRF-safe (URL + DNS vetting, pinned connections),
// robots-aware and polite. See fetcher.ts for the flow of one fetch.
export { checkUrl, forbiddenRange, embeddedIPv4, AllowList, type LookupFn, type VettedAddress } from './address-policy';
export {
  createFetcher,
  systemLookup,
  DEFAULT_FETCHER_OPTIONS,
  type Fetcher,
  type FetcherOptions,
  type FetchInit,
  type FetchResult,
} from './fetcher';
export { parseRetryAfter, statusError } from './safe-fetch';
export { parseRobots, robotsToken, MAX_CRAWL_DELAY_MS, type RobotsRules } from './robots';
