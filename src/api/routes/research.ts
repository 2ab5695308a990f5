// Site research over HTTP: start a run, follow it (JSON, SSE), read its report as JSON or as a
// page with a chart; recurring runs as Temporal Schedules (create, pause, unpause, trigger, delete).
import path from 'node:path';
import { Router, type Request } from 'express';
import { researchWorkflowId } from '../../research/model';
import { ScheduleAction, pathParams } from '../params';
import { renderReportPage } from '../../research/report-page';
import {
  CreateScheduleInput,
  ResearchConflictError,
  ScheduleConflictError,
  ScheduleSpecRefused,
  createResearchSchedule,
  describeResearchSchedule,
  researchReport,
  researchView,
  startResearchRun,
  steerResearchSchedule,
} from '../../research/service';
import { researchStore } from '../../research/store';
import type { Infrastructure } from '../../runtime/infrastructure';
import { principalOf, requireRole } from '../auth';
import { readers, serveEvents } from '../live';
import { HttpError } from '../problem';
import { startOrConflict, temporalUiLink } from '../temporal-http';

/** Same policy as the console: only this origin's scripts and styles, no inline code. */
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const CHART_JS = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');

function ownTenant(req: Request, given: unknown): string {
  const { tenantId } = principalOf(req);
  if (given !== undefined && given !== tenantId)
    throw new HttpError(403, 'Forbidden', `your token is for tenant ${tenantId}, not ${JSON.stringify(given)}`);
  return tenantId;
}

const runIdOf = (req: Request) => pathParams.runId.parse(req.params.runId);
const scheduleIdOf = (req: Request) => pathParams.scheduleId.parse(req.params.scheduleId);

export function researchRoutes(infra: Infrastructure): Router {
  const router = Router();
  const { config, pg } = infra;
  const steering = requireRole('editor', 'admin');

  // Chart.js's browser build, from node_modules, next to the console's static files.
  router.use('/console/vendor/chart.umd.min.js', (_req, res) => {
    res.set({ 'content-security-policy': PAGE_CSP, 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=86400' });
    res.type('application/javascript').sendFile(CHART_JS);
  });

  router.post('/v1/research-runs', steering, async (req, res) => {
    const body = (req.body ?? {}) as { runId?: unknown; tenantId?: unknown };
    const tenantId = ownTenant(req, body.tenantId);
    const started = await startOrConflict(researchWorkflowId(tenantId, typeof body.runId === 'string' ? body.runId : '(new)'), () =>
      startResearchRun(infra, tenantId, { ...(req.body as object), tenantId } as never).catch((error: unknown) => {
        if (error instanceof ResearchConflictError) throw new HttpError(409, 'Conflict', error.message);
        throw error;
      }),
    );
    res
      .status(202)
      .location(`/v1/research-runs/${started.runId}`)
      .json({
        runId: started.runId,
        workflowId: started.workflowId,
        runIdTemporal: started.runIdTemporal,
        temporalUi: temporalUiLink(config, started.workflowId, started.runIdTemporal),
      });
  });

  router.get('/v1/research-runs', async (req, res) => {
    const runs = await researchStore.runs(pg, principalOf(req).tenantId);
    res.json({
      items: runs.map((run) => ({
        runId: run.run_id,
        site: run.site,
        status: run.status,
        scheduleId: run.schedule_id ?? undefined,
        createdAt: run.created_at.toISOString(),
        finishedAt: run.finished_at?.toISOString(),
      })),
    });
  });

  router.get('/v1/research-runs/:runId', async (req, res) => {
    const runId = runIdOf(req);
    const view = await researchView(infra, principalOf(req).tenantId, runId);
    if (!view) throw new HttpError(404, 'Not Found', `no research run ${runId}`);
    res.json({ ...view, temporalUi: temporalUiLink(config, view.workflowId) });
  });

  router.get('/v1/research-runs/:runId/events', async (req, res) => {
    const runId = runIdOf(req);
    const tenantId = principalOf(req).tenantId;
    if (!(await researchView(infra, tenantId, runId))) throw new HttpError(404, 'Not Found', `no research run ${runId}`);
    await serveEvents(req, res, readers.research(infra, tenantId, runId));
  });

  router.get('/v1/research-runs/:runId/report', async (req, res) => {
    const runId = runIdOf(req);
    const found = await researchReport(pg, principalOf(req).tenantId, runId);
    if (!found) throw new HttpError(404, 'Not Found', `no research run ${runId}`);
    if (!found.run.analysis) throw new HttpError(404, 'Not Found', `research run ${runId} has no analysis yet`);
    const { run, alerts } = found;
    res.json({
      runId,
      site: run.site,
      status: run.status,
      previousRunId: run.previous_run_id ?? undefined,
      analysis: run.analysis,
      report: run.report ?? undefined,
      alerts,
      cost: run.cost ?? undefined,
      timings: run.timings ?? undefined,
    });
  });

  /** The readable page; browsers cannot set headers on a link, so it accepts ?access_token=. */
  router.get('/v1/research-runs/:runId/report.html', async (req, res) => {
    const runId = runIdOf(req);
    const found = await researchReport(pg, principalOf(req).tenantId, runId);
    if (!found) throw new HttpError(404, 'Not Found', `no research run ${runId}`);
    const { run, alerts } = found;
    res
      .set({
        'content-security-policy': PAGE_CSP,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      })
      .type('html')
      .send(
        renderReportPage({
          runId,
          site: run.site,
          status: run.status,
          analysis: run.analysis,
          report: run.report as never,
          cost: run.cost as never,
          alerts: alerts,
          assetBase: '/console',
        }),
      );
  });

  router.post('/v1/research-schedules', steering, async (req, res) => {
    const tenantId = ownTenant(req, (req.body as { tenantId?: unknown } | undefined)?.tenantId);
    const { tenantId: _given, ...body } = (req.body ?? {}) as Record<string, unknown>;
    const created = await createResearchSchedule(infra, tenantId, body as never).catch((error: unknown) => {
      if (error instanceof ScheduleConflictError) throw new HttpError(409, 'Conflict', error.message);
      if (error instanceof ScheduleSpecRefused) throw new HttpError(400, 'Invalid schedule', error.message);
      throw error;
    });
    res.status(201).location(`/v1/research-schedules/${created!.scheduleId}`).json(created);
  });

  router.get('/v1/research-schedules/:scheduleId', async (req, res) => {
    const scheduleId = scheduleIdOf(req);
    const schedule = await describeResearchSchedule(infra, principalOf(req).tenantId, scheduleId);
    if (!schedule) throw new HttpError(404, 'Not Found', `no research schedule ${scheduleId}`);
    res.json(schedule);
  });

  router.post('/v1/research-schedules/:scheduleId/:action', steering, async (req, res) => {
    const scheduleId = scheduleIdOf(req);
    const action = ScheduleAction.safeParse(req.params.action);
    if (!action.success) throw new HttpError(404, 'Not Found', `no action ${String(req.params.action)}`);
    if (!(await steerResearchSchedule(infra, principalOf(req).tenantId, scheduleId, action.data)))
      throw new HttpError(404, 'Not Found', `no research schedule ${scheduleId}`);
    res.status(202).json({ scheduleId, action: action.data });
  });

  router.delete('/v1/research-schedules/:scheduleId', steering, async (req, res) => {
    const scheduleId = scheduleIdOf(req);
    if (!(await steerResearchSchedule(infra, principalOf(req).tenantId, scheduleId, 'delete')))
      throw new HttpError(404, 'Not Found', `no research schedule ${scheduleId}`);
    res.status(204).end();
  });

  return router;
}

export { CreateScheduleInput };
