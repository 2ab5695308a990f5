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
 * Everything whose ipaddr.js range() is not 'unicast' is refused. Every IPv6 form that embeds
 * an IPv4 address — IPv4-compatible (::a.b.c.d), IPv4-mapped, IPv4-translated (rfc6145), NAT64
 * (64:ff9b::/96), 6to4 (2002::/16), Teredo (2001::/32: server and client) — is judged by the
 * IPv4 addresses it carries, so `[::127.0.0.1]` (= ::7f00:1) is loopback. The local-use NAT64
 * prefix 64:ff9b:1::/48 places the IPv4 address where the operator chooses, so it is refused.
 */
export function forbiddenRange(address: string): string | undefined {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address);
  } catch {
    return 'unparseable';
  }
  if (ip.kind() === 'ipv4') {
    const range = (ip as ipaddr.IPv4).range();
    return range === 'unicast' ? undefined : range;
  }
  const v6 = ip as ipaddr.IPv6;
  const form = ipv6Form(v6);
  if (form === 'nat64LocalUse') return form;
  if (form) {
    for (const embedded of embeddedAddresses(v6, form)) {
      const range = ipaddr.IPv4.parse(embedded).range();
      if (range !== 'unicast') return `${form}:${range}`;
    }
    return undefined;
  }
  const range = v6.range();
  return range === 'unicast' ? undefined : range;
}

type EmbeddingForm = 'ipv4Compatible' | 'ipv4Mapped' | 'rfc6145' | 'rfc6052' | 'nat64LocalUse' | '6to4' | 'teredo';

/** Which IPv4-embedding form an IPv6 address has, if any. */
function ipv6Form(v6: ipaddr.IPv6): EmbeddingForm | undefined {
  const p = v6.parts;
  const zeros = (from: number, to: number) => p.slice(from, to).every((part) => part === 0);
  if (p[0] === 0x64 && p[1] === 0xff9b && p[2] === 1) return 'nat64LocalUse';
  if (p[0] === 0x64 && p[1] === 0xff9b && zeros(2, 6)) return 'rfc6052';
  if (zeros(0, 5) && p[5] === 0xffff) return 'ipv4Mapped';
  if (zeros(0, 4) && p[4] === 0xffff && p[5] === 0) return 'rfc6145';
  // ::/96 minus :: and ::1 (those keep their own ranges: unspecified, loopback).
  if (zeros(0, 6) && ((p[6] ?? 0) !== 0 || (p[7] ?? 0) > 1)) return 'ipv4Compatible';
  if (p[0] === 0x2002) return '6to4';
  if (p[0] === 0x2001 && p[1] === 0) return 'teredo';
  return undefined;
}

function embeddedAddresses(v6: ipaddr.IPv6, form: EmbeddingForm): string[] {
  const p = v6.parts;
  const v4 = (hi: number, lo: number) => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  switch (form) {
    case '6to4':
      return [v4(p[1] ?? 0, p[2] ?? 0)];
    case 'teredo': // server, then the client's address (stored inverted)
      return [v4(p[2] ?? 0, p[3] ?? 0), v4(~(p[6] ?? 0) & 0xffff, ~(p[7] ?? 0) & 0xffff)];
    default:
      return [v4(p[6] ?? 0, p[7] ?? 0)];
  }
}

/** The IPv4 address carried inside an IPv4-embedding IPv6 address (for error details). */
export function embeddedIPv4(address: string): string | undefined {
  if (!ipaddr.IPv6.isValid(address)) return undefined;
  const v6 = ipaddr.IPv6.parse(address);
  const form = ipv6Form(v6);
  if (!form || form === 'nat64LocalUse') return undefined;
  const addresses = embeddedAddresses(v6, form);
  return addresses[addresses.length - 1];
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
    if (range)
      throw blocked(url, `address ${literal} is in range ${range}`, { address: literal, range, embeddedIPv4: embeddedIPv4(literal) });
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
