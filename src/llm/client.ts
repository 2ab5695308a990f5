// The one OpenAI-compatible client of the service. Temporal owns retries: the client never
// retries, and its timeout stays below the LLM activity's start-to-close timeout.
import OpenAI from 'openai';
import type { Config } from '../config';

export function createLlmClient(config: Pick<Config, 'OPENAI_BASE_URL' | 'OPENAI_API_KEY' | 'LLM_TIMEOUT_MS'>): OpenAI {
  return new OpenAI({
    baseURL: config.OPENAI_BASE_URL,
    apiKey: config.OPENAI_API_KEY,
    maxRetries: 0,
    timeout: config.LLM_TIMEOUT_MS,
  });
}
