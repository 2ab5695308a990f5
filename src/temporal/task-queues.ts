// Task queues per kind of work, so each kind's workers scale (and are rate limited) on their own.
import type { Config } from '../config';

export const workKinds = ['default', 'high', 'crawl', 'llm'] as const;
export type WorkKind = (typeof workKinds)[number];

export type TaskQueues = Record<WorkKind, string>;

/** default: workflows and quick activities; high: interactive work (reviews, API-driven);
 *  crawl: outbound HTTP and image work; llm: model calls, rate limited server-side. */
export function taskQueues(config: Pick<Config, 'TEMPORAL_TASK_QUEUE_PREFIX'>): TaskQueues {
  const prefix = config.TEMPORAL_TASK_QUEUE_PREFIX;
  return {
    default: `${prefix}-default`,
    high: `${prefix}-high`,
    crawl: `${prefix}-crawl`,
    llm: `${prefix}-llm`,
  };
}
