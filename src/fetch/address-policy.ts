// Which URLs and addresses the crawler may reach (SSRF guard). Every check happens before any
// connection: schemes, credentials, host names that mean "this machine", literal IPs in every
// spelling, and every address a host name resolves to. Allow-listed host[:port] entries (the
// local shop in tests and the demo) skip the address checks, never the scheme check.
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { permanent, transient } from '../errors';

export type LookupFn = (hostname: string) => Promise<{ address: string; family: 4 | 6 }[]>;

/** The address a request is pinned to: the connection goes there and nowhere else. */
export interface VettedAddress {
  address: string;
  family: 4 | 6;
}

interface AllowEntry {
  hostname: string;
  /** undefined: every port of that host. */
  port?: number;
}

/** Parsed allow-list; entries are "host", "host:port", "[v6]:port" or a bare IPv6 address. */
export class AllowList {
  private readonly entries: AllowEntry[];

  constructor(hosts: readonly string[]) {
    this.entries = hosts.map((entry) => parseAllowEntry(entry));
  }

  matches(url: URL): boolean {
    const port = effectivePort(url);
    return this.entries.some((entry) => entry.hostname === url.hostname && (entry.port === undefined || entry.port === port));
  }
}

function parseAllowEntry(raw: string): AllowEntry {
  let entry = raw.trim();
  if (entry.includes('://')) entry = entry.slice(entry.indexOf('://') + 3).replace(/\/.*$/, '');
  // A bare IPv6 address has several colons and no brackets: no port in it.
  if (!entry.startsWith('[') && (entry.match(/:/g) ?? []).length > 1) entry = `[${entry}]`;
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(entry);
  if (!match?.[1]) throw permanent('InvalidOptions', `allowHosts entry "${raw}" is not host or host:port`, { entry: raw });
  let hostname: string;
  try {
    hostname = new URL(`http://${match[1]}`).hostname;
  } catch {
    throw permanent('InvalidOptions', `allowHosts entry "${raw}" is not host or host:port`, { entry: raw });
  }
  return { hostname, port: match[2] === undefined ? undefined : Number(match[2]) };
}

export function effectivePort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/** Host name without IPv6 brackets, as sockets and resolvers want it. */
export function bareHostname(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Why an address must not be reached, or undefined when it is plain public unicast.
 * Everything whose ipaddr.js range() is not 'unicast' is refused; IPv4-mapped IPv6 is judged by
 * the IPv4 address it carries. 6to4, Teredo and NAT64 (rfc6052) are refused outright: they can
 * tunnel to any IPv4 address, private ones included.
 */
export function forbiddenRange(address: string): string | undefined {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address);
  } catch {
    return 'unparseable';
  }
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) {
      const range = v6.toIPv4Address().range();
      return range === 'unicast' ? undefined : `ipv4Mapped:${range}`;
    }
    const range = v6.range();
    return range === 'unicast' ? undefined : range;
  }
  const range = (ip as ipaddr.IPv4).range();
  return range === 'unicast' ? undefined : range;
}

/** The IPv4 address carried inside a 6to4, Teredo, NAT64 or IPv4-mapped address (for error details). */
export function embeddedIPv4(address: string): string | undefined {
  if (!ipaddr.IPv6.isValid(address)) return undefined;
  const v6 = ipaddr.IPv6.parse(address);
  const p = v6.parts;
  const v4 = (hi: number, lo: number) => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  switch (v6.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
    case 'rfc6052':
      return v4(p[6] ?? 0, p[7] ?? 0);
    case '6to4':
      return v4(p[1] ?? 0, p[2] ?? 0);
    case 'teredo':
      return v4(~(p[6] ?? 0) & 0xffff, ~(p[7] ?? 0) & 0xffff);
    default:
      return undefined;
  }
}

/** An IP literal in any spelling a URL host can carry (WHATWG normalises most; ipaddr.js the rest). */
function ipLiteral(hostname: string): string | undefined {
  if (isIP(hostname)) return hostname;
  if (ipaddr.isValid(hostname)) return ipaddr.parse(hostname).toString();
  return undefined;
}

function isLocalhostName(hostname: string): boolean {
  const name = hostname.replace(/\.+$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

function blocked(url: string, reason: string, extra: Record<string, unknown> = {}) {
  return permanent('UrlBlocked', `refusing to fetch ${url}: ${reason}`, { url, reason, ...extra });
}

/**
 * Parses and vets a URL without touching the network: http/https only, no credentials, no
 * localhost names, no forbidden literal IPs (unless the host[:port] is allow-listed).
 * Throws permanent 'UrlBlocked' (or 'UrlInvalid' when it does not parse).
 */
export function checkUrl(url: string, allowHosts: readonly string[] | AllowList): URL {
  const allow = allowHosts instanceof AllowList ? allowHosts : new AllowList(allowHosts);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw permanent('UrlInvalid', `not a valid URL: ${url}`, { url });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw blocked(url, `scheme ${parsed.protocol} is not allowed`);
  }
  if (parsed.username || parsed.password) throw blocked(url, 'credentials in URL are not allowed');
  if (!parsed.hostname) throw permanent('UrlInvalid', `URL has no host: ${url}`, { url });
  if (allow.matches(parsed)) return parsed;

  const host = bareHostname(parsed);
  if (isLocalhostName(host)) throw blocked(url, 'localhost names are not allowed', { hostname: host });
  const literal = ipLiteral(host);
  if (literal !== undefined) {
    const range = forbiddenRange(literal);
    if (range) throw blocked(url, `address ${literal} is in range ${range}`, { address: literal, range, embeddedIPv4: embeddedIPv4(literal) });
  }
  return parsed;
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Resolves the URL's host once and vets every address; the first one is returned for pinning.
 * Refuses when ANY resolved address is forbidden (a name that also points inward is hostile).
 * Allow-listed host[:port] skips the vetting but is still resolved here, exactly once.
 */
export async function resolveAndVet(url: URL, allow: AllowList, lookup: LookupFn, timeoutMs: number): Promise<VettedAddress> {
  const host = bareHostname(url);
  const allowListed = allow.matches(url);
  if (!allowListed && isLocalhostName(host)) throw blocked(url.href, 'localhost names are not allowed', { hostname: host });

  const literal = ipLiteral(host);
  let addresses: VettedAddress[];
  if (literal !== undefined) {
    addresses = [{ address: literal, family: isIP(literal) === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await withTimeout(lookup(host), timeoutMs, () =>
        transient('FetchTimeout', `resolving ${host} took longer than ${timeoutMs} ms`, { url: url.href, hostname: host }),
      );
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') {
        throw permanent('HostNotFound', `host ${host} does not resolve`, { url: url.href, hostname: host, code });
      }
      if (error instanceof Error && error.name === 'FetchTimeout') throw error;
      throw transient('DnsError', `resolving ${host} failed: ${(error as Error).message}`, { url: url.href, hostname: host, code });
    }
  }
  if (addresses.length === 0) throw permanent('HostNotFound', `host ${host} has no addresses`, { url: url.href, hostname: host });
  if (!allowListed) {
    for (const { address } of addresses) {
      const range = forbiddenRange(address);
      if (range) {
        throw blocked(url.href, `${host} resolves to ${address} (range ${range})`, {
          hostname: host,
          address,
          range,
          embeddedIPv4: embeddedIPv4(address),
          resolved: addresses.map((a) => a.address),
        });
      }
    }
  }
  const first = addresses[0]!;
  return { address: first.address, family: first.family };
}
