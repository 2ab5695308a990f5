// Which store or service an error says is unreachable. The API answers those with 503 and
// Retry-After; a worker starting during an outage keeps polling and applies the schema later.
import { ApplicationFailure } from '@temporalio/common';
import { LlmErrorType } from '../llm/error-types';

/** Model-provider failures that mean "not reachable now" (the API embeds search queries). */
const LLM_UNAVAILABLE_TYPES = new Set<string>([
  LlmErrorType.Unreachable,
  LlmErrorType.Timeout,
  LlmErrorType.ServerError,
  LlmErrorType.RateLimited,
]);
const PG_CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
const DOWN_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection refused|connect ECONNREFUSED|No connection established/i;

/**
 * The store or service an error says is unreachable (PostgreSQL, Temporal, Elasticsearch,
 * Neo4j, the model server), or undefined for every other error. Those become 503 + Retry-After, never 500.
 */
export function dependencyUnavailable(error: unknown): string | undefined {
  for (
    let cause = error as { [key: string]: unknown } | undefined, depth = 0;
    cause && depth < 5;
    cause = cause.cause as typeof cause, depth++
  ) {
    const code = cause.code;
    const name = typeof cause.name === 'string' ? cause.name : '';
    const message = typeof cause.message === 'string' ? cause.message : '';
    if (code === 14 && 'metadata' in cause) return 'Temporal'; // gRPC UNAVAILABLE
    if (code === 4 && 'metadata' in cause && /query timed out/.test(message)) return 'a Temporal worker'; // no worker answered the query
    if (code === 9 && 'metadata' in cause && /no poller seen/.test(message)) return 'a Temporal worker'; // FAILED_PRECONDITION: no worker polls the queue
    if (name === 'ConnectionError' || name === 'NoLivingConnectionsError' || name === 'TimeoutError') return 'Elasticsearch';
    // Elasticsearch answers 503 while it starts (no shard available yet, cluster blocks) and 429 when overloaded.
    if (name === 'ResponseError' && [429, 503].includes(Number((cause.meta as { statusCode?: unknown } | undefined)?.statusCode)))
      return 'Elasticsearch';
    if (cause instanceof ApplicationFailure && cause.type && LLM_UNAVAILABLE_TYPES.has(cause.type)) return 'the model server';
    if (name === 'Neo4jError' && (code === 'ServiceUnavailable' || code === 'SessionExpired')) return 'Neo4j';
    if (name === 'Neo4jUnavailable') return 'Neo4j'; // a graph call past its deadline (stores/neo4j.ts)
    if (typeof code === 'string' && (PG_CONNECTION_CODES.has(code) || code.startsWith('08'))) return 'PostgreSQL';
    if (DOWN_MESSAGES.test(message)) return 'PostgreSQL';
  }
  return undefined;
}
