// One HTTP call to a platform, with a timeout and the platform's answer turned into the
// service's typed errors: retrying helps for 408/429/5xx and network failures, not for the rest.
import { PipelineError, permanent, transient } from '../errors';

export interface PlatformResponse {
  status: number;
  headers: Headers;
  json: unknown;
}

export interface PlatformRequestInit extends RequestInit {
  timeoutMs: number;
  /** A platform that reports refused credentials with another status (WordPress answers 400
   *  for an anonymous status filter) says so here; the error is then PlatformUnauthorized. */
  isAuthFailure?: (status: number, json: unknown) => boolean;
}

function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/** Timeouts and connection failures, whether before the answer's headers or while reading its body. */
function networkFailure(platform: string, error: unknown, timeoutMs: number): PipelineError {
  const name = (error as Error)?.name;
  const message = name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : error instanceof Error ? error.message : String(error);
  return transient('PlatformUnavailable', `${platform}: ${message}`);
}

export async function platformRequest(platform: string, url: string, init: PlatformRequestInit): Promise<PlatformResponse> {
  const { timeoutMs, isAuthFailure, ...requestInit } = init;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { ...requestInit, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    // The body is read under the same timeout: a platform that sends headers and then stalls
    // (or drops the connection) is as unavailable as one that never answers.
    text = await response.text();
  } catch (error) {
    throw networkFailure(platform, error, timeoutMs);
  }
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (response.ok) return { status: response.status, headers: response.headers, json };
  const detail = `${platform} answered ${response.status}${text ? `: ${text.slice(0, 300)}` : ''}`;
  if (response.status === 401 || response.status === 403 || isAuthFailure?.(response.status, json)) {
    throw permanent('PlatformUnauthorized', detail, { status: response.status });
  }
  if ([408, 409, 425, 429].includes(response.status) || response.status >= 500) {
    const wait = retryAfterMs(response.headers);
    throw transient('PlatformUnavailable', detail, { status: response.status, ...(wait === undefined ? {} : { retryAfterMs: wait }) });
  }
  throw permanent('PlatformRejected', detail, { status: response.status });
}
