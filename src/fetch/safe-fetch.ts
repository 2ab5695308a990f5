// One HTTP exchange (no redirect following) over the pinned agent: whole-exchange timeout, body
// size cap enforced on Content-Length and while streaming, and status → PipelineError mapping.
import type { IncomingHttpHeaders } from 'node:http';
import { PipelineError, permanent, transient } from '../errors';
import { effectivePort, bareHostname, type VettedAddress } from './address-policy';
import type { PinnedAgent } from './pinned-agent';

export interface ExchangeRequest {
  url: URL;
  address: VettedAddress;
  userAgent: string;
  accept: string;
  timeoutMs: number;
  maxBytes: number;
  /** robots.txt: keep the first maxBytes and drop the rest instead of failing. */
  truncate?: boolean;
}

export type ExchangeResult =
  { kind: 'redirect'; status: number; location: string } | { kind: 'response'; status: number; contentType: string; body: Buffer };

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Retry-After as seconds or an HTTP date, in ms; undefined when absent or unparseable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The error for a non-2xx, non-redirect status. */
export function statusError(status: number, url: string, headers: IncomingHttpHeaders): PipelineError {
  const retryAfterMs = parseRetryAfter(header(headers, 'retry-after'));
  const details: Record<string, unknown> = { url, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  if (status === 404 || status === 410) return permanent('HttpNotFound', `HTTP ${status} for ${url}`, details);
  if (status === 408) return transient('HttpTimeout', `HTTP 408 (request timeout) for ${url}`, details);
  if (status === 429) return transient('HttpRateLimited', `HTTP 429 (rate limited) for ${url}`, details);
  if (status >= 400 && status < 500) return permanent('HttpClientError', `HTTP ${status} for ${url}`, details);
  if (status >= 500) return transient('HttpServerError', `HTTP ${status} for ${url}`, details);
  if (status >= 300 && status < 400) return permanent('BadRedirect', `HTTP ${status} without a usable Location for ${url}`, details);
  return permanent('HttpUnexpectedStatus', `unexpected HTTP ${status} for ${url}`, details);
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

function networkError(error: unknown, url: string, timeoutMs: number, timedOut: boolean): PipelineError {
  if (error instanceof PipelineError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (timedOut || (typeof code === 'string' && TIMEOUT_CODES.has(code))) {
    return transient('FetchTimeout', `fetching ${url} took longer than ${timeoutMs} ms`, { url, timeoutMs, code });
  }
  if (typeof code === 'string' && (code.startsWith('ERR_TLS_') || code.startsWith('CERT_') || code.includes('CERT'))) {
    return permanent('TlsError', `TLS failure for ${url}: ${message}`, { url, code });
  }
  return transient('NetworkError', `network error for ${url}: ${message}`, { url, code });
}

/** Runs one GET over the pinned agent. Throws PipelineError for every failure and non-2xx status. */
export async function exchange(agent: PinnedAgent, request: ExchangeRequest): Promise<ExchangeResult> {
  const { url, timeoutMs, maxBytes } = request;
  const href = url.href;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(transient('FetchTimeout', `fetching ${href} took longer than ${timeoutMs} ms`, { url: href, timeoutMs }));
  }, timeoutMs);
  agent.pin(bareHostname(url), effectivePort(url), request.address);
  try {
    let response;
    try {
      response = await agent.agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: { 'user-agent': request.userAgent, accept: request.accept },
        signal: controller.signal,
      });
    } catch (error) {
      throw networkError(error, href, timeoutMs, timedOut);
    }
    const { statusCode: status, headers, body } = response;
    const discard = async () => {
      await body.dump({ limit: 64 * 1024, signal: controller.signal }).catch(() => undefined);
    };

    if (REDIRECT_STATUSES.has(status)) {
      const location = header(headers, 'location');
      await discard();
      if (location) return { kind: 'redirect', status, location };
      throw statusError(status, href, headers);
    }
    if (status < 200 || status >= 300) {
      await discard();
      throw statusError(status, href, headers);
    }

    const contentType = header(headers, 'content-type') ?? '';
    const declared = Number(header(headers, 'content-length'));
    if (!request.truncate && Number.isFinite(declared) && declared > maxBytes) {
      body.destroy();
      throw permanent('ResponseTooLarge', `${href} declares ${declared} bytes, more than the ${maxBytes} allowed`, {
        url: href,
        status,
        maxBytes,
        contentLength: declared,
      });
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of body) {
        const buffer = chunk as Buffer;
        if (total + buffer.length > maxBytes) {
          if (request.truncate) {
            chunks.push(buffer.subarray(0, maxBytes - total));
            total = maxBytes;
            break; // ends the iteration: the body is destroyed, the rest is never read
          }
          throw permanent('ResponseTooLarge', `${href} sent more than the ${maxBytes} bytes allowed`, { url: href, status, maxBytes });
        }
        chunks.push(buffer);
        total += buffer.length;
      }
    } catch (error) {
      body.destroy();
      throw networkError(error, href, timeoutMs, timedOut);
    }
    return { kind: 'response', status, contentType, body: Buffer.concat(chunks, total) };
  } finally {
    clearTimeout(timer);
  }
}
