// Small helpers shared by the benchmarks: percentiles, rates, a bounded-concurrency runner,
// and a typed way to call an activity function outside a worker.
import { MockActivityEnvironment } from '@temporalio/testing';

export const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};

export const median = (values: number[]): number => percentile(values, 50);

/** Runs `work` over `inputs` with at most `concurrency` at once; returns the elapsed seconds. */
export async function runPool<T>(inputs: readonly T[], concurrency: number, work: (input: T) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, inputs.length) }, async () => {
      while (next < inputs.length) await work(inputs[next++]!);
    }),
  );
  return (performance.now() - started) / 1000;
}

/** Items per second of `work` over `inputs` at `concurrency`. */
export async function perSecond<T>(inputs: readonly T[], concurrency: number, work: (input: T) => Promise<unknown>): Promise<number> {
  return inputs.length / (await runPool(inputs, concurrency, work));
}

/** Calls activity functions inside an activity context (heartbeats, attempt info), typed. */
export function activityCaller() {
  const env = new MockActivityEnvironment();
  return <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> => env.run(fn, ...args);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
