// Product lists over HTTP: start from URLs, watch progress, steer, read report and ledger.
import { Router, type Request, type Response } from 'express';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import {
  ListConflictError,
  createProductList,
  listWorkflowId,
  publicListId,
  resolveListKey,
  type CreateListInput,
  listErrors,
  listProgressWithEstimate,
  listReport,
  redriveProductList,
  steerProductList,
} from '../../products/lists';
import { FeedError, parseFeed } from '../../products/feed';
import type { Infrastructure } from '../../runtime/infrastructure';
import { productListWorkflowId } from '../../workflows/product-list';
import { principalOf, requireRole } from '../auth';
import { readers, serveEvents } from '../live';
import { findUnstorableText, textRefused } from '../input';
import { HttpError } from '../problem';
import { readOrNotFound, startOrConflict, temporalUiLink } from '../temporal-http';
import { ListAction, pathParams } from '../params';
import { idSchema } from '../../ids';

/** Feeds are posted as the raw body; list options then travel in the query string. */
export const FEED_MEDIA_TYPES = ['text/csv', 'application/x-ndjson', 'application/jsonl'] as const;

export const FeedQuery = z
  .object({
    listId: idSchema().optional(),
    tenantId: idSchema().optional(),
    concurrency: z.coerce.number().int().min(1).max(64).optional(),
    llm: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    dryRun: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
  })
  .strict();

/**
 * Feed bodies for the OpenAPI document: the URL-only form of each (a `url` column, or one
 * `{"url": …}` object per line), which the parser always takes. The full formats, with inline
 * product columns, are in README ("Product lists"); anything the parser refuses is a 400.
 */
const FEED_URL = '[Hh][Tt][Tt][Pp][Ss]?://[a-z][a-z0-9]{0,20}(\\.[a-z][a-z0-9]{0,20}){0,3}(/[A-Za-z0-9._~-]{0,20}){0,4}';
export const FeedBodies = {
  'text/csv': z.string().regex(new RegExp(`^url\\n(${FEED_URL}\\n){1,50}$`)),
  'application/x-ndjson': z.string().regex(new RegExp(`^(\\{"url":"${FEED_URL}"\\}\\n){1,50}$`)),
};

/** The tenant is the caller's: a different tenantId in the request is refused, not silently replaced. */
function ownTenant(req: Request, given: unknown): string {
  const { tenantId } = principalOf(req);
  if (given !== undefined && given !== tenantId)
    throw new HttpError(403, 'Forbidden', `your token is for tenant ${tenantId}, not ${JSON.stringify(given)}`);
  return tenantId;
}

/** The list to create: a JSON body as it is, or a feed body plus query-string options. */
function listInput(req: Request): unknown {
  // The query carries a feed's options; a JSON list has its own, but a malformed query is a 400 all the same.
  const query = FeedQuery.parse(req.query);
  if (typeof req.body !== 'string') {
    const body = (req.body ?? {}) as Record<string, unknown>;
    return { ...body, tenantId: ownTenant(req, body.tenantId) };
  }
  let items;
  try {
    items = parseFeed(req.body, req.is('text/csv') ? 'csv' : 'jsonl');
  } catch (error) {
    if (error instanceof FeedError) throw new HttpError(400, 'Invalid feed', error.message);
    throw error;
  }
  const unstorable = findUnstorableText(items, 'items');
  if (unstorable) throw textRefused(unstorable);
  const { listId, tenantId: askedTenant, ...given } = query;
  const tenantId = ownTenant(req, askedTenant);
  const options = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
  return { listId, tenantId, items, options: { llm: true, dryRun: false, ...options } };
}

const listIdParam = pathParams.listId;
const action = ListAction;

/** The caller's list, resolved by the `listId` route parameter (see router.param). */
const listKeyOf = (res: Response): string => res.locals.listKey as string;

export function productListRoutes(infra: Infrastructure): Router {
  const router = Router();
  const { config, pg, temporal } = infra;

  // Lists are looked up within the caller's tenant: another tenant's list does not exist for them.
  router.param('listId', async (req, res, next, raw: string) => {
    const listId = listIdParam.parse(raw);
    const key = await resolveListKey(pg, principalOf(req).tenantId, listId);
    if (!key) throw new HttpError(404, 'Not Found', `no product list ${listId}`);
    res.locals.listKey = key;
    next();
  });
  const steering = requireRole('editor', 'admin');

  router.post('/v1/product-lists', steering, async (req, res) => {
    const input = listInput(req) as CreateListInput & { tenantId: string };
    const requested = typeof input.listId === 'string' ? input.listId : '(new)';
    const started = await startOrConflict(listWorkflowId(input.tenantId, requested), () =>
      createProductList(infra, input).catch((error: unknown) => {
        if (error instanceof ListConflictError) throw new HttpError(409, 'Conflict', error.message);
        throw error;
      }),
    );
    res
      .status(202)
      .location(`/v1/product-lists/${started.listId}`)
      .json({ ...started, temporalUi: temporalUiLink(config, started.workflowId, started.runId) });
  });

  router.get('/v1/product-lists/:listId', async (req, res) => {
    const key = listKeyOf(res);
    const stored = (await listReport(pg, key))!;
    let progress;
    if (stored.status === 'running') {
      progress = await listProgressWithEstimate(infra, key).catch((error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      });
    }
    res.json({
      listId: publicListId(key),
      status: stored.status,
      items: stored.item_count,
      progress,
      report: stored.report ?? undefined,
      temporalUi: temporalUiLink(config, productListWorkflowId(key)),
    });
  });

  router.get('/v1/product-lists/:listId/events', async (req, res) => {
    await serveEvents(req, res, readers.productList(infra, listKeyOf(res)));
  });

  router.get('/v1/product-lists/:listId/report', async (req, res) => {
    const stored = await listReport(pg, listKeyOf(res));
    if (!stored?.report) throw new HttpError(404, 'Not Found', `no report yet for product list ${publicListId(listKeyOf(res))}`);
    res.json(stored.report);
  });

  /** The per-item error ledger: JSON lines, or CSV with `Accept: text/csv`. */
  router.get('/v1/product-lists/:listId/errors', async (req, res) => {
    const rows = await listErrors(pg, listKeyOf(res));
    if (req.accepts(['application/x-ndjson', 'text/csv']) === 'text/csv') {
      const cell = (value: unknown) => `"${String(value).replace(/"/g, '""')}"`;
      const header = 'item_key,url,stage,error_type,message,attempts,occurred_at';
      res
        .type('text/csv')
        .send(
          [
            header,
            ...rows.map((r) =>
              [r.item_key, r.url, r.stage, r.error_type, r.message, r.attempts, r.occurred_at.toISOString()].map(cell).join(','),
            ),
          ].join('\n') + '\n',
        );
      return;
    }
    res.type('application/x-ndjson').send(rows.map((row) => JSON.stringify(row)).join('\n') + (rows.length ? '\n' : ''));
  });

  router.post('/v1/product-lists/:listId/redrive', steering, async (req, res) => {
    const key = listKeyOf(res);
    const result = await startOrConflict(productListWorkflowId(key), () =>
      redriveProductList(infra, key).catch((error: unknown) => {
        if (error instanceof ListConflictError) throw new HttpError(409, 'Conflict', error.message);
        throw error;
      }),
    );
    if (!result) throw new HttpError(404, 'Not Found', `no product list ${publicListId(key)}`);
    res.status(202).json({ ...result, temporalUi: temporalUiLink(config, result.workflowId, result.runId) });
  });

  router.post('/v1/product-lists/:listId/:action', steering, async (req, res) => {
    const key = listKeyOf(res);
    const parsed = action.safeParse(req.params.action);
    if (!parsed.success) throw new HttpError(404, 'Not Found', `no action ${String(req.params.action)}`);
    await readOrNotFound(productListWorkflowId(key), () => steerProductList(temporal, key, parsed.data));
    res.status(202).json({ listId: publicListId(key), action: parsed.data });
  });

  return router;
}
