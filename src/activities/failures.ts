// Wraps activity functions so that the service's typed errors reach Temporal as failures with
// the same type, non-retryable when retrying cannot help, and the attempt number recorded.
import { Context } from '@temporalio/activity';
import { toApplicationFailure } from '../errors';

type AsyncFn = (...args: never[]) => Promise<unknown>;

export function withTypedFailures<T extends Record<string, AsyncFn>>(activities: T): T {
  const wrapped: Record<string, AsyncFn> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (error) {
        throw toApplicationFailure(error, Context.current().info.attempt);
      }
    };
  }
  return wrapped as T;
}
