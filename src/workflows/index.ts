// Every workflow the workers register (the bundle's entry point). Deterministic code only.
export { stackCheckWorkflow } from './stack-check';
export { llmTaskWorkflow } from './llm-task';
export { productListWorkflow } from './product-list';
export { productItemWorkflow } from './product-item';
export { contentReviewWorkflow } from './content-review';
export { pingWorkflow } from './ping';
export { answerWorkflow } from './answer';
export { researchRunWorkflow } from './research-run';
export { strategyLearnerWorkflow } from './strategy-learner';
export { experimentWorkflow } from './experiment';
