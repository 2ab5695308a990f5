// One question answered from the tenant's sources, durably: retrieval, the LLM's cited answer
// and the stored interaction are activities (retried on their own); the interaction row in
// PostgreSQL carries question, sources and answer, so history holds only ids.
import { ActivityFailure, ApplicationFailure, defineQuery, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { AnswerActivities } from '../activities/answers';
import type { LearningActivities } from '../activities/learning';
import { decisionRefOf } from './decision-ref';
import { llmCall, storeWrite } from './activity-presets';
import { installBudgetPause } from './llm-budget';
import { taskQueueFor } from './task-queue';

export interface AnswerWorkflowInput {
  answerId: string;
  tenantId: string;
}

export type AnswerStage = 'retrieving' | 'answering' | 'answered' | 'not_found' | 'failed';
export const answerStageQuery = defineQuery<AnswerStage>('stage');

export const answerWorkflowId = (tenantId: string, answerId: string) => `answer/${tenantId}/${answerId}`;

/** patched() marker: answers recorded before the decision engine replay without its activity. */
export const ANSWER_DECISION_PATCH = 'answer-learning-decision';

export async function answerWorkflow(input: AnswerWorkflowInput): Promise<{ answerId: string; stage: AnswerStage }> {
  const store = proxyActivities<AnswerActivities>({ ...storeWrite, taskQueue: taskQueueFor('default') });
  // Retrieval embeds the question and the answer is a chat call: both on the LLM queue and its rate limit.
  const model = proxyActivities<AnswerActivities>({ ...llmCall, taskQueue: taskQueueFor('llm') });
  const learning = proxyActivities<LearningActivities>(storeWrite);
  const budget = installBudgetPause();
  let stage: AnswerStage = 'retrieving';
  setHandler(answerStageQuery, () => stage);

  try {
    const retrieval = await budget.run(() => model.retrieveAnswerSources({ answerId: input.answerId }));
    if (!retrieval.found) {
      stage = 'not_found';
      return { answerId: input.answerId, stage };
    }
    stage = 'answering';
    // The learning loop picks the answer's prompt version, model, temperature and queue priority
    // (an activity, so the choice is in history and a replay takes the same one).
    const decision = patched(ANSWER_DECISION_PATCH)
      ? decisionRefOf(
          await learning.decideLlmCall({
            tenantId: input.tenantId,
            task: 'answer',
            priority: 'interactive',
            subject: `answer:${input.answerId}`,
          }),
        )
      : undefined;
    const answering = decision?.priorityKey
      ? proxyActivities<AnswerActivities>({ ...llmCall, taskQueue: taskQueueFor('llm'), priority: { priorityKey: decision.priorityKey } })
      : model;
    const composed = await budget.run(() => answering.composeAnswer({ answerId: input.answerId, decision }));
    await store.recordAnswer({ answerId: input.answerId, composed });
    stage = composed.outcome === 'answered' ? 'answered' : 'not_found';
    return { answerId: input.answerId, stage };
  } catch (error) {
    // A permanent failure (invalid model output, citations outside the sources) is recorded on the interaction.
    const cause = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause : undefined;
    await store.recordAnswerFailure({
      answerId: input.answerId,
      error: cause ? `${cause.type ?? 'Error'}: ${cause.message}` : String(error),
    });
    stage = 'failed';
    throw error;
  }
}
