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
