// One LLM task as a durable unit of work: drafts, reports and answers requested through the
// API run here, with retries, budget pauses and a status query.
import { defineQuery, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { DecisionRef, LearningActivities } from '../activities/learning';
import type { LlmActivities } from '../activities/llm';
import type { CallPriority } from '../learning/decision';
import type { TaskResult } from '../llm/gateway';
import type { LlmTaskName, TaskInput, TaskOutput } from '../llm/tasks';
import { llmCall, storeWrite } from './activity-presets';
import { installBudgetPause } from './llm-budget';
import { taskQueueFor } from './task-queue';

export interface LlmTaskWorkflowInput<N extends LlmTaskName = LlmTaskName> {
  tenantId: string;
  task: N;
  input: TaskInput<N>;
  /** Queue priority class for the decision engine; API requests are interactive. */
  priority?: CallPriority;
  subject?: string;
}

/** patched() marker: runs recorded before the decision engine replay without its activity. */
export const DECISION_PATCH = 'learning-decision';

export type LlmTaskStatus = 'running' | 'paused-budget' | 'completed';
export const llmTaskStatusQuery = defineQuery<LlmTaskStatus>('status');

export async function llmTaskWorkflow<N extends LlmTaskName>(request: LlmTaskWorkflowInput<N>): Promise<TaskResult<TaskOutput<N>>> {
  const learning = proxyActivities<LearningActivities>(storeWrite);
  const budget = installBudgetPause();
  let done = false;
  setHandler(llmTaskStatusQuery, () => (done ? 'completed' : budget.paused ? 'paused-budget' : 'running'));

  // The decision (version, model, temperature, queue priority) comes from an activity, so it
  // is in the history and a replay takes the same one.
  const decision = patched(DECISION_PATCH)
    ? await learning.decideLlmCall({
        tenantId: request.tenantId,
        task: request.task,
        priority: request.priority ?? 'interactive',
        subject: request.subject,
      })
    : undefined;
  const llm = proxyActivities<LlmActivities>({
    ...llmCall,
    taskQueue: taskQueueFor('llm'),
    ...(decision ? { priority: { priorityKey: decision.priorityKey } } : {}),
  });
  const byTask: Record<LlmTaskName, (r: { tenantId: string; input: never; decision?: DecisionRef }) => Promise<unknown>> = {
    sentiment: llm.llmSentiment,
    enhance: llm.llmEnhance,
    styleCheck: llm.llmStyleCheck,
    draft: llm.llmDraft,
    report: llm.llmReport,
    answer: llm.llmAnswer,
    researchReport: llm.llmResearchReport,
    extract: llm.llmExtract,
  };
  const call = byTask[request.task];
  const ref = decision && {
    decisionId: decision.decisionId,
    promptVersion: decision.promptVersion,
    model: decision.model,
    temperature: decision.temperature,
    maxTokens: decision.maxTokens,
    priorityKey: decision.priorityKey,
  };
  const result = await budget.run(() => call({ tenantId: request.tenantId, input: request.input as never, decision: ref }));
  done = true;
  return result as TaskResult<TaskOutput<N>>;
}
