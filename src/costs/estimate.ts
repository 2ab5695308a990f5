// Estimated cost and time to completion of a run, as pure functions over what the stores
// recorded: tokens per model (llm_calls) priced by a configurable table, and the rates at which
// the run's stages have been completing so far.
import type { Config } from '../config';

/** USD per 1,000 tokens: [input, output]. */
export type PriceTable = { models: Record<string, [number, number]>; fallback: [number, number] };

export function priceTable(config: Pick<Config, 'LLM_PRICE_TABLE' | 'LLM_PRICE_INPUT_PER_1K' | 'LLM_PRICE_OUTPUT_PER_1K'>): PriceTable {
  return { models: config.LLM_PRICE_TABLE, fallback: [config.LLM_PRICE_INPUT_PER_1K, config.LLM_PRICE_OUTPUT_PER_1K] };
}

export interface TokenUse {
  model: string;
  promptTokens: number;
  completionTokens: number;
}

export function costUsd(prices: PriceTable, uses: readonly TokenUse[]): number {
  let total = 0;
  for (const use of uses) {
    const [input, output] = prices.models[use.model] ?? prices.fallback;
    total += (use.promptTokens / 1000) * input + (use.completionTokens / 1000) * output;
  }
  return roundUsd(total);
}

const roundUsd = (usd: number) => Math.round(usd * 1e8) / 1e8;

export interface StageRate {
  stage: string;
  /** Completions observed so far. */
  done: number;
  /** Seconds between the run's start and the stage's latest completion. */
  elapsedSeconds: number;
}

export interface CostEta {
  costUsd: number;
  tokens: { prompt: number; completion: number };
  /** Cost so far scaled to the whole run (cost per finished unit × all units). */
  projectedCostUsd?: number;
  /** Seconds until the remaining units are done at the slowest observed stage rate. */
  etaSeconds?: number;
  /** Units per minute of each observed stage. */
  stageRates: Record<string, number>;
  basis: string;
}

/**
 * Cost and ETA of a run of `total` units of which `finished` are done. The ETA uses the slowest
 * stage's observed rate (the pipeline cannot go faster than its slowest stage); no observation
 * yet means no ETA rather than a guess. A finished run has an ETA of 0.
 */
export function estimateRun(input: {
  total: number;
  finished: number;
  uses: readonly TokenUse[];
  stages: readonly StageRate[];
  prices: PriceTable;
}): CostEta {
  const costSoFar = costUsd(input.prices, input.uses);
  const tokens = input.uses.reduce(
    (sum, use) => ({ prompt: sum.prompt + use.promptTokens, completion: sum.completion + use.completionTokens }),
    { prompt: 0, completion: 0 },
  );
  const stageRates: Record<string, number> = {};
  for (const stage of input.stages) {
    if (stage.done > 0 && stage.elapsedSeconds > 0) stageRates[stage.stage] = round2((stage.done / stage.elapsedSeconds) * 60);
  }
  const remaining = Math.max(0, input.total - input.finished);
  const rates = Object.values(stageRates);
  const slowest = rates.length > 0 ? Math.min(...rates) : undefined;
  const etaSeconds = remaining === 0 ? 0 : slowest ? Math.ceil((remaining / slowest) * 60) : undefined;
  const projectedCostUsd = input.finished > 0 ? roundUsd((costSoFar / input.finished) * input.total) : undefined;
  return {
    costUsd: costSoFar,
    tokens,
    ...(projectedCostUsd !== undefined ? { projectedCostUsd } : {}),
    ...(etaSeconds !== undefined ? { etaSeconds } : {}),
    stageRates,
    basis: 'tokens recorded per LLM call × LLM_PRICE_TABLE; ETA = remaining units ÷ slowest observed stage rate',
  };
}

const round2 = (value: number) => Math.round(value * 100) / 100;
