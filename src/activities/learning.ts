// Learning-loop activities: the decision for each model call (recorded with its reasons), and
// the experiment workflow's reads and writes — outcome figures, allocation, rollback, promotion.
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

import { decide, defaultDecisionRules, type CallPriority, type Decision, type VersionConfig } from '../learning/decision';
import { budgetOf, recentFigures, recordDecision, settleDecision, type RecordedDecision } from '../learning/decision-store';
import {
  endExperiment,
  getExperiment,
  outcomesOf,
  runningExperiment,
  setAllocation,
  type ExperimentArm,
} from '../learning/experiment-store';
import {
  flagContent,
  markRedrivesStarted,
  planContentRedrafts,
  planProductRedrives,
  unsettledDecisions,
  type ContentRedraft,
  type ProductRedrive,
} from '../learning/redrive-store';
import { getVersion, moveLabel, resolveLabel } from '../learning/registry-store';
import { summariseArms, type ArmStats, type DecisionOutcome, type OutcomeWeights, type RewardTargets } from '../learning/reward';
import { LlmErrorType } from '../llm/errors';
import type { CallContext, TaskResult } from '../llm/gateway';
import { llmTasks, type LlmTaskName, type TaskInput, type TaskOutput } from '../llm/tasks';
import type { ActivityDeps } from './deps';

/** What a workflow passes to an LLM activity: the decision it took from decideLlmCall. */
export type DecisionRef = Pick<RecordedDecision, 'decisionId' | 'promptVersion' | 'model' | 'temperature' | 'maxTokens'> & {
  priorityKey?: number;
};

export interface DecideRequest {
  tenantId: string;
  task: LlmTaskName;
  priority: CallPriority;
  /** What the call is about (product id, content id): lets a rollback find what a version produced. */
  subject?: string;
}

/** One id per scheduled activity, the same on every retry: a decision is recorded once. */
function decisionIdOfActivity(): string {
  const info = Context.current().info;
  const hex = createHash('sha256')
    .update(`${info.workflowExecution?.workflowId}/${info.workflowExecution?.runId}/${info.activityId}`)
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Runs a task with the version a decision chose, and settles the decision's outcome. */
export async function runDecided<N extends LlmTaskName>(
  deps: Pick<ActivityDeps, 'llm' | 'pg'>,
  task: N,
  input: TaskInput<N>,
  ctx: CallContext,
  decision?: DecisionRef,
): Promise<TaskResult<TaskOutput<N>>> {
  if (!decision) return deps.llm.runTask(task, input, ctx);
  const version = await getVersion(deps.pg, decision.promptVersion);
  if (!version || version.task !== task) {
    throw ApplicationFailure.nonRetryable(
      `decision ${decision.decisionId} names ${decision.promptVersion}, not a version of ${task}`,
      'PromptVersionNotFound',
    );
  }
  const choice = {
    promptVersion: version.version,
    model: decision.model,
    temperature: decision.temperature,
    maxTokens: decision.maxTokens,
    instructions: version.instructions,
  };
  const started = Date.now();
  try {
    const result = await deps.llm.runTask(task, input, { ...ctx, decisionId: decision.decisionId }, choice);
    await settleDecision(deps.pg, decision.decisionId, {
      final: result.rounds === 1 ? 'ok' : 'repaired',
      latencyMs: result.latencyMs ?? Date.now() - started,
      costUsd: result.costUsd ?? 0,
    });
    return result;
  } catch (error) {
    const type = error instanceof ApplicationFailure ? error.type : undefined;
    // An exhausted budget or a rate limit says nothing about the version: the call comes again.
    if (type !== LlmErrorType.BudgetExhausted && type !== LlmErrorType.RateLimited) {
      const outcome: DecisionOutcome = {
        final: type === LlmErrorType.InvalidOutput ? 'invalid' : 'error',
        latencyMs: Date.now() - started,
        costUsd: 0,
      };
      await settleDecision(deps.pg, decision.decisionId, outcome);
    }
    throw error;
  }
}

export function createLearningActivities({ pg, llm, notifier, config }: Pick<ActivityDeps, 'pg' | 'llm' | 'notifier' | 'config'>) {
  const versionConfig = async (version: string): Promise<VersionConfig> => {
    const found = await getVersion(pg, version);
    if (!found) throw ApplicationFailure.nonRetryable(`prompt version ${version} is not in the registry`, 'PromptVersionNotFound');
    return { version: found.version, model: found.model, temperature: found.temperature, maxTokens: found.maxTokens };
  };

  return {
    /** The decision engine for one model call, recorded with its reasons (once per scheduled activity). */
    async decideLlmCall(request: DecideRequest): Promise<RecordedDecision> {
      const { tenantId, task } = request;
      const info = Context.current().info;
      const productionVersion = (await resolveLabel(pg, tenantId, task, 'production')) ?? llmTasks[task].promptVersion;
      const production = await versionConfig(productionVersion);
      const running = await runningExperiment(pg, tenantId, task);
      const experiment = running
        ? {
            experimentId: running.experimentId,
            allocation: running.allocation,
            versions: Object.fromEntries(
              await Promise.all(running.arms.map(async (arm) => [arm.version, await versionConfig(arm.version)] as const)),
            ),
          }
        : undefined;
      const versions = [productionVersion, ...(running?.arms.map((arm) => arm.version) ?? [])];
      const decision: Decision = decide(
        { task, priority: request.priority },
        {
          production,
          experiment: experiment && Object.keys(experiment.allocation).length > 0 ? experiment : undefined,
          budget: await budgetOf(pg, tenantId),
          figures: await recentFigures(pg, tenantId, task, versions),
          defaultModel: llm.modelFor(task),
          rules: { ...defaultDecisionRules, latencyTargetMs: config.LEARNING_LATENCY_TARGET_MS },
        },
        Math.random(),
      );
      return recordDecision(pg, decisionIdOfActivity(), tenantId, decision, {
        workflowId: info.workflowExecution?.workflowId,
        subject: request.subject,
      });
    },

    async collectExperimentStats(input: {
      experimentId: string;
      arms: ExperimentArm[];
      weights: OutcomeWeights;
      targets: RewardTargets;
      latencyTolerance: number;
    }): Promise<ArmStats[]> {
      const rows = await outcomesOf(pg, input.experimentId);
      return summariseArms(
        input.arms.map((arm) => {
          const mine = rows.filter((row) => row.arm === arm.version);
          return { ...arm, exposures: mine.length, outcomes: mine.flatMap((row) => (row.outcome ? [row.outcome] : [])) };
        }),
        input.weights,
        input.targets,
        input.latencyTolerance,
      );
    },

    async publishAllocation(input: { experimentId: string; allocation: Record<string, number> }): Promise<void> {
      await setAllocation(pg, input.experimentId, input.allocation);
    },

    /** A guardrail breach: the candidate label leaves the breached versions, audited and notified. */
    async rollbackCandidates(input: {
      experimentId: string;
      tenantId: string;
      task: string;
      versions: string[];
      remaining: string[];
      reason: string;
      detail: Record<string, unknown>;
    }) {
      // First: no new decision may pick a rolled-back version.
      const experiment = await getExperiment(pg, input.experimentId);
      if (experiment) {
        const kept = Object.entries(experiment.allocation).filter(([version]) => !input.versions.includes(version));
        const total = kept.reduce((sum, [, share]) => sum + share, 0);
        await setAllocation(
          pg,
          input.experimentId,
          Object.fromEntries(kept.map(([version, share]) => [version, total > 0 ? share / total : 0])),
        );
      }
      await moveLabel(pg, {
        actor: 'system:guardrail',
        scope: input.tenantId,
        task: input.task,
        label: 'candidate',
        version: input.remaining[0],
        reason: input.reason,
        experimentId: input.experimentId,
        action: 'rollback',
        eventKey: `${input.experimentId}:rollback:${input.versions.join(',')}`,
      });
      if (input.remaining.length === 0)
        await endExperiment(pg, input.experimentId, 'rolled-back', { rolledBack: input.versions, reason: input.reason, ...input.detail });
      await notifier.notify({
        kind: 'experiment-rolled-back',
        tenantId: input.tenantId,
        contentId: input.experimentId,
        experimentId: input.experimentId,
        recipients: ['admins'],
        detail: `${input.versions.join(', ')} rolled back: ${input.reason}`,
        idempotencyKey: `${input.experimentId}:rollback:${input.versions.join(',')}`,
      });
    },

    /**
     * What the rolled-back version produced: product items to re-run with production (waits,
     * by answering `waitFor`, while calls of the version are still in flight); drafts it wrote
     * that are still in review, to draft again with production; and content a person already
     * decided on or revised (approved, published, …), flagged for review and notified.
     */
    async planRedrive(input: {
      experimentId: string;
      tenantId: string;
      task: string;
      version: string;
      force?: boolean;
    }): Promise<{ waitFor: number; products: ProductRedrive[]; contents: ContentRedraft[]; flagged: number }> {
      const waitFor = input.force ? 0 : await unsettledDecisions(pg, input.tenantId, input.task, input.version);
      if (waitFor > 0) return { waitFor, products: [], contents: [], flagged: 0 };
      const products = await planProductRedrives(pg, input.experimentId, input.tenantId, input.task, input.version);
      // Redrafts are registered first, so the flagging below leaves them out.
      const contents = input.task === 'draft' ? await planContentRedrafts(pg, input.experimentId, input.tenantId, input.version) : [];
      const flagged = await flagContent(pg, input.experimentId, input.tenantId, input.version);
      for (const content of flagged) {
        await notifier.notify({
          kind: 'content-flagged',
          tenantId: input.tenantId,
          contentId: content.contentId,
          experimentId: input.experimentId,
          recipients: ['reviewers'],
          detail: `written by ${input.version}, rolled back in experiment ${input.experimentId}${content.published ? ' (already published: please review)' : ''}`,
          idempotencyKey: `${input.experimentId}:flag:${content.contentId}`,
        });
      }
      return { waitFor: 0, products, contents, flagged: flagged.length };
    },

    async markRedrivesStarted(input: { experimentId: string; workflowIds: string[] }): Promise<void> {
      await markRedrivesStarted(pg, input.experimentId, input.workflowIds);
    },

    /** Ends an experiment by promotion (production label moves to the winner) or by a stop. */
    async concludeExperiment(input: {
      experimentId: string;
      tenantId: string;
      task: string;
      action: 'promote' | 'stop';
      version?: string;
      actor: string;
      reason: string;
      detail: Record<string, unknown>;
    }) {
      if (input.action === 'promote' && input.version) {
        await moveLabel(pg, {
          actor: input.actor,
          scope: input.tenantId,
          task: input.task,
          label: 'production',
          version: input.version,
          reason: input.reason,
          experimentId: input.experimentId,
          action: 'promote',
          eventKey: `${input.experimentId}:promote`,
        });
      }
      await moveLabel(pg, {
        actor: input.actor,
        scope: input.tenantId,
        task: input.task,
        label: 'candidate',
        reason: `experiment ${input.action === 'promote' ? 'promoted' : 'stopped'}`,
        experimentId: input.experimentId,
        eventKey: `${input.experimentId}:candidate-cleared`,
      }).catch(() => undefined);
      const ended = await endExperiment(pg, input.experimentId, input.action === 'promote' ? 'promoted' : 'stopped', {
        version: input.version,
        actor: input.actor,
        reason: input.reason,
        ...input.detail,
      });
      if (input.action === 'promote') {
        await notifier.notify({
          kind: 'experiment-promoted',
          tenantId: input.tenantId,
          contentId: input.experimentId,
          experimentId: input.experimentId,
          recipients: ['admins'],
          detail: `${input.version} promoted to production: ${input.reason}`,
          idempotencyKey: `${input.experimentId}:promote`,
        });
      }
      return { ended };
    },
  };
}

export type LearningActivities = ReturnType<typeof createLearningActivities>;
