// A site research run: a bounded, polite crawl into a research snapshot, then match → analyse
// → graph → report → price watch. The frontier lives in PostgreSQL, so the crawl resumes where it
// stopped and continues-as-new every RESEARCH_PAGES_PER_RUN pages; this workflow holds counters,
// the stage and its timings. Progress (with ETA) is a query; cost is read from the LLM audit.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  defineQuery,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { OpenedRun, PageOutcome, ResearchActivities } from '../activities/research';
import type { ResearchRequest } from '../research/model';
import { DEFAULT_STAGE_RATES, etaMs, type ResearchStage } from '../research/eta';
import { defineSearchAttributeKey } from '@temporalio/common';
import { httpFetch, listBatchWork, llmCall, storeWrite } from './activity-presets';
import { taskQueueFor } from './task-queue';

export interface ResearchRunInput {
  tenantId: string;
  /** Absent for runs a schedule starts: derived from the workflow id then. */
  runId?: string;
  scheduleId?: string;
  request: ResearchRequest;
  pagesPerRun: number;
  carry?: ResearchCarry;
}

interface ResearchCarry {
  runId: string;
  opened: OpenedRun;
  pages: { fetched: number; failed: number; skipped: number };
  products: number;
  crawlElapsedMs: number;
  runs: number;
}

export interface ResearchProgress {
  runId: string;
  stage: ResearchStage;
  pages: { fetched: number; failed: number; skipped: number; pending: number; maxPages: number };
  products: number;
  matched?: number;
  report?: 'written' | 'refused' | 'unavailable' | 'skipped';
  priceMoves?: number;
  runs: number;
  /** Remaining time from observed rates (this run's crawl rate, earlier runs' stage durations). */
  etaSeconds: number;
  startedAt: string;
}

export interface ResearchResult {
  runId: string;
  pages: ResearchProgress['pages'];
  products: number;
  matched: number;
  report: 'written' | 'refused' | 'unavailable' | 'skipped';
  priceMoves: number;
  costUsd: number;
  tokens: number;
  timings: Record<string, number>;
}

export const researchProgressQuery = defineQuery<ResearchProgress>('progress');

/** Runs started before 'research-stage-in-query-only' also kept their stage in this search
 *  attribute; it was dropped (the dev server allows 10 keyword attributes per namespace) and
 *  is kept here only so that their histories replay. The stage is in the progress query. */
const LegacyResearchStage = defineSearchAttributeKey('ResearchStage', 'KEYWORD');

const REPORT_REFUSED = 'ReportNumbersUnsupported';
/** Since this change a failed or cancelled run records its end on its row. */
export const RUN_END_RECORDED = 'research-run-end-recorded';

/** A scheduled run's id: the last segment of its workflow id (`research/<tenant>/<schedule>-<time>`). */
function runIdOf(workflowId: string): string {
  const last = workflowId.split('/').pop() ?? workflowId;
  return last
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 100);
}

export async function researchRunWorkflow(input: ResearchRunInput): Promise<ResearchResult> {
  const crawl = proxyActivities<ResearchActivities>({ ...httpFetch, heartbeatTimeout: '30 seconds', taskQueue: taskQueueFor('crawl') });
  const store = proxyActivities<ResearchActivities>(storeWrite);
  const batch = proxyActivities<ResearchActivities>(listBatchWork);
  const llm = proxyActivities<ResearchActivities>({
    ...llmCall,
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '3 minutes',
    taskQueue: taskQueueFor('llm'),
  });

  const info = workflowInfo();
  const runId = input.carry?.runId ?? input.runId ?? runIdOf(info.workflowId);
  const maxPages = input.request.scope.maxPages;
  const state = {
    stage: 'crawl' as ResearchStage,
    pages: input.carry?.pages ?? { fetched: 0, failed: 0, skipped: 0 },
    pending: 0,
    products: input.carry?.products ?? 0,
    crawlElapsedMs: input.carry?.crawlElapsedMs ?? 0,
    stageStartedAt: Date.now(),
    matched: undefined as number | undefined,
    report: undefined as ResearchResult['report'] | undefined,
    priceMoves: undefined as number | undefined,
    rates: input.carry?.opened.rates ?? DEFAULT_STAGE_RATES,
  };
  const startedAt = new Date(info.runStartTime).toISOString();
  const runs = (input.carry?.runs ?? 0) + 1;
  const timings: Record<string, number> = {};

  setHandler(researchProgressQuery, () => {
    const done = state.pages.fetched + state.pages.failed;
    const crawlElapsedMs = state.stage === 'crawl' ? state.crawlElapsedMs + (Date.now() - state.stageStartedAt) : state.crawlElapsedMs;
    return {
      runId,
      stage: state.stage,
      pages: { ...state.pages, pending: state.pending, maxPages },
      products: state.products,
      matched: state.matched,
      report: state.report,
      priceMoves: state.priceMoves,
      runs,
      etaSeconds: Math.round(
        etaMs({
          stage: state.stage,
          pagesDone: done,
          pagesRemaining: Math.max(0, Math.min(state.pending, maxPages - done)),
          crawlElapsedMs,
          products: state.products,
          stageElapsedMs: Date.now() - state.stageStartedAt,
          rates: state.rates,
        }) / 1000,
      ),
      startedAt,
    };
  });

  const enter = (stage: ResearchStage) => {
    const now = Date.now();
    if (state.stage === 'crawl') state.crawlElapsedMs += now - state.stageStartedAt;
    else timings[state.stage] = now - state.stageStartedAt;
    state.stage = stage;
    state.stageStartedAt = now;
    if (legacyStageAttribute) upsertSearchAttributes([{ key: LegacyResearchStage, value: stage }]);
    log.info('research stage', { runId, stage });
  };
  const legacyStageAttribute = !patched('research-stage-in-query-only');
  if (legacyStageAttribute) upsertSearchAttributes([{ key: LegacyResearchStage, value: 'crawl' }]);

  const opened =
    input.carry?.opened ??
    (await crawl.openResearchRun({
      runId,
      tenantId: input.tenantId,
      workflowId: info.workflowId,
      request: input.request,
      scheduleId: input.scheduleId,
    }));
  state.rates = opened.rates;

  const crawlAnalyseReport = async (): Promise<ResearchResult> => {
    // The crawl: pages in parallel batches, every outcome recorded by the page's activity.
    const count = (outcome: PageOutcome) => {
      state.pages[outcome.state]++;
      if (outcome.isProduct) state.products++;
    };
    let pagesThisRun = 0;
    for (;;) {
      const next = await store.nextResearchPages({ runId, limit: input.request.concurrency, maxPages });
      state.pending = next.pending;
      if (next.pages.length === 0) break;
      if (pagesThisRun >= input.pagesPerRun || info.continueAsNewSuggested) {
        state.crawlElapsedMs += Date.now() - state.stageStartedAt;
        await continueAsNew<typeof researchRunWorkflow>({
          ...input,
          carry: { runId, opened, pages: state.pages, products: state.products, crawlElapsedMs: state.crawlElapsedMs, runs },
        });
      }
      await Promise.all(
        next.pages.map(async (page) => {
          try {
            count(await crawl.crawlResearchPage({ runId, url: page.url, depth: page.depth }));
          } catch (error) {
            const reason =
              error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? (error.cause.type ?? 'Error') : 'Error';
            await store.markResearchPageFailed({ runId, url: page.url, reason });
            state.pages.failed++;
          }
        }),
      );
      pagesThisRun += next.pages.length;
    }

    enter('match');
    const matches = await llm.matchResearchProducts({ runId, tenantId: input.tenantId });
    state.matched = matches.gtin + matches.sku + matches.embedding;

    enter('analyse');
    const analysed = await store.analyseResearchRun({ runId });
    state.products = analysed.products;

    enter('graph');
    await batch.graphResearchRun({ runId });

    enter('report');
    if (!input.request.report) state.report = 'skipped';
    else {
      try {
        await llm.writeResearchReport({ runId, tenantId: input.tenantId });
        state.report = 'written';
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        // The analysis stands: a narrative that misquoted it, or one the model never delivered
        // (every retry timed out), is not published.
        const refused = error.cause instanceof ApplicationFailure && error.cause.type === REPORT_REFUSED;
        const reason = error.cause?.message ?? error.message;
        await store.recordReportRefusal(
          refused ? { runId, reason } : { runId, reason: `the model did not deliver a report: ${reason}`, unavailable: true },
        );
        state.report = refused ? 'refused' : 'unavailable';
      }
    }

    enter('watch');
    state.priceMoves = input.request.priceWatch
      ? (await store.watchResearchPrices({ runId, thresholdPct: input.request.priceWatch.thresholdPct })).moves
      : 0;

    enter('done');
    const finished = await store.finishResearchRun({ runId, status: 'completed', timings: { crawl: state.crawlElapsedMs, ...timings } });
    return {
      runId,
      pages: { ...state.pages, pending: state.pending, maxPages },
      products: state.products,
      matched: state.matched,
      report: state.report,
      priceMoves: state.priceMoves,
      costUsd: finished.costUsd,
      tokens: finished.tokens,
      timings: { crawl: state.crawlElapsedMs, ...timings },
    };
  };

  try {
    return await crawlAnalyseReport();
  } catch (error) {
    if (error instanceof ContinueAsNew) throw error;
    // A run that fails or is cancelled says so on its row, instead of staying 'running' forever.
    if (patched(RUN_END_RECORDED)) {
      const status = isCancellation(error) ? 'cancelled' : 'failed';
      log.warn('research run ended early', { runId, status, stage: state.stage });
      await CancellationScope.nonCancellable(() =>
        store.finishResearchRun({ runId, status, timings: { crawl: state.crawlElapsedMs, ...timings } }),
      );
    }
    throw error;
  }
}
