// Workflow interceptor for the time-skipping test server, which cannot register custom search
// attributes (its OperatorService is unimplemented): the workflow's upserts are left out of the
// commands it sends. Everything else (timers, activities, updates) runs as written.
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  internals: [
    {
      concludeActivation(input, next) {
        return next({ ...input, commands: input.commands.filter((command) => !command.upsertWorkflowSearchAttributes) });
      },
    },
  ],
});
