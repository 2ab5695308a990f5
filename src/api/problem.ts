// One error type that carries an HTTP status, and one handler that renders every error as
// RFC 9457 problem+json. Client mistakes are 4xx with a clear detail; only our faults are 5xx.
import { ApplicationFailure } from '@temporalio/common';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { LlmErrorType } from '../llm/error-types';
import { dependencyUnavailable } from '../stores/availability';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
    /** Response headers that belong to the error (WWW-Authenticate, Retry-After, …). */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.name = 'HttpError';
  }
}

/**
 * 405 for a method a known path does not serve, with the Allow header (OPTIONS and TRACE
 * included; HEAD goes with GET). Paths come from the operations of the OpenAPI document.
 */
export function methodNotAllowed(operations: readonly { method: string; path: string }[]): RequestHandler {
  const routes = new Map<string, { pattern: RegExp; methods: Set<string>; literal: number }>();
  for (const { method, path } of operations) {
    const route = routes.get(path) ?? {
      pattern: new RegExp(`^${path.replace(/[.]/g, '\\.').replace(/:[A-Za-z]+/g, '[^/]+')}/?$`),
      methods: new Set<string>(),
      literal: path.split('/').filter((segment) => segment && !segment.startsWith(':')).length,
    };
    route.methods.add(method.toUpperCase());
    if (method === 'get') route.methods.add('HEAD');
    routes.set(path, route);
  }
  return (req, _res, next) => {
    // The most literal paths that match win: /v1/product-lists/x/errors is the ledger, not an action.
    const matching = [...routes.values()].filter(({ pattern }) => pattern.test(req.path));
    const best = Math.max(...matching.map((route) => route.literal));
    const allowed = new Set(matching.filter((route) => route.literal === best).flatMap((route) => [...route.methods]));
    if (allowed.size === 0 || allowed.has(req.method)) return next();
    const allow = [...allowed].sort().join(', ');
    next(new HttpError(405, 'Method Not Allowed', `${req.path} answers ${allow}, not ${req.method}`, {}, { Allow: allow }));
  };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'Not Found', `no route for ${req.method} ${req.path}`));
};

/** Errors raised by body-parser (malformed JSON, too large, bad encoding) carry a 4xx status. */
function isClientHttpError(error: unknown): error is { status: number; type?: string; message: string } {
  const status = (error as { status?: unknown })?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

export const RETRY_AFTER_SECONDS = 5;

/** The model provider's rate limit had no room soon enough for a call the request needed (a
 *  search embedding): 503 with the wait as Retry-After. */
function modelRateLimited(error: unknown): number | undefined {
  if (!(error instanceof ApplicationFailure) || error.type !== LlmErrorType.RateLimited) return undefined;
  const delayMs = typeof error.nextRetryDelay === 'number' ? error.nextRetryDelay : RETRY_AFTER_SECONDS * 1000;
  return Math.max(1, Math.ceil(delayMs / 1000));
}

export const problemHandler: ErrorRequestHandler = (error, req, res, _next) => {
  let problem: { status: number; title: string; detail?: string; [key: string]: unknown };
  const unavailable = error instanceof HttpError ? undefined : dependencyUnavailable(error);
  const limitedFor = modelRateLimited(error);
  if (limitedFor !== undefined) {
    problem = {
      status: 503,
      title: 'Service Unavailable',
      detail: `the model provider's rate limit is reached; retry after ${limitedFor} s`,
      dependency: 'model provider',
    };
    res.set('Retry-After', String(limitedFor));
  } else if (unavailable) {
    req.log?.warn({ err: error, dependency: unavailable }, 'dependency unavailable');
    problem = { status: 503, title: 'Service Unavailable', detail: `${unavailable} is unavailable; retry later`, dependency: unavailable };
    res.set('Retry-After', String(RETRY_AFTER_SECONDS));
  } else if (error instanceof HttpError) {
    problem = { status: error.status, title: error.title, detail: error.detail, ...error.extra };
    res.set(error.headers);
  } else if (error instanceof z.ZodError) {
    problem = {
      status: 400,
      title: 'Invalid request',
      detail: 'the request does not match the expected schema',
      errors: error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    };
  } else if (isClientHttpError(error)) {
    problem = { status: error.status, title: error.type ?? 'Bad Request', detail: error.message };
    if (error.status === 413) {
      problem.title = 'Content Too Large';
      problem.detail = `${error.message}: this route accepts at most ${(error as { limit?: number }).limit ?? '?'} bytes (product lists: API_FEED_LIMIT, as JSON or as a CSV / JSON-lines feed; other routes: API_BODY_LIMIT)`;
    }
  } else {
    req.log?.error({ err: error }, 'unhandled error');
    problem = { status: 500, title: 'Internal Server Error', detail: 'an unexpected error occurred' };
  }
  res
    .status(problem.status)
    .type('application/problem+json')
    .json({ type: 'about:blank', instance: req.originalUrl, ...problem });
};
