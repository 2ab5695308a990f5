// LLM activities: one per task of the prompt registry, plus embeddings. They run on the LLM
// task queue, whose server-side rate limit spans every worker.
import { Context } from '@temporalio/activity';
import type { CallContext } from '../llm/gateway';
import type { LlmTaskName, TaskInput } from '../llm/tasks';
import type { ActivityDeps } from './deps';

export interface LlmRequest<N extends LlmTaskName> {
  tenantId: string;
  input: TaskInput<N>;
}

/** Who and what an LLM call is for, from the running activity: recorded with each call. */
export function callContext(tenantId: string): CallContext {
  const info = Context.current().info;
  return { tenantId, workflowId: info.workflowExecution?.workflowId, activityId: info.activityId, attempt: info.attempt };
}

export function createLlmActivities({ llm }: Pick<ActivityDeps, 'llm'>) {
  const run =
    <N extends LlmTaskName>(task: N) =>
    (request: LlmRequest<N>) =>
      llm.runTask(task, request.input, callContext(request.tenantId));

  return {
    llmSentiment: run('sentiment'),
    llmEnhance: run('enhance'),
    llmStyleCheck: run('styleCheck'),
    llmDraft: run('draft'),
    llmReport: run('report'),
    llmAnswer: run('answer'),
    llmExtract: run('extract'),
    async llmEmbed(request: { tenantId: string; texts: string[] }): Promise<number[][]> {
      return llm.embed(request.texts, callContext(request.tenantId));
    },
  };
}

export type LlmActivities = ReturnType<typeof createLlmActivities>;
