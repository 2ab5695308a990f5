// Workflows route activities to the queue of their kind. Queue names share the deployment's
// prefix, which a workflow reads from the queue it runs on (deterministic: part of its info).
import { workflowInfo } from '@temporalio/workflow';

export type ActivityKind = 'default' | 'high' | 'crawl' | 'llm';

export function taskQueueFor(kind: ActivityKind): string {
  const own = workflowInfo().taskQueue;
  const prefix = own.replace(/-(default|high)$/, '');
  return `${prefix}-${kind}`;
}
