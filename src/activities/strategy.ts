// The strategy learner's side effects: the prior a new learner starts from (the tenant's other
// brands) and saving the learner's state, which later brands' priors and operators read.
import type { Pool } from 'pg';
import { priorFromBrands, type LearnerState } from '../strategy/bandit';
import { saveLearnerState, sisterLearners } from '../strategy/store';

export interface LearnerKey {
  tenantId: string;
  brand: string;
  channel: string;
}

export function createStrategyActivities(deps: { pg: Pool }) {
  const { pg } = deps;
  return {
    async loadStrategyPrior(key: LearnerKey): Promise<{ arms?: LearnerState['arms']; brands: string[] }> {
      const sisters = await sisterLearners(pg, key);
      return { arms: priorFromBrands(sisters.map(({ state }) => state)), brands: [...new Set(sisters.map(({ brand }) => brand))] };
    },

    async saveLearnerSnapshot(input: LearnerKey & { state: LearnerState }): Promise<void> {
      const { state, ...key } = input;
      await saveLearnerState(pg, key, state);
    },
  };
}

export type StrategyActivities = ReturnType<typeof createStrategyActivities>;
