// One strategy learner per (tenant, brand, channel): a long-running entity workflow that keeps
// a Thompson-sampling bandit over content strategies (src/strategy/bandit.ts holds the rules).
// Engagement arrives as signals; drafting asks for a strategy through an Update (the draw uses
// the workflow's deterministic Math.random, so replays draw the same); an admin sets brand
// constraints through an Update with a validator; queries answer the current best strategy and
// the learner's state. The state is saved to PostgreSQL in batches and carried across
// continue-as-new, so history stays bounded however long the learner lives.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { StrategyActivities } from '../activities/strategy';
import {
  applyCredit,
  bestKnown,
  drawStrategy,
  initialState,
  recommend,
  type Credit,
  type LearnerState,
  type Recommendation,
} from '../strategy/bandit';
import { refuseConstraints, type BrandConstraints, type Strategy } from '../strategy/model';
import { SearchAttr } from '../temporal/search-attributes';
import { storeWrite } from './activity-presets';

export interface StrategyLearnerInput {
  tenantId: string;
  brand: string;
  channel: string;
  /** Carried across continue-as-new; absent on a brand's first run (the prior is loaded then). */
  carried?: LearnerState & { runs: number };
  options?: {
    /** How long changes gather before the state is saved (batching). Default 30 s. */
    saveAfterMs?: number;
    /** Continue-as-new after this many history events even if the server does not suggest it yet. */
    maxHistoryEvents?: number;
  };
}

export interface Actor {
  userId: string;
  tenantId: string;
  roles: string[];
}

export interface LearnerView {
  tenantId: string;
  brand: string;
  channel: string;
  observations: number;
  signals: number;
  recommendations: number;
  runs: number;
  priorFrom: string[];
  constraints: BrandConstraints;
  arms: LearnerState['arms'];
}

export const strategyLearnerId = (tenantId: string, brand: string, channel: string) => `strategy-learner/${tenantId}/${brand}/${channel}`;

export const engagementSignal = defineSignal<[{ credits: Credit[] }]>('engagement');
export const recommendUpdate = defineUpdate<Recommendation, [{ contentId?: string }]>('recommend');
/** Several draws at once, e.g. to plan a week of posts (each one explores like a single draw). */
export const recommendBatchUpdate = defineUpdate<Strategy[], [{ count: number }]>('recommendBatch');
export const setConstraintsUpdate = defineUpdate<BrandConstraints, [{ actor: Actor; constraints: BrandConstraints }]>('setConstraints');
export const recommendationQuery = defineQuery<Recommendation>('recommendation');
export const learnerQuery = defineQuery<LearnerView>('learner');

const refuse = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

export async function strategyLearnerWorkflow(input: StrategyLearnerInput): Promise<void> {
  const { tenantId, brand, channel } = input;
  const saveAfterMs = input.options?.saveAfterMs ?? 30_000;
  const maxHistoryEvents = input.options?.maxHistoryEvents ?? 10_000;
  const store = proxyActivities<StrategyActivities>(storeWrite);

  let state: LearnerState | undefined = input.carried;
  const runs = (input.carried?.runs ?? 0) + 1;
  const early: Credit[] = [];
  let unsaved = 0;
  /** What is saved: the statistics, not the per-content memory (that travels only in continue-as-new). */
  const save = () => store.saveLearnerSnapshot({ tenantId, brand, channel, state: { ...state!, credited: {}, creditedCount: 0 } });

  // Handlers first: signals that arrive while the prior loads are kept and applied after.
  setHandler(engagementSignal, ({ credits }) => {
    for (const credit of credits) {
      if (!state) early.push(credit);
      else if (applyCredit(state, credit)) unsaved++;
    }
  });
  setHandler(recommendUpdate, async () => {
    await condition(() => state !== undefined);
    state!.recommendations++;
    unsaved++;
    return recommend(state!, Math.random);
  });
  setHandler(
    recommendBatchUpdate,
    async ({ count }) => {
      await condition(() => state !== undefined);
      state!.recommendations += count;
      unsaved++;
      return Array.from({ length: count }, () => drawStrategy(state!, Math.random));
    },
    {
      validator: ({ count }: { count: number }) => {
        if (!Number.isInteger(count) || count < 1 || count > 500) throw refuse('InvalidCount', 'count must be an integer from 1 to 500');
      },
    },
  );
  setHandler(
    setConstraintsUpdate,
    async ({ actor, constraints }) => {
      await condition(() => state !== undefined);
      state!.constraints = {
        allowedTones: [...constraints.allowedTones],
        bannedPhrases: [...constraints.bannedPhrases],
        voiceNotes: constraints.voiceNotes,
      };
      log.info('brand constraints set', { by: actor.userId, allowedTones: constraints.allowedTones.join(',') });
      await save();
      return state!.constraints;
    },
    {
      validator: ({ actor, constraints }: { actor: Actor; constraints: BrandConstraints }) => {
        if (actor.tenantId !== tenantId) throw refuse('WrongTenant', 'the admin belongs to another tenant');
        if (!actor.roles.includes('admin')) throw refuse('NotAnAdmin', 'only admins can set brand constraints');
        const refusal = refuseConstraints(constraints);
        if (refusal) throw refuse('InvalidConstraints', `${refusal.field}: ${refusal.message}`);
      },
    },
  );
  setHandler(recommendationQuery, () => bestKnown(state ?? initialState()));
  setHandler(learnerQuery, () => {
    const s = state ?? initialState();
    return {
      tenantId,
      brand,
      channel,
      observations: s.observations,
      signals: s.signals,
      recommendations: s.recommendations,
      runs,
      priorFrom: s.priorFrom,
      constraints: s.constraints,
      arms: s.arms,
    };
  });

  if (runs === 1) {
    upsertSearchAttributes([
      { key: SearchAttr.WorkflowKind, value: 'strategy-learner' },
      { key: SearchAttr.TenantId, value: tenantId },
      { key: SearchAttr.BusinessId, value: `${brand}/${channel}` },
      { key: SearchAttr.Platforms, value: [channel] },
    ]);
  }
  if (!state) {
    const prior = await store.loadStrategyPrior({ tenantId, brand, channel });
    state = initialState(prior.arms, prior.brands);
    for (const credit of early.splice(0)) if (applyCredit(state, credit)) unsaved++;
    unsaved++; // a new learner is saved once, so later brands see it
    if (prior.brands.length) log.info('learner starts from sister brands', { brands: prior.brands.join(',') });
  }

  const timeToRest = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= maxHistoryEvents;
  const describe = () => {
    const best = bestKnown(state);
    setCurrentDetails(
      `**${brand} on ${channel}** · ${state.observations} contents credited · best so far ${best.strategy.tone}, ${best.strategy.length}, ${best.strategy.structure}, hour ${best.strategy.hourOfWeek} (uncertainty ${best.uncertainty}) · run ${runs}`,
    );
  };
  describe();

  for (;;) {
    await condition(() => unsaved > 0 || timeToRest());
    if (!timeToRest()) await condition(timeToRest, saveAfterMs); // let more changes gather into one save
    if (unsaved > 0) {
      unsaved = 0;
      await save();
      describe();
    }
    if (timeToRest()) break;
  }
  await condition(allHandlersFinished);
  if (unsaved > 0) await save();
  log.info('learner continues as new', { runs, historyLength: workflowInfo().historyLength, observations: state.observations });
  await continueAsNew<typeof strategyLearnerWorkflow>({ ...input, carried: { ...state, runs } });
}
