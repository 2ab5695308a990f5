// Signals that clients send and workflows handle, defined once in the lower layer.
import { defineSignal } from '@temporalio/workflow';

/** A tenant's LLM budget was raised: workflows paused on an exhausted one try again. */
export const llmBudgetRaisedSignal = defineSignal('llmBudgetRaised');
