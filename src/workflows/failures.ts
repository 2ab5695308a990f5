// Reading failures in workflow code: an activity's failure arrives as ActivityFailure whose
// cause is the ApplicationFailure the activity raised (with its explicit type).
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** The ApplicationFailure behind an activity (or workflow-raised) failure, if there is one. */
export function applicationFailureOf(error: unknown): ApplicationFailure | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure ? cause : undefined;
}

/** Type and message of any failure, for audit events and outcomes. */
export function failureOf(error: unknown): { type: string; message: string } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return { type: cause instanceof ApplicationFailure ? (cause.type ?? 'Error') : 'Error', message: cause instanceof Error ? cause.message : String(cause) };
}
