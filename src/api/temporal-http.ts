// Translating Temporal outcomes into HTTP: a duplicate start is a 409, a missing workflow a 404,
// and every response links to the run in the Temporal UI.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Config } from '../config';
import { HttpError } from './problem';

export function temporalUiLink(config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>, workflowId: string, runId?: string): string {
  const base = `${config.TEMPORAL_UI_URL}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}/history` : base;
}

/** Runs a Temporal start; an id that is already running becomes 409 Conflict. */
export async function startOrConflict<T>(workflowId: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw new HttpError(409, 'Conflict', `workflow ${workflowId} is already running`, { workflowId });
    }
    throw error;
  }
}

/** Runs a Temporal read; a workflow that does not exist becomes 404 Not Found. */
export async function readOrNotFound<T>(workflowId: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      throw new HttpError(404, 'Not Found', `no workflow ${workflowId}`, { workflowId });
    }
    throw error;
  }
}
