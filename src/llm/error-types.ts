// Failure type names of LLM calls, shared by the gateway (which raises them), activities and
// workflows (which branch on them). Plain constants: safe to import in workflow code.
export const LlmErrorType = {
  BadRequest: 'LlmBadRequest',
  Unauthorized: 'LlmUnauthorized',
  Forbidden: 'LlmForbidden',
  NotFound: 'LlmModelNotFound',
  ContentRefused: 'LlmContentRefused',
  RateLimited: 'LlmRateLimited',
  ServerError: 'LlmServerError',
  Timeout: 'LlmTimeout',
  Unreachable: 'LlmUnreachable',
  InvalidOutput: 'LlmInvalidOutput',
  BudgetExhausted: 'LlmBudgetExhausted',
} as const;
