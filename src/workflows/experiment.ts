// One experiment between prompt versions of a task, as a long-running entity workflow
// (`experiment/<experimentId>`): every poll it reads the arms' outcomes (activity), applies the
// experiment rules (guardrails → rollback; Thompson allocation; optional auto-promotion), and
// publishes the allocation the decision engine samples from. It continues as new with its
// state, answers a status query, and is visible through search attributes.
import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { LearningActivities } from '../activities/learning';
import type { ExperimentStatus } from '../learning/experiment-store';
import {
  initialAllocation,
  nextStep,
  posteriorMeans,
  rewardTargetsOf,
  type ArmState,
  type ExperimentSettings,
} from '../learning/experiment-rules';
import type { ArmGuardrails } from '../learning/guardrails';
import { seededRng, seedOf } from '../learning/random';
import { defaultOutcomeWeights, type ArmStats } from '../learning/reward';
import { SearchAttr } from '../temporal/search-attributes';
import { storeWrite } from './activity-presets';
import { redraftSignal } from './content-review';
import { productItemWorkflow, type ListOptions } from './product-item';

export interface ExperimentInput {
  experimentId: string;
  tenantId: string;
  task: string;
  arms: ArmState[];
  settings: ExperimentSettings;
  /** Carried across continue-as-new. */
  state?: ExperimentState;
}

export interface ExperimentState {
  status: ExperimentStatus;
  round: number;
  /** Workflow runs so far (1 + continue-as-new count). */
  runs: number;
  stats: ArmStats[];
  allocation: Record<string, number>;
  probabilityBest: Record<string, number>;
  guardrails: ArmGuardrails[];
  rolledBack: string[];
  promoted?: string;
  /** Last transitions, newest last (bounded). */
  events: { round: number; what: string }[];
}

export interface ExperimentView extends ExperimentState {
  experimentId: string;
  tenantId: string;
  task: string;
  arms: (ArmState & { exposures: number; settled: number; posteriorMean: number; share: number })[];
}

export interface ConcludeRequest {
  action: 'promote' | 'stop';
  actor: string;
  reason: string;
  version?: string;
}

export const experimentStatusQuery = defineQuery<ExperimentView>('status');
export const concludeExperimentSignal = defineSignal<[ConcludeRequest]>('conclude');

const MAX_EVENTS = 50;
/** Polls to wait for calls of a rolled-back version still in flight before redriving anyway. */
const MAX_REDRIVE_WAITS = 20;

export async function experimentWorkflow(input: ExperimentInput): Promise<ExperimentState> {
  const acts = proxyActivities<LearningActivities>(storeWrite);
  const { experimentId, tenantId, task, settings } = input;
  let arms = input.arms.filter((arm) => !input.state?.rolledBack.includes(arm.version));
  const state: ExperimentState = input.state ?? {
    status: 'running',
    round: 0,
    runs: 0,
    stats: [],
    allocation: initialAllocation(input.arms, settings),
    probabilityBest: {},
    guardrails: [],
    rolledBack: [],
    events: [],
  };
  state.runs++;
  let request: ConcludeRequest | undefined;
  const note = (what: string) => {
    state.events = [...state.events, { round: state.round, what }].slice(-MAX_EVENTS);
    log.info(`experiment ${experimentId}: ${what}`);
  };

  setHandler(experimentStatusQuery, () => view(input, arms, state));
  setHandler(concludeExperimentSignal, (conclude) => {
    request ??= conclude;
  });

  const publishAttributes = () =>
    upsertSearchAttributes([
      { key: SearchAttr.WorkflowKind, value: 'experiment' },
      { key: SearchAttr.BusinessId, value: experimentId },
      { key: SearchAttr.TenantId, value: tenantId },
      { key: SearchAttr.PromptTask, value: task },
      { key: SearchAttr.ExperimentStatus, value: state.status },
      { key: SearchAttr.CandidateShare, value: candidateShare(arms, state.allocation) },
    ]);
  publishAttributes();

  /** Re-runs each product item the version enriched, once (the workflow id is the guard), through
   *  the product item workflow; drafts it wrote that are still in review are drafted again by their
   *  content workflow (signal `redraft`, which a content workflow takes once per experiment);
   *  content already decided on is flagged for review by the activity. */
  async function redrive(version: string): Promise<void> {
    // A decision taken just before the rollback may not be recorded yet: give it a poll.
    await sleep(settings.pollIntervalMs);
    for (let wait = 0; ; wait++) {
      const plan = await acts.planRedrive({ experimentId, tenantId, task, version, force: wait >= MAX_REDRIVE_WAITS });
      if (plan.waitFor > 0) {
        await sleep(settings.pollIntervalMs);
        continue;
      }
      const started: string[] = [];
      for (const item of plan.products) {
        try {
          await startChild(productItemWorkflow, {
            workflowId: item.workflowId,
            args: [
              { listId: item.listId, tenantId, itemKey: item.itemKey, url: item.url, options: item.options as unknown as ListOptions },
            ],
            parentClosePolicy: ParentClosePolicy.ABANDON,
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          });
        } catch (error) {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        }
        started.push(item.workflowId);
      }
      const redrafted: string[] = [];
      for (const content of plan.contents ?? []) {
        try {
          await getExternalWorkflowHandle(content.workflowId).signal(redraftSignal, { experimentId, fromVersion: version });
          redrafted.push(content.workflowId);
        } catch (error) {
          // The content workflow ended meanwhile (decided): nothing to redraft.
          log.warn('redraft not delivered', { experimentId, workflowId: content.workflowId, error: String(error) });
        }
      }
      if (started.length + redrafted.length > 0) await acts.markRedrivesStarted({ experimentId, workflowIds: [...started, ...redrafted] });
      note(
        `redrive of ${version}: ${started.length} product items re-run with production, ${redrafted.length} drafts drafted again, ${plan.flagged} content items flagged for review`,
      );
      return;
    }
  }

  const weights = { ...defaultOutcomeWeights, ...settings.weights };
  let pollsThisRun = 0;
  while (state.status === 'running') {
    await condition(() => request !== undefined, settings.pollIntervalMs);
    if (request) {
      const { action, actor, reason } = request;
      const version = action === 'promote' ? (request.version ?? leader(arms, state)) : undefined;
      await acts.concludeExperiment({ experimentId, tenantId, task, action, version, actor, reason, detail: { round: state.round } });
      state.status = action === 'promote' ? 'promoted' : 'stopped';
      state.promoted = version;
      note(action === 'promote' ? `${version} promoted by ${actor}: ${reason}` : `stopped by ${actor}: ${reason}`);
      break;
    }

    state.round++;
    pollsThisRun++;
    state.stats = await acts.collectExperimentStats({
      experimentId,
      arms,
      weights,
      targets: rewardTargetsOf(settings),
      latencyTolerance: settings.latencyTolerance,
    });
    const step = nextStep(arms, state.stats, settings, seededRng(seedOf(`${experimentId}/${state.round}`)));
    state.guardrails = step.guardrails;

    if (step.kind === 'rollback') {
      await acts.rollbackCandidates({
        experimentId,
        tenantId,
        task,
        versions: step.versions,
        remaining: step.remaining,
        reason: step.reason,
        detail: { round: state.round, stats: state.stats },
      });
      state.rolledBack.push(...step.versions);
      arms = arms.filter((arm) => !step.versions.includes(arm.version));
      note(`rolled back ${step.versions.join(', ')}: ${step.reason}`);
      if (settings.redrive) {
        for (const version of step.versions) await redrive(version);
      }
      if (step.remaining.length === 0) {
        state.status = 'rolled-back';
        state.allocation = {};
        break;
      }
      continue;
    }
    if (step.kind === 'promote') {
      await acts.concludeExperiment({
        experimentId,
        tenantId,
        task,
        action: 'promote',
        version: step.version,
        actor: 'system:auto-promote',
        reason: step.reason,
        detail: { round: state.round },
      });
      state.status = 'promoted';
      state.promoted = step.version;
      state.probabilityBest = step.probabilityBest;
      note(`${step.version} promoted automatically: ${step.reason}`);
      break;
    }

    state.allocation = step.allocation;
    state.probabilityBest = step.probabilityBest;
    await acts.publishAllocation({ experimentId, allocation: step.allocation });
    publishAttributes();

    if (pollsThisRun >= settings.pollsPerRun || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (request) continue; // a conclusion arrived meanwhile: handle it in this run
      note(`continued as new after round ${state.round}`);
      await continueAsNew<typeof experimentWorkflow>({ ...input, state });
    }
  }
  publishAttributes();
  await condition(allHandlersFinished);
  return state;
}

function candidateShare(arms: ArmState[], allocation: Record<string, number>): number {
  return arms.filter((arm) => !arm.production).reduce((sum, arm) => sum + (allocation[arm.version] ?? 0), 0);
}

/** The candidate with the highest posterior mean (what an admin's plain "promote" promotes). */
function leader(arms: ArmState[], state: ExperimentState): string | undefined {
  const means = posteriorMeans(state.stats);
  return arms.filter((arm) => !arm.production).sort((a, b) => (means[b.version] ?? 0) - (means[a.version] ?? 0))[0]?.version;
}

function view(input: ExperimentInput, active: ArmState[], state: ExperimentState): ExperimentView {
  const means = posteriorMeans(state.stats);
  return {
    ...state,
    experimentId: input.experimentId,
    tenantId: input.tenantId,
    task: input.task,
    arms: input.arms.map((arm) => {
      const stats = state.stats.find((stat) => stat.version === arm.version);
      return {
        ...arm,
        exposures: stats?.exposures ?? 0,
        settled: stats?.settled ?? 0,
        posteriorMean: means[arm.version] ?? 0.5,
        share: active.some((a) => a.version === arm.version) ? (state.allocation[arm.version] ?? 0) : 0,
      };
    }),
  };
}
