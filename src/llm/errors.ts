// Classifies provider errors into Temporal failures: permanent ones are non-retryable with an
// explicit type; rate limits and server errors retry, honouring Retry-After as the next delay.
import { ApplicationFailure } from '@temporalio/common';
import OpenAI from 'openai';
import { LlmErrorType } from './error-types';

export { LlmErrorType } from './error-types';

const permanentByStatus: Record<number, string> = {
  400: LlmErrorType.BadRequest,
  401: LlmErrorType.Unauthorized,
  403: LlmErrorType.Forbidden,
  404: LlmErrorType.NotFound,
  422: LlmErrorType.BadRequest,
};

/** Retry-After in seconds or as an HTTP date; undefined when absent or unparseable. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const value = headers?.get('retry-after-ms') ?? undefined;
  if (value && /^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value));
  const retryAfter = headers?.get('retry-after');
  if (!retryAfter) return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.ceil(Number(retryAfter) * 1000);
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function isContentPolicy(error: { code?: unknown; message: string }): boolean {
  const code = typeof error.code === 'string' ? error.code : '';
  return code === 'content_policy_violation' || code === 'content_filter' || /content[ _-]?policy/i.test(error.message);
}

/** Maps anything the OpenAI client throws to an ApplicationFailure with a stable type. */
export function classifyLlmError(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return ApplicationFailure.retryable(`LLM request timed out: ${error.message}`, LlmErrorType.Timeout);
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return ApplicationFailure.retryable(`LLM endpoint unreachable: ${error.message}`, LlmErrorType.Unreachable);
  }
  if (error instanceof OpenAI.APIError && typeof error.status === 'number') {
    const status = error.status;
    if (isContentPolicy(error as { code?: unknown; message: string })) {
      return ApplicationFailure.nonRetryable(`LLM refused the content: ${error.message}`, LlmErrorType.ContentRefused);
    }
    const permanent = permanentByStatus[status];
    if (permanent) return ApplicationFailure.nonRetryable(`LLM request rejected (${status}): ${error.message}`, permanent, { status });
    if (status === 429 || status >= 500) {
      return ApplicationFailure.create({
        message: `LLM provider ${status === 429 ? 'rate limited the request' : `failed (${status})`}: ${error.message}`,
        type: status === 429 ? LlmErrorType.RateLimited : LlmErrorType.ServerError,
        details: [{ status }],
        nextRetryDelay: retryAfterMs(error.headers as Headers | undefined),
      });
    }
    return ApplicationFailure.nonRetryable(`LLM request failed (${status}): ${error.message}`, LlmErrorType.BadRequest, { status });
  }
  return ApplicationFailure.retryable(`LLM call failed: ${(error as Error)?.message ?? String(error)}`, 'LlmError');
}
