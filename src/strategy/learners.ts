// Talking to strategy learners from the API and from activities: every call starts the learner
// of (tenant, brand, channel) if it is not running yet (signal-with-start, update-with-start),
// so no caller has to know whether a brand is new.
import {
  WorkflowIdConflictPolicy,
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import type { Config } from '../config';
import { SearchAttr } from '../temporal/search-attributes';
import { taskQueues } from '../temporal/task-queues';
import {
  engagementSignal,
  learnerQuery,
  recommendUpdate,
  recommendationQuery,
  setConstraintsUpdate,
  strategyLearnerId,
  strategyLearnerWorkflow,
  type Actor,
  type LearnerView,
  type StrategyLearnerInput,
} from '../workflows/strategy-learner';
import type { Credit, Recommendation } from './bandit';
import type { BrandConstraints } from './model';

export interface LearnerKey {
  tenantId: string;
  brand: string;
  channel: string;
}

export type LearnerConfig = Pick<Config, 'TEMPORAL_TASK_QUEUE_PREFIX' | 'STRATEGY_SAVE_AFTER'>;

/**
 * A learner's workflow task may take longer than Temporal's default 10 s: one activation can carry
 * a batch of 500 Thompson draws or a signal of 500 credits, and on a busy worker tasks already
 * taken wait for the workflow thread. Past the timeout the server retries the task and refuses
 * every Update meanwhile ("Workflow Task in failed state"), which is how `bench:strategy -- 50
 * 10000 500` failed. Continue-as-new keeps the timeout. The cost: a task on a worker that dies
 * is retried after this long instead of 10 s (the learner's signals wait meanwhile, none is lost).
 */
export const LEARNER_TASK_TIMEOUT = '60s' as const;

export function learnerStart(config: LearnerConfig, key: LearnerKey, options: StrategyLearnerInput['options'] = {}) {
  return {
    workflowId: strategyLearnerId(key.tenantId, key.brand, key.channel),
    taskQueue: taskQueues(config).default,
    workflowTaskTimeout: LEARNER_TASK_TIMEOUT,
    args: [{ ...key, options: { saveAfterMs: config.STRATEGY_SAVE_AFTER, ...options } }] as [StrategyLearnerInput],
    typedSearchAttributes: [
      { key: SearchAttr.WorkflowKind, value: 'strategy-learner' },
      { key: SearchAttr.TenantId, value: key.tenantId },
      { key: SearchAttr.BusinessId, value: `${key.brand}/${key.channel}` },
      { key: SearchAttr.Platforms, value: [key.channel] },
    ],
    staticSummary: `Strategy learner: brand ${key.brand} on ${key.channel}`,
  };
}

/** Credits engagement to the learners of the credits' (brand, channel), one signal per learner. */
export async function signalCredits(
  client: Client,
  config: LearnerConfig,
  tenantId: string,
  credits: (Credit & { brand: string; channel: string })[],
): Promise<void> {
  const byLearner = new Map<string, { key: LearnerKey; credits: Credit[] }>();
  for (const { brand, channel, ...credit } of credits) {
    const id = strategyLearnerId(tenantId, brand, channel);
    const entry = byLearner.get(id) ?? { key: { tenantId, brand, channel }, credits: [] };
    entry.credits.push(credit);
    byLearner.set(id, entry);
  }
  for (const { key, credits: batch } of byLearner.values()) {
    await client.workflow.signalWithStart(strategyLearnerWorkflow, {
      ...learnerStart(config, key),
      signal: engagementSignal,
      signalArgs: [{ credits: batch }],
    });
  }
}

/** An Update that reaches a learner while it continues as new is turned away by the closing run;
 *  sent again it reaches the new run. Refusals by the handler or its validator are not retried. */
export async function retryingUpdate<T>(send: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      const refused = error instanceof WorkflowUpdateFailedError && error.cause !== undefined;
      if (refused || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** A Thompson-sampled strategy for the next content (the learner counts it as a recommendation). */
export async function askForStrategy(client: Client, config: LearnerConfig, key: LearnerKey, contentId?: string): Promise<Recommendation> {
  return retryingUpdate(() =>
    client.workflow.executeUpdateWithStart(recommendUpdate, {
      args: [{ contentId }],
      startWorkflowOperation: new WithStartWorkflowOperation(strategyLearnerWorkflow, {
        ...learnerStart(config, key),
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      }),
    }),
  );
}

export async function setConstraints(
  client: Client,
  config: LearnerConfig,
  key: LearnerKey,
  actor: Actor,
  constraints: BrandConstraints,
): Promise<BrandConstraints> {
  return retryingUpdate(() =>
    client.workflow.executeUpdateWithStart(setConstraintsUpdate, {
      args: [{ actor, constraints }],
      startWorkflowOperation: new WithStartWorkflowOperation(strategyLearnerWorkflow, {
        ...learnerStart(config, key),
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      }),
    }),
  );
}

/** The learner's state and its current best strategy; undefined when the brand has no learner yet. */
export async function readLearner(
  client: Client,
  key: LearnerKey,
): Promise<{ learner: LearnerView; recommendation: Recommendation; workflowId: string } | undefined> {
  const workflowId = strategyLearnerId(key.tenantId, key.brand, key.channel);
  const handle = client.workflow.getHandle(workflowId);
  try {
    const [learner, recommendation] = await Promise.all([handle.query(learnerQuery), handle.query(recommendationQuery)]);
    return { learner, recommendation, workflowId };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}
