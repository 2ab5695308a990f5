// What a workflow passes on of a learning-loop decision: only the fields the LLM activity
// needs, so the decision's reasons stay in its own activity result, not in every call's input.
import type { DecisionRef } from '../activities/learning';

export const decisionRefOf = (decision: DecisionRef): DecisionRef => ({
  decisionId: decision.decisionId,
  promptVersion: decision.promptVersion,
  model: decision.model,
  temperature: decision.temperature,
  maxTokens: decision.maxTokens,
  priorityKey: decision.priorityKey,
});
