// Reading failures in workflow code: an activity's failure arrives as ActivityFailure whose
// cause is the ApplicationFailure the activity raised (with its explicit type).
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** The ApplicationFailure an activity raised, when `error` is an activity's failure. */
export function activityApplicationFailure(error: unknown): ApplicationFailure | undefined {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause : undefined;
}

/** Type and message of any failure, for audit events and outcomes. */
export function failureOf(error: unknown): { type: string; message: string } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return {
    type: cause instanceof ApplicationFailure ? (cause.type ?? 'Error') : 'Error',
    message: cause instanceof Error ? cause.message : String(cause),
  };
}

/** The error type, message and attempt count of a failed activity, for the error ledger. A
 *  local activity's failure arrives as the ApplicationFailure itself, not inside ActivityFailure. */
export function describeFailure(error: unknown): { errorType: string; message: string; attempts: number } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) {
    const attempt = (cause.details?.[0] as { attempt?: number } | undefined)?.attempt;
    return { errorType: cause.type ?? 'ApplicationFailure', message: cause.message, attempts: attempt ?? 1 };
  }
  if (error instanceof ActivityFailure)
    return { errorType: error.cause?.name ?? 'ActivityFailure', message: error.cause?.message ?? error.message, attempts: 1 };
  return { errorType: (error as Error)?.name ?? 'Error', message: (error as Error)?.message ?? String(error), attempts: 1 };
}
