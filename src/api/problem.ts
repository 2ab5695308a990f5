// One error type that carries an HTTP status, and one handler that renders every error as
// RFC 9457 problem+json. Client mistakes are 4xx with a clear detail; only our faults are 5xx.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';

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

export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'Not Found', `no route for ${req.method} ${req.path}`));
};

/** Errors raised by body-parser (malformed JSON, too large, bad encoding) carry a 4xx status. */
function isClientHttpError(error: unknown): error is { status: number; type?: string; message: string } {
  const status = (error as { status?: unknown })?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

export const problemHandler: ErrorRequestHandler = (error, req, res, _next) => {
  let problem: { status: number; title: string; detail?: string; [key: string]: unknown };
  if (error instanceof HttpError) {
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
  } else {
    req.log?.error({ err: error }, 'unhandled error');
    problem = { status: 500, title: 'Internal Server Error', detail: 'an unexpected error occurred' };
  }
  res.status(problem.status).type('application/problem+json').json({ type: 'about:blank', instance: req.originalUrl, ...problem });
};
