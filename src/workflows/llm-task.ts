// One LLM task as a durable unit of work: drafts, reports and answers requested through the
// API run here, with retries, budget pauses and a status query.
import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { LlmActivities } from '../activities/llm';
import type { TaskResult } from '../llm/gateway';
import type { LlmTaskName, TaskInput, TaskOutput } from '../llm/tasks';
import { llmCall } from './activity-presets';
import { installBudgetPause } from './llm-budget';
import { taskQueueFor } from './task-queue';

export interface LlmTaskWorkflowInput<N extends LlmTaskName = LlmTaskName> {
  tenantId: string;
  task: N;
  input: TaskInput<N>;
}

export type LlmTaskStatus = 'running' | 'paused-budget' | 'completed';
export const llmTaskStatusQuery = defineQuery<LlmTaskStatus>('status');

export async function llmTaskWorkflow<N extends LlmTaskName>(request: LlmTaskWorkflowInput<N>): Promise<TaskResult<TaskOutput<N>>> {
  const llm = proxyActivities<LlmActivities>({ ...llmCall, taskQueue: taskQueueFor('llm') });
  const budget = installBudgetPause();
  let done = false;
  setHandler(llmTaskStatusQuery, () => (done ? 'completed' : budget.paused ? 'paused-budget' : 'running'));

  const byTask: Record<LlmTaskName, (r: { tenantId: string; input: never }) => Promise<unknown>> = {
    sentiment: llm.llmSentiment,
    enhance: llm.llmEnhance,
    styleCheck: llm.llmStyleCheck,
    draft: llm.llmDraft,
    report: llm.llmReport,
    answer: llm.llmAnswer,
    extract: llm.llmExtract,
  };
  const call = byTask[request.task];
  const result = await budget.run(() => call({ tenantId: request.tenantId, input: request.input as never }));
  done = true;
  return result as TaskResult<TaskOutput<N>>;
}
