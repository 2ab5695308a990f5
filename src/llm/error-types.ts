// Failure type names of LLM calls, shared by the gateway (which raises them), activities and
// workflows (which branch on them). Plain constants: safe to import in workflow code.
export const LlmErrorType = {
  BadRequest: 'LlmBadRequest',
  Unauthorized: 'LlmUnauthorized',
  Forbidden: 'LlmForbidden',
  NotFound: 'LlmModelNotFound',
  ContentRefused: 'LlmContentRefused',
  /** The provider answered 429, or the cluster-wide limit (LLM_RATE_LIMITS) has no room soon enough: retry later. */
  RateLimited: 'LlmRateLimited',
  /** One call needs more tokens than the whole window allows (LLM_RATE_LIMITS): never fits. */
  RequestTooLarge: 'LlmRequestTooLarge',
  ServerError: 'LlmServerError',
  Timeout: 'LlmTimeout',
  Unreachable: 'LlmUnreachable',
  InvalidOutput: 'LlmInvalidOutput',
  BudgetExhausted: 'LlmBudgetExhausted',
} as const;
