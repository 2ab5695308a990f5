// Timeouts that both configuration checks and workflow activity presets depend on.

/** Start-to-close of an LLM activity; the LLM client's own timeout (LLM_TIMEOUT_MS) must stay below it. */
export const LLM_START_TO_CLOSE_MS = 90_000;
