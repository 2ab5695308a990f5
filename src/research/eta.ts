// ETA and cost of a research run from observed rates. Pure and deterministic, so the workflow
// can answer its progress query with them (workflow time, no I/O).

export const researchStages = ['crawl', 'match', 'analyse', 'graph', 'report', 'watch'] as const;
export type ResearchStage = (typeof researchStages)[number] | 'done';

/** Observed durations, from earlier completed runs of the tenant (medians), or defaults. */
export interface StageRates {
  msPerPage: number;
  matchMsPerProduct: number;
  analyseMs: number;
  graphMsPerProduct: number;
  reportMs: number;
  /** Tokens one run spent per competitor product (embeddings) and on its report. */
  tokensPerProduct: number;
  reportTokens: number;
}

export const DEFAULT_STAGE_RATES: StageRates = {
  msPerPage: 1_000,
  matchMsPerProduct: 200,
  analyseMs: 1_000,
  graphMsPerProduct: 50,
  reportMs: 30_000,
  tokensPerProduct: 60,
  reportTokens: 1_500,
};

export interface EtaInput {
  stage: ResearchStage;
  pagesDone: number;
  /** Pages known and still to fetch, already capped by the page budget. */
  pagesRemaining: number;
  /** Time spent crawling so far, and products found so far. */
  crawlElapsedMs: number;
  products: number;
  /** Time already spent in the current stage (after the crawl). */
  stageElapsedMs: number;
  rates: StageRates;
}

/** Remaining ms: the crawl at its observed rate (the historical rate before the first page),
 *  then each later stage at its historical duration, scaled by products where it is per product. */
export function etaMs(input: EtaInput): number {
  const { stage, rates } = input;
  if (stage === 'done') return 0;
  const observedPerPage = input.pagesDone > 0 ? input.crawlElapsedMs / input.pagesDone : rates.msPerPage;
  const expectedProducts =
    input.pagesDone > 0 ? Math.round((input.products / input.pagesDone) * (input.pagesDone + input.pagesRemaining)) : input.pagesRemaining;
  const durations: Record<Exclude<ResearchStage, 'done'>, number> = {
    crawl: input.pagesRemaining * observedPerPage,
    match: expectedProducts * rates.matchMsPerProduct,
    analyse: rates.analyseMs,
    graph: expectedProducts * rates.graphMsPerProduct,
    report: rates.reportMs,
    watch: 0,
  };
  const order = researchStages as readonly string[];
  let total = 0;
  for (const name of researchStages.slice(order.indexOf(stage))) {
    total += name === stage && name !== 'crawl' ? Math.max(0, durations[name] - input.stageElapsedMs) : durations[name];
  }
  return Math.round(total);
}

export interface PriceTable {
  inputPer1k: number;
  outputPer1k: number;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** USD for the tokens, by the configured price table (LLM_PRICE_*_PER_1K), to 6 decimals. */
export function costUsd(usage: TokenUsage, prices: PriceTable): number {
  return Math.round(((usage.promptTokens / 1000) * prices.inputPer1k + (usage.completionTokens / 1000) * prices.outputPer1k) * 1e6) / 1e6;
}

/** Spent so far plus what the rest of the run should spend at the observed token rates. */
export function estimatedTotalCostUsd(
  spent: TokenUsage,
  remaining: { products: number; reportPending: boolean },
  rates: StageRates,
  prices: PriceTable,
): number {
  const future: TokenUsage = {
    promptTokens: remaining.products * rates.tokensPerProduct + (remaining.reportPending ? Math.round(rates.reportTokens * 0.7) : 0),
    completionTokens: remaining.reportPending ? Math.round(rates.reportTokens * 0.3) : 0,
  };
  return costUsd(
    { promptTokens: spent.promptTokens + future.promptTokens, completionTokens: spent.completionTokens + future.completionTokens },
    prices,
  );
}

export interface RunHistory {
  timings: Partial<Record<ResearchStage, number>>;
  pages: number;
  products: number;
  embedTokens?: number;
  reportTokens?: number;
}

const median = (values: number[]): number | undefined => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Stage rates from earlier runs (medians), each falling back to its default when unknown. */
export function ratesFromHistory(runs: RunHistory[]): StageRates {
  const perPage = (run: RunHistory) => (run.pages > 0 && run.timings.crawl !== undefined ? run.timings.crawl / run.pages : NaN);
  const perProduct = (value: number | undefined, run: RunHistory) => (run.products > 0 && value !== undefined ? value / run.products : NaN);
  const pick = (values: number[], fallback: number) => Math.round(median(values) ?? fallback);
  return {
    msPerPage: pick(runs.map(perPage), DEFAULT_STAGE_RATES.msPerPage),
    matchMsPerProduct: pick(
      runs.map((run) => perProduct(run.timings.match, run)),
      DEFAULT_STAGE_RATES.matchMsPerProduct,
    ),
    analyseMs: pick(
      runs.map((run) => run.timings.analyse ?? NaN),
      DEFAULT_STAGE_RATES.analyseMs,
    ),
    graphMsPerProduct: pick(
      runs.map((run) => perProduct(run.timings.graph, run)),
      DEFAULT_STAGE_RATES.graphMsPerProduct,
    ),
    reportMs: pick(
      runs.map((run) => run.timings.report ?? NaN),
      DEFAULT_STAGE_RATES.reportMs,
    ),
    tokensPerProduct: pick(
      runs.map((run) => perProduct(run.embedTokens, run)),
      DEFAULT_STAGE_RATES.tokensPerProduct,
    ),
    reportTokens: pick(
      runs.map((run) => (run.reportTokens ? run.reportTokens : NaN)),
      DEFAULT_STAGE_RATES.reportTokens,
    ),
  };
}
