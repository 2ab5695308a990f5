// The rules of the model provider's rate limit, as pure functions: how many tokens a call may
// use, and whether a call fits under a limit given what is already held (and if not, how long
// until it could). The shared store around them is src/llm/rate-limiter.ts.

/** Requests and tokens per window; Infinity = no limit on that measure. */
export interface RateLimit {
  requests: number;
  tokens: number;
}

export const UNLIMITED: RateLimit = { requests: Number.POSITIVE_INFINITY, tokens: Number.POSITIVE_INFINITY };

/** The configured limit a model's calls count against: its own, else the shared `default` one. */
export function limitFor(limits: Record<string, RateLimit>, model: string): { key: string; limit: RateLimit } {
  if (limits[model]) return { key: model, limit: limits[model] };
  return { key: 'default', limit: limits.default ?? UNLIMITED };
}

export const isUnlimited = (limit: RateLimit) => limit.requests === Number.POSITIVE_INFINITY && limit.tokens === Number.POSITIVE_INFINITY;

/** Bytes per token assumed when estimating: tokenizers average about 4 bytes per token on English
 *  text and fewer on JSON, digits and other scripts; 3 over-estimates most text, so a reservation
 *  rarely falls short of what the provider counts (the actual usage replaces it afterwards). */
const BYTES_PER_TOKEN = 3;

/** A generous estimate of the tokens `texts` take as input. */
export function estimateInputTokens(...texts: string[]): number {
  return texts.reduce((sum, text) => sum + Math.ceil(Buffer.byteLength(text, 'utf8') / BYTES_PER_TOKEN), 0);
}

/** What a held call still counts for: its tokens (estimated or actual), and the earliest time it
 *  can stop counting (for a call still in flight that is a window after now, at the earliest). */
export interface Held {
  tokens: number;
  freesAtMs: number;
}

export type Admission = { admitted: true } | { admitted: false; waitMs: number } | { admitted: false; never: true };

/**
 * Whether a call of `tokens` fits beside `held` under `limit` at `nowMs`; if not, the shortest
 * wait after which it could (a lower bound: calls in flight free no sooner than a window after
 * they end), or `never` when the call alone needs more tokens than the whole window allows.
 */
export function admit(held: readonly Held[], limit: RateLimit, tokens: number, nowMs: number): Admission {
  if (tokens > limit.tokens) return { admitted: false, never: true };
  const live = held.filter((call) => call.freesAtMs > nowMs).sort((a, b) => a.freesAtMs - b.freesAtMs);
  const excessRequests = live.length + 1 - limit.requests;
  const excessTokens = live.reduce((sum, call) => sum + call.tokens, 0) + tokens - limit.tokens;
  if (excessRequests <= 0 && excessTokens <= 0) return { admitted: true };
  let readyAt = nowMs;
  if (excessRequests > 0) readyAt = Math.max(readyAt, live[excessRequests - 1]!.freesAtMs);
  if (excessTokens > 0) {
    let freed = 0;
    for (const call of live) {
      freed += call.tokens;
      if (freed >= excessTokens) {
        readyAt = Math.max(readyAt, call.freesAtMs);
        break;
      }
    }
  }
  return { admitted: false, waitMs: Math.max(1, Math.ceil(readyAt - nowMs)) };
}
