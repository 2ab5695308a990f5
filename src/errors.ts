// Errors of the service's own modules carry a stable type name and whether retrying can help.
// Activities turn them into Temporal failures (see toApplicationFailure); class names are not
// relied upon because bundling can rename them.
import { ApplicationFailure } from '@temporalio/common';

export class PipelineError extends Error {
  constructor(
    /** Stable, explicit type, e.g. 'UrlBlocked', 'ProductNotFound'. */
    readonly type: string,
    message: string,
    /** false for permanent problems (404, blocked URL, invalid data): retrying cannot help. */
    readonly retryable: boolean,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = type;
  }
}

export const permanent = (type: string, message: string, details?: Record<string, unknown>) =>
  new PipelineError(type, message, false, details);
export const transient = (type: string, message: string, details?: Record<string, unknown>) =>
  new PipelineError(type, message, true, details);

/** Details every failure raised by an activity carries, for the per-item error ledger. */
export interface FailureDetails {
  attempt?: number;
  [key: string]: unknown;
}

/** For activities: PipelineError → ApplicationFailure with the same type, the attempt that
 *  raised it recorded in its details; other errors pass through unchanged. */
export function toApplicationFailure(error: unknown, attempt?: number): unknown {
  if (!(error instanceof PipelineError)) return error;
  const retryAfterMs = typeof error.details.retryAfterMs === 'number' ? error.details.retryAfterMs : undefined;
  return ApplicationFailure.create({
    message: error.message,
    type: error.type,
    nonRetryable: !error.retryable,
    details: [{ ...error.details, attempt } satisfies FailureDetails],
    nextRetryDelay: retryAfterMs,
  });
}
