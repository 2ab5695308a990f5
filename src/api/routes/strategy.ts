// Strategy learners and engagement over HTTP. The engagement push is public but signed (HMAC,
// see src/strategy/engagement.ts) and reads its body raw, so it is mounted before the JSON
// parser and the token check; the learner and report routes are ordinary authenticated routes.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Principal } from '../../auth/principal';
import { EngagementRefused, ingestPushedEngagement } from '../../strategy/engagement';
import { readLearner, setConstraints } from '../../strategy/learners';
import { TONES } from '../../strategy/model';
import { InvalidPeriod, performanceReport } from '../../strategy/report';
import type { Infrastructure } from '../../runtime/infrastructure';
import { SIGNATURE_HEADER } from '../../publishing/signing';
import { principalOf, requireRole } from '../auth';
import { HttpError } from '../problem';
import { clientRateLimit, consumePushAllowance } from '../rate-limit';
import { temporalUiLink } from '../temporal-http';
import { pathParams } from '../params';

const tenantParam = pathParams.tenantId;
const channelParam = pathParams.channel;

export const ConstraintsInput = z
  .object({
    allowedTones: z.array(z.enum(TONES)).max(TONES.length).default([]),
    bannedPhrases: z.array(z.string().trim().min(1).max(200)).max(100).default([]),
    voiceNotes: z.string().trim().max(2_000).default(''),
  })
  .strict();

const UPDATE_REFUSALS: Record<string, number> = { NotAnAdmin: 403, WrongTenant: 403, InvalidConstraints: 422 };

type Handler = (req: Request, res: Response) => Promise<void>;
const handle = (work: Handler) => async (req: Request, res: Response, next: NextFunction) => {
  try {
    await work(req, res);
  } catch (error) {
    next(error);
  }
};

/**
 * POST /v1/engagement/:tenantId/events — before express.json and the token check. Rate-limited
 * like the API: per client address before the signature check (in memory), per tenant after it
 * (RATE_LIMIT_ENGAGEMENT_PUSH, in PostgreSQL), so bad signatures cannot use up a tenant's pushes.
 */
export function engagementPushRoutes(infra: Infrastructure): Router {
  const router = Router();
  router.post(
    '/v1/engagement/:tenantId/events',
    clientRateLimit(infra.config),
    express.raw({ type: () => true, limit: infra.config.API_BODY_LIMIT }),
    handle(async (req, res) => {
      const tenantId = tenantParam.parse(req.params.tenantId);
      try {
        const receipt = await ingestPushedEngagement(
          infra,
          tenantId,
          Buffer.isBuffer(req.body) && req.body.length ? req.body : undefined,
          req.get(SIGNATURE_HEADER),
          req.get('content-type'),
          () => consumePushAllowance(infra.pg, infra.config, tenantId, res),
        );
        res.json(receipt);
      } catch (error) {
        if (error instanceof EngagementRefused)
          throw new HttpError(
            error.status,
            error.status === 401 ? 'Unauthorized' : error.status === 415 ? 'Unsupported Media Type' : 'Bad Request',
            error.message,
            { refusal: error.reason },
          );
        throw error;
      }
    }),
  );
  return router;
}

export function strategyRoutes(infra: Infrastructure): Router {
  const router = Router();
  const keyOf = (req: Request, principal: Principal) => ({
    tenantId: principal.tenantId,
    brand: pathParams.brand.parse(req.params.brand),
    channel: channelParam.parse(req.params.channel),
  });

  router.get(
    '/v1/strategy/learners/:brand/:channel',
    handle(async (req, res) => {
      const found = await readLearner(infra.temporal, keyOf(req, principalOf(req)));
      if (!found)
        throw new HttpError(
          404,
          'Not Found',
          'this brand has no learner on this channel yet (it starts with the first draft or engagement)',
        );
      res.json({
        ...found.learner,
        recommendation: found.recommendation,
        workflowId: found.workflowId,
        temporalUi: temporalUiLink(infra.config, found.workflowId),
      });
    }),
  );

  router.post(
    '/v1/strategy/learners/:brand/:channel/constraints',
    requireRole('admin'),
    handle(async (req, res) => {
      const principal = principalOf(req);
      const constraints = ConstraintsInput.parse(req.body);
      try {
        res.json(
          await setConstraints(
            infra.temporal,
            infra.config,
            keyOf(req, principal),
            { userId: principal.userId, tenantId: principal.tenantId, roles: [...principal.roles] },
            constraints,
          ),
        );
      } catch (error) {
        if (
          error instanceof WorkflowUpdateFailedError &&
          error.cause instanceof ApplicationFailure &&
          error.cause.type &&
          error.cause.type in UPDATE_REFUSALS
        ) {
          throw new HttpError(UPDATE_REFUSALS[error.cause.type]!, error.cause.type, error.cause.message, { refusal: error.cause.type });
        }
        throw error;
      }
    }),
  );

  router.get(
    '/v1/strategy/report',
    handle(async (req, res) => {
      const report = await performanceReport(infra.pg, principalOf(req).tenantId, req.query, infra.config.CONTENT_PUBLISH_SLA).catch(
        (error: unknown) => {
          if (error instanceof InvalidPeriod) throw new HttpError(422, 'Unprocessable Content', error.message);
          throw error;
        },
      );
      res.json(report);
    }),
  );

  return router;
}
