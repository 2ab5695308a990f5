// Content over HTTP: submit or draft, review decisions, revisions and diffs, deadline
// extensions, the review inbox, status, publications and metrics. Routes stay thin: the
// rules live in src/content/service.ts and again in the workflow's Update validators.
import { Router, type Response } from 'express';
import { z } from 'zod';
import { hasRole } from '../../auth/principal';
import {
  ContentActionRefused,
  ContentConflict,
  ContentNotFound,
  auditTrail,
  diffRevisions,
  draftContent,
  extendReviewDeadline,
  getContent,
  listMetrics,
  listPublications,
  listRevisions,
  reviewContent,
  reviewInbox,
  reviseContent,
  submitContent,
} from '../../content/service';
import type { Infrastructure } from '../../runtime/infrastructure';
import { requireRole } from '../auth';
import { readers, serveEvents } from '../live';
import { HttpError } from '../problem';
import { handlerWith } from './handler';
import { temporalUiLink } from '../temporal-http';
import { pathParams } from '../params';

const contentIdParam = pathParams.contentId;
export const DiffQuery = z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) }).strict();

/** Service errors → problem+json with the right status (refusals keep their type). */
function translate(error: unknown): never {
  if (error instanceof ContentActionRefused) throw new HttpError(error.status, error.type, error.message, { refusal: error.type });
  if (error instanceof ContentNotFound) throw new HttpError(404, 'Not Found', error.message);
  if (error instanceof ContentConflict) throw new HttpError(409, 'Conflict', error.message);
  throw error;
}

const handle = handlerWith(translate);

export function contentRoutes(infra: Infrastructure): Router {
  const router = Router();
  const { config } = infra;
  const started = (res: Response, result: { contentId: string; workflowId: string; runId: string }) =>
    res
      .status(202)
      .location(`/v1/content/${result.contentId}`)
      .json({ ...result, temporalUi: temporalUiLink(config, result.workflowId, result.runId) });

  router.post(
    '/v1/content',
    requireRole('editor', 'admin'),
    handle(async (req, res, principal) => {
      started(res, await submitContent(infra, principal, req.body));
    }),
  );

  router.post(
    '/v1/content/drafts',
    requireRole('editor', 'admin'),
    handle(async (req, res, principal) => {
      started(res, await draftContent(infra, principal, req.body));
    }),
  );

  router.get(
    '/v1/content',
    handle(async (req, res, principal) => {
      res.json({ items: await reviewInbox(infra, principal, req.query) });
    }),
  );

  router.get(
    '/v1/content/:contentId',
    handle(async (req, res, principal) => {
      const content = await getContent(infra, principal, contentIdParam.parse(req.params.contentId));
      res.json({ ...content, temporalUi: temporalUiLink(config, content.workflowId) });
    }),
  );

  router.post(
    '/v1/content/:contentId/reviews',
    requireRole('reviewer', 'admin'),
    handle(async (req, res, principal) => {
      res.json(await reviewContent(infra, principal, contentIdParam.parse(req.params.contentId), req.body));
    }),
  );

  router.post(
    '/v1/content/:contentId/revisions',
    handle(async (req, res, principal) => {
      if (!hasRole(principal, 'editor', 'admin'))
        throw new HttpError(403, 'Forbidden', 'only editors (the author) or admins can revise content');
      // Answered once the revision is recorded (202, like submission); its checks follow, visible on
      // the content's status and event stream.
      const contentId = contentIdParam.parse(req.params.contentId);
      const outcome = await reviseContent(infra, principal, contentId, req.body);
      res
        .status(202)
        .location(`/v1/content/${contentId}`)
        .json({ contentId, ...outcome });
    }),
  );

  router.get(
    '/v1/content/:contentId/revisions',
    handle(async (req, res, principal) => {
      res.json({ items: await listRevisions(infra, principal, contentIdParam.parse(req.params.contentId)) });
    }),
  );

  router.get(
    '/v1/content/:contentId/diff',
    handle(async (req, res, principal) => {
      const { from, to } = DiffQuery.parse(req.query);
      res.json(await diffRevisions(infra, principal, contentIdParam.parse(req.params.contentId), from, to));
    }),
  );

  router.post(
    '/v1/content/:contentId/deadline',
    requireRole('reviewer', 'admin'),
    handle(async (req, res, principal) => {
      res.json(await extendReviewDeadline(infra, principal, contentIdParam.parse(req.params.contentId), req.body));
    }),
  );

  router.get(
    '/v1/content/:contentId/publications',
    handle(async (req, res, principal) => {
      const contentId = contentIdParam.parse(req.params.contentId);
      await getContent(infra, principal, contentId); // 404 for unknown / other tenant's content
      res.json({ items: await listPublications(infra, principal, contentId) });
    }),
  );

  router.get(
    '/v1/content/:contentId/metrics',
    handle(async (req, res, principal) => {
      res.json({ items: await listMetrics(infra, principal, contentIdParam.parse(req.params.contentId)) });
    }),
  );

  router.get(
    '/v1/content/:contentId/events',
    handle(async (req, res, principal) => {
      await serveEvents(req, res, readers.content(infra, principal, contentIdParam.parse(req.params.contentId)));
    }),
  );

  router.get(
    '/v1/content/:contentId/audit',
    handle(async (req, res, principal) => {
      res.json({ items: await auditTrail(infra, principal, contentIdParam.parse(req.params.contentId)) });
    }),
  );

  return router;
}
