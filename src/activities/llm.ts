// LLM activities: one per task of the prompt registry, plus embeddings. They run on the LLM
// task queue, whose server-side rate limit spans every worker.
import { Context } from '@temporalio/activity';
import type { CallContext } from '../llm/gateway';
import type { LlmTaskName, TaskInput } from '../llm/tasks';
import type { ActivityDeps } from './deps';
import { runDecided, type DecisionRef } from './learning';

export interface LlmRequest<N extends LlmTaskName> {
  tenantId: string;
  input: TaskInput<N>;
  /** The learning loop's decision for this call (prompt version, model, temperature); absent = the code defaults. */
  decision?: DecisionRef;
}

/** Who and what an LLM call is for, from the running activity: recorded with each call. */
export function callContext(tenantId: string): CallContext {
  const { info, cancellationSignal } = Context.current();
  return {
    tenantId,
    workflowId: info.workflowExecution?.workflowId,
    activityId: info.activityId,
    attempt: info.attempt,
    signal: cancellationSignal,
    // Waiting for room under the provider's rate limit takes at most half the attempt's time
    // (and at most LLM_RATE_MAX_WAIT): a typed retryable failure rather than a timeout.
    maxRateWaitMs: info.startToCloseTimeoutMs ? Math.floor(info.startToCloseTimeoutMs / 2) : undefined,
  };
}

export function createLlmActivities({ llm, pg }: Pick<ActivityDeps, 'llm' | 'pg'>) {
  const run =
    <N extends LlmTaskName>(task: N) =>
    (request: LlmRequest<N>) =>
      runDecided({ llm, pg }, task, request.input, callContext(request.tenantId), request.decision);

  return {
    llmSentiment: run('sentiment'),
    llmEnhance: run('enhance'),
    llmStyleCheck: run('styleCheck'),
    llmDraft: run('draft'),
    llmReport: run('report'),
    llmAnswer: run('answer'),
    llmResearchReport: run('researchReport'),
    llmExtract: run('extract'),
    async llmEmbed(request: { tenantId: string; texts: string[] }): Promise<number[][]> {
      return llm.embed(request.texts, callContext(request.tenantId));
    },
  };
}

export type LlmActivities = ReturnType<typeof createLlmActivities>;
