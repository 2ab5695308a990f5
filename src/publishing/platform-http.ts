// One HTTP call to a platform, with a timeout and the platform's answer turned into the
// service's typed errors: retrying helps for 408/429/5xx and network failures, not for the rest.
import { permanent, transient } from '../errors';

export interface PlatformResponse {
  status: number;
  headers: Headers;
  json: unknown;
}

function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

export async function platformRequest(platform: string, url: string, init: RequestInit & { timeoutMs: number }): Promise<PlatformResponse> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs), redirect: 'error' });
  } catch (error) {
    throw transient('PlatformUnavailable', `${platform}: ${(error as Error).name === 'TimeoutError' ? `no answer within ${init.timeoutMs} ms` : (error as Error).message}`);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (response.ok) return { status: response.status, headers: response.headers, json };
  const detail = `${platform} answered ${response.status}${text ? `: ${text.slice(0, 300)}` : ''}`;
  if (response.status === 401 || response.status === 403) throw permanent('PlatformUnauthorized', detail);
  if ([408, 409, 425, 429].includes(response.status) || response.status >= 500) {
    throw transient('PlatformUnavailable', detail, { status: response.status, retryAfterMs: retryAfterMs(response.headers) });
  }
  throw permanent('PlatformRejected', detail, { status: response.status });
}
