// Site research use cases shared by the API and the demo: start a run, read its progress (with
// ETA and cost), its report and analysis; recurring runs as Temporal Schedules.
import { createHash } from 'node:crypto';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { Config } from '../config';
import { SearchAttr } from '../temporal/search-attributes';
import { taskQueues } from '../temporal/task-queues';
import { researchProgressQuery, researchRunWorkflow, type ResearchProgress } from '../workflows/research-run';
import { costUsd, priceTable } from '../costs/estimate';
import { estimatedTotalCostUsd, DEFAULT_STAGE_RATES } from './eta';
import {
  ResearchRequest,
  StartResearchInput,
  businessId,
  researchWorkflowId,
  scheduledWorkflowIdPrefix,
  siteOf,
  temporalScheduleId,
} from './model';
import { researchStore, type ResearchRunRow } from './store';

export interface ResearchDeps {
  config: Config;
  pg: Pool;
  temporal: Client;
}

export class ResearchConflictError extends Error {
  readonly type = 'ResearchConflict';
}

const workflowStartOptions = (config: Config, tenantId: string, businessKey: string, request: ResearchRequest) => ({
  taskQueue: taskQueues(config).default,
  typedSearchAttributes: [
    { key: SearchAttr.BusinessId, value: businessKey },
    { key: SearchAttr.WorkflowKind, value: 'research-run' },
    { key: SearchAttr.TenantId, value: tenantId },
  ],
  staticSummary: `Site research of ${siteOf(request)} for ${tenantId}: up to ${request.scope.maxPages} pages, depth ${request.scope.maxDepth}${request.priceWatch ? `, price watch ±${request.priceWatch.thresholdPct}%` : ''}`,
});

/** Stores the run, then starts its workflow (`research/<tenant>/<runId>`). */
export async function startResearchRun({ config, pg, temporal }: ResearchDeps, tenantId: string, raw: StartResearchInput) {
  const input = StartResearchInput.parse(raw);
  const request = input.request;
  const runId =
    input.runId ?? `run-${Date.now().toString(36)}-${createHash('sha1').update(JSON.stringify(request)).digest('hex').slice(0, 6)}`;
  const workflowId = researchWorkflowId(tenantId, runId);
  const existing = await researchStore.run(pg, runId);
  if (existing) throw new ResearchConflictError(`research run ${runId} already exists`);
  await researchStore.openRun(pg, { runId, tenantId, site: siteOf(request), workflowId, input: request });
  const handle = await temporal.workflow.start(researchRunWorkflow, {
    workflowId,
    args: [{ tenantId, runId, request, pagesPerRun: config.RESEARCH_PAGES_PER_RUN }],
    ...workflowStartOptions(config, tenantId, runId, request),
  });
  return { runId, workflowId, runIdTemporal: handle.firstExecutionRunId };
}

/** The run as its tenant sees it; undefined for an unknown run or another tenant's. */
export async function researchView({ config, pg, temporal }: ResearchDeps, tenantId: string, runId: string) {
  const run = await researchStore.run(pg, runId);
  if (!run || run.tenant_id !== tenantId) return undefined;
  let progress: ResearchProgress | undefined;
  if (run.status === 'running') {
    progress = await temporal.workflow
      .getHandle(run.workflow_id)
      .query(researchProgressQuery)
      .catch((error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      });
  }
  return {
    runId,
    tenantId,
    site: run.site,
    status: run.status,
    scheduleId: run.schedule_id ?? undefined,
    previousRunId: run.previous_run_id ?? undefined,
    workflowId: run.workflow_id,
    progress,
    cost: await costView({ config, pg }, run, progress),
    timings: run.timings ?? undefined,
    createdAt: run.created_at.toISOString(),
    finishedAt: run.finished_at?.toISOString(),
  };
}

/** Tokens spent so far, priced per model by the price table (LLM_PRICE_TABLE, else
 *  LLM_PRICE_*_PER_1K), and the estimated total for the whole run at observed token rates. */
async function costView({ config, pg }: Pick<ResearchDeps, 'config' | 'pg'>, run: ResearchRunRow, progress?: ResearchProgress) {
  const table = priceTable(config);
  const usage = await researchStore.usage(pg, run.workflow_id);
  const spent = costUsd(table, usage.uses);
  const tokens = usage.promptTokens + usage.completionTokens;
  if (run.status !== 'running') return { tokens, costUsd: spent, estimatedTotalUsd: spent };
  const stage = progress?.stage ?? 'crawl';
  const products = progress?.products ?? 0;
  const pagesDone = (progress?.pages.fetched ?? 0) + (progress?.pages.failed ?? 0);
  const pagesLeft = progress ? Math.max(0, Math.min(progress.pages.pending, progress.pages.maxPages - pagesDone)) : 0;
  const expectedProducts = pagesDone > 0 ? Math.round((products / pagesDone) * (pagesDone + pagesLeft)) : pagesLeft;
  // What is still to come is priced at the report model's rate (embeddings are cheaper: an upper bound).
  const [inputPer1k, outputPer1k] = table.models[config.LLM_MODELS.researchReport ?? config.LLM_MODELS.default!] ?? table.fallback;
  const future = estimatedTotalCostUsd(
    { promptTokens: 0, completionTokens: 0 },
    {
      products: stage === 'crawl' || stage === 'match' ? Math.max(0, expectedProducts) : 0,
      reportPending: ['crawl', 'match', 'analyse', 'graph', 'report'].includes(stage) && run.input.report,
    },
    DEFAULT_STAGE_RATES,
    { inputPer1k, outputPer1k },
  );
  return { tokens, costUsd: spent, estimatedTotalUsd: Math.round((spent + future) * 1e8) / 1e8 };
}

export async function researchReport(pg: Pool, tenantId: string, runId: string) {
  const run = await researchStore.run(pg, runId);
  if (!run || run.tenant_id !== tenantId) return undefined;
  return { run, alerts: await researchStore.alerts(pg, runId) };
}

// --- schedules ----------------------------------------------------------------------------

/**
 * A five-field cron expression (UTC): minute, hour, day of month, month, day of week; each `*`,
 * `*\/step`, or a list of values and ranges. Bounds are checked here, so Temporal never refuses one.
 */
const cronField = (value: string, step: string) => `(?:\\*(?:/${step})?|${value}(?:-${value})?(?:,${value}(?:-${value})?){0,11})`;
const CRON_FIELDS = [
  ['[0-5]?[0-9]', '(?:[1-9]|[1-5][0-9])'],
  ['(?:[01]?[0-9]|2[0-3])', '(?:[1-9]|1[0-9]|2[0-3])'],
  ['(?:[1-9]|[12][0-9]|3[01])', '(?:[1-9]|[12][0-9]|3[01])'],
  ['(?:[1-9]|1[0-2])', '(?:[1-9]|1[0-2])'],
  ['[0-6]', '[1-6]'],
] as const;
const CRON = new RegExp(`^${CRON_FIELDS.map(([value, step]) => cronField(value, step)).join(' ')}$`);
/** The document's pattern leaves ranges out (a range must not run backwards, which no pattern says). */
const CRON_WITHOUT_RANGES = `^${CRON_FIELDS.map(([value, step]) => `(?:\\*(?:/${step})?|${value}(?:,${value}){0,11})`).join(' ')}$`;
const ascendingRanges = (cron: string) => [...cron.matchAll(/(\d+)-(\d+)/g)].every(([, from, to]) => Number(from) <= Number(to));
export const CronExpression = z
  .string()
  .max(100)
  .regex(
    CRON,
    'a cron expression of five fields (minute hour day-of-month month day-of-week), each *, */step, or values and ranges within bounds',
  )
  .refine(ascendingRanges, 'a range in a cron expression runs from low to high')
  .meta({ pattern: CRON_WITHOUT_RANGES });

export const CreateScheduleInput = z
  .object({
    scheduleId: businessId,
    /** Every N minutes (at least 5), or cron expressions (UTC). */
    everyMinutes: z
      .number()
      .int()
      .min(5)
      .max(60 * 24 * 31)
      .optional(),
    cron: z.array(CronExpression).min(1).max(5).optional(),
    /** SKIP (default): a run due while the previous one still runs is skipped. BUFFER_ONE: it starts when the previous one ends. */
    overlap: z.enum(['SKIP', 'BUFFER_ONE']).default('SKIP'),
    paused: z.boolean().default(false),
    note: z.string().max(500).optional(),
    request: ResearchRequest,
  })
  .strict()
  .refine((input) => (input.everyMinutes === undefined) !== (input.cron === undefined), {
    message: 'give everyMinutes or cron (one of them)',
  })
  .meta({ oneOf: [{ required: ['everyMinutes'] }, { required: ['cron'] }] });
export type CreateScheduleInput = z.input<typeof CreateScheduleInput>;

export class ScheduleConflictError extends Error {
  readonly type = 'ScheduleConflict';
}

/** Temporal refused the schedule's spec (a cron expression it cannot read): the client's 400. */
export class ScheduleSpecRefused extends Error {
  readonly type = 'ScheduleSpecRefused';
}
const refusesSpec = (error: unknown) =>
  error instanceof TypeError || (error as { code?: unknown; cause?: { code?: unknown } })?.cause?.code === 3; // gRPC INVALID_ARGUMENT

const overlapPolicy = { SKIP: ScheduleOverlapPolicy.SKIP, BUFFER_ONE: ScheduleOverlapPolicy.BUFFER_ONE } as const;

export async function createResearchSchedule({ config, pg, temporal }: ResearchDeps, tenantId: string, raw: CreateScheduleInput) {
  const input = CreateScheduleInput.parse(raw);
  const id = temporalScheduleId(tenantId, input.scheduleId);
  if (
    !(await researchStore.schedules.add(pg, id, tenantId, {
      scheduleId: input.scheduleId,
      everyMinutes: input.everyMinutes,
      cron: input.cron,
      overlap: input.overlap,
    }))
  ) {
    throw new ScheduleConflictError(`schedule ${input.scheduleId} already exists`);
  }
  try {
    await temporal.schedule.create({
      scheduleId: id,
      spec: input.everyMinutes ? { intervals: [{ every: `${input.everyMinutes} minutes` }] } : { cronExpressions: input.cron! },
      action: {
        type: 'startWorkflow',
        workflowType: researchRunWorkflow,
        workflowId: scheduledWorkflowIdPrefix(tenantId, input.scheduleId),
        args: [{ tenantId, scheduleId: input.scheduleId, request: input.request, pagesPerRun: config.RESEARCH_PAGES_PER_RUN }],
        ...workflowStartOptions(config, tenantId, input.scheduleId, input.request),
      },
      // A re-crawl due while the last one still runs would double the load on the site for no news.
      policies: { overlap: overlapPolicy[input.overlap], catchupWindow: '10 minutes', pauseOnFailure: false },
      state: { paused: input.paused, note: input.note ?? `research of ${siteOf(input.request)} for ${tenantId}` },
    });
  } catch (error) {
    await researchStore.schedules.remove(pg, id);
    if (error instanceof ScheduleAlreadyRunning) throw new ScheduleConflictError(`schedule ${input.scheduleId} already exists`);
    if (refusesSpec(error)) throw new ScheduleSpecRefused(`Temporal refused the schedule: ${(error as Error).message}`);
    throw error;
  }
  return describeResearchSchedule({ config, pg, temporal }, tenantId, input.scheduleId);
}

/** undefined when the schedule is unknown or another tenant's. */
export async function describeResearchSchedule({ pg, temporal }: ResearchDeps, tenantId: string, scheduleId: string) {
  const id = temporalScheduleId(tenantId, scheduleId);
  const row = await researchStore.schedules.get(pg, id);
  if (!row || row.tenant_id !== tenantId) return undefined;
  try {
    const description = await temporal.schedule.getHandle(id).describe();
    const spec = row.spec as { overlap: string; everyMinutes?: number; cron?: string[] };
    return {
      scheduleId,
      temporalScheduleId: id,
      paused: description.state.paused,
      note: description.state.note,
      overlap: spec.overlap,
      everyMinutes: spec.everyMinutes,
      cron: spec.cron,
      nextRuns: description.info.nextActionTimes.slice(0, 3).map((at) => at.toISOString()),
      recentRuns: description.info.recentActions.map((action) => ({
        scheduledAt: action.scheduledAt.toISOString(),
        workflowId: action.action.workflow.workflowId,
      })),
      runningWorkflows: description.info.runningActions.map((action) => action.workflow.workflowId),
      actions: description.info.numActionsTaken,
      skippedForOverlap: description.info.numActionsSkippedOverlap,
    };
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return undefined;
    throw error;
  }
}

export async function steerResearchSchedule(
  { pg, temporal }: Pick<ResearchDeps, 'pg' | 'temporal'>,
  tenantId: string,
  scheduleId: string,
  action: 'pause' | 'unpause' | 'trigger' | 'delete',
): Promise<boolean> {
  const id = temporalScheduleId(tenantId, scheduleId);
  const row = await researchStore.schedules.get(pg, id);
  if (!row || row.tenant_id !== tenantId) return false;
  const handle = temporal.schedule.getHandle(id);
  try {
    if (action === 'pause') await handle.pause(`paused through the API`);
    else if (action === 'unpause') await handle.unpause(`unpaused through the API`);
    else if (action === 'trigger') await handle.trigger(overlapPolicy[(row.spec as { overlap: 'SKIP' | 'BUFFER_ONE' }).overlap]);
    else {
      await handle.delete();
      await researchStore.schedules.remove(pg, id);
    }
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
    if (action !== 'delete') return false;
    await researchStore.schedules.remove(pg, id);
  }
  return true;
}
