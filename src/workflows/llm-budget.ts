// Pausing on an exhausted LLM budget: the work waits (visible as PausedReason='llm-budget')
// instead of failing, and resumes when the budget is raised (signal) or on a periodic recheck.
import { condition, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { LlmErrorType } from '../llm/error-types';
import { SearchAttr } from '../temporal/search-attributes';
import { llmBudgetRaisedSignal } from '../temporal/signals';
import { activityApplicationFailure } from './failures';

export { llmBudgetRaisedSignal };

const RECHECK_INTERVAL = '15 minutes';

export function isBudgetExhausted(error: unknown): boolean {
  return activityApplicationFailure(error)?.type === LlmErrorType.BudgetExhausted;
}

export interface BudgetPause {
  readonly paused: boolean;
  /** Runs an LLM activity call, waiting out exhausted budgets; other failures propagate. */
  run<T>(call: () => Promise<T>): Promise<T>;
}

/** Call once at the top of a workflow that makes LLM calls. */
export function installBudgetPause(): BudgetPause {
  let raised = false;
  let paused = false;
  setHandler(llmBudgetRaisedSignal, () => {
    raised = true;
  });
  return {
    get paused() {
      return paused;
    },
    async run<T>(call: () => Promise<T>): Promise<T> {
      for (;;) {
        try {
          return await call();
        } catch (error) {
          if (!isBudgetExhausted(error)) throw error;
          paused = true;
          raised = false;
          upsertSearchAttributes([{ key: SearchAttr.PausedReason, value: 'llm-budget' }]);
          await condition(() => raised, RECHECK_INTERVAL);
          paused = false;
          upsertSearchAttributes([{ key: SearchAttr.PausedReason, value: null }]);
        }
      }
    },
  };
}
