// The activity factory: every activity of every slice, bound to the worker's dependencies.
import type { ActivityDeps } from './deps';
import { createLlmActivities } from './llm';
import { createStackCheckActivities } from './stack-check';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createStackCheckActivities(deps),
    ...createLlmActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
