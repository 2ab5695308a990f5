// The one OpenAI-compatible client of the service. Temporal owns retries: the client never
// retries, and its timeout stays below the LLM activity's start-to-close timeout.
import OpenAI from 'openai';
import type { Config } from '../config';

type ClientConfig = Pick<Config, 'OPENAI_BASE_URL' | 'EMBEDDINGS_BASE_URL' | 'OPENAI_API_KEY' | 'LLM_TIMEOUT_MS'>;

/** `chat` for completions, `embeddings` for vectors: two endpoints that may be the same. */
export function createLlmClient(config: ClientConfig, endpoint: 'chat' | 'embeddings' = 'chat'): OpenAI {
  return new OpenAI({
    baseURL: endpoint === 'chat' ? config.OPENAI_BASE_URL : config.EMBEDDINGS_BASE_URL,
    apiKey: config.OPENAI_API_KEY,
    maxRetries: 0,
    timeout: config.LLM_TIMEOUT_MS,
  });
}
