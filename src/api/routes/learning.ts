// The learning loop over HTTP: the prompt/model registry, experiments and decisions. Registry
// and experiment routes are for admins (403 otherwise); decisions of a run for any user of the
// tenant. The rules live in src/learning/.
import { Router, type Request } from 'express';
import { z } from 'zod';
import {
  RegistryRefused,
  addVersion,
  auditOf,
  concludeExperiment,
  decisionsOfRun,
  experimentStatus,
  experiments,
  listPrompts,
  rollback,
  setLabel,
  startExperiment,
  versionsOf,
} from '../../learning/service';
import type { Infrastructure } from '../../runtime/infrastructure';
import { requireRole } from '../auth';
import { HttpError } from '../problem';
import { handlerWith } from './handler';
import { temporalUiLink } from '../temporal-http';
import { pathParams } from '../params';

export const DecisionsQuery = z.object({ workflowId: z.string().min(1).max(500) }).strict();
const experimentIdParam = pathParams.experimentId;

function translate(error: unknown): never {
  if (error instanceof RegistryRefused)
    throw new HttpError(
      error.status,
      error.status === 404 ? 'Not Found' : error.status === 409 ? 'Conflict' : 'Bad Request',
      error.message,
    );
  throw error;
}

const handle = handlerWith(translate);

export function learningRoutes(infra: Infrastructure): Router {
  const router = Router();
  const admin = requireRole('admin');
  const task = (req: Request) => String(req.params.task);

  router.get(
    '/v1/learning/prompts',
    admin,
    handle(async (_req, res, principal) => {
      res.json({ items: await listPrompts(infra, principal) });
    }),
  );
  router.get(
    '/v1/learning/prompts/:task',
    admin,
    handle(async (req, res, principal) => {
      res.json(await versionsOf(infra, principal, task(req)));
    }),
  );
  router.post(
    '/v1/learning/prompts/:task/versions',
    admin,
    handle(async (req, res, principal) => {
      const version = await addVersion(infra, principal, task(req), req.body);
      res.status(201).location(`/v1/learning/prompts/${version.task}`).json(version);
    }),
  );
  router.post(
    '/v1/learning/prompts/:task/labels/:label',
    admin,
    handle(async (req, res, principal) => {
      res.json(await setLabel(infra, principal, task(req), String(req.params.label), req.body));
    }),
  );
  router.post(
    '/v1/learning/prompts/:task/rollback',
    admin,
    handle(async (req, res, principal) => {
      res.json(await rollback(infra, principal, task(req), req.body));
    }),
  );
  router.get(
    '/v1/learning/audit',
    admin,
    handle(async (req, res, principal) => {
      res.json({ items: await auditOf(infra, principal, req.query) });
    }),
  );

  router.post(
    '/v1/learning/experiments',
    admin,
    handle(async (req, res, principal) => {
      const started = await startExperiment(infra, principal, req.body);
      res
        .status(202)
        .location(`/v1/learning/experiments/${started.experimentId}`)
        .json({ ...started, temporalUi: temporalUiLink(infra.config, started.workflowId, started.runId) });
    }),
  );
  router.get(
    '/v1/learning/experiments',
    admin,
    handle(async (_req, res, principal) => {
      res.json({ items: await experiments(infra, principal) });
    }),
  );
  router.get(
    '/v1/learning/experiments/:experimentId',
    admin,
    handle(async (req, res, principal) => {
      const status = await experimentStatus(infra, principal, experimentIdParam.parse(req.params.experimentId));
      res.json({ ...status, temporalUi: temporalUiLink(infra.config, status.workflowId) });
    }),
  );
  router.post(
    '/v1/learning/experiments/:experimentId/stop',
    admin,
    handle(async (req, res, principal) => {
      res.status(202).json(await concludeExperiment(infra, principal, experimentIdParam.parse(req.params.experimentId), 'stop', req.body));
    }),
  );
  router.post(
    '/v1/learning/experiments/:experimentId/promote',
    admin,
    handle(async (req, res, principal) => {
      res
        .status(202)
        .json(await concludeExperiment(infra, principal, experimentIdParam.parse(req.params.experimentId), 'promote', req.body));
    }),
  );

  router.get(
    '/v1/learning/decisions',
    handle(async (req, res, principal) => {
      const { workflowId } = DecisionsQuery.parse(req.query);
      res.json({ items: await decisionsOfRun(infra, principal, workflowId) });
    }),
  );
  return router;
}
