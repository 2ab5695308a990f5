// Authentication and authorisation for the API: a Bearer JWT on every /v1 route except the
// public feeds; roles checked per route (and again by the workflows' Update validators).
import type { Request, RequestHandler } from 'express';
import { hasRole, type Principal, type Role } from '../auth/principal';
import { loadVerificationKey } from '../auth/keys';
import { InvalidToken, createTokenVerifier } from '../auth/tokens';
import type { Config } from '../config';
import { HttpError } from './problem';

const principals = new WeakMap<Request, Principal>();

/**
 * The live routes, the only ones that may carry the token as `?access_token=` (EventSource and
 * WebSocket cannot set headers). Matched by express as routes — `/v1/content/events` is the
 * content item `events`, not a live route — and marked before authentication runs.
 */
export const QUERY_TOKEN_ROUTES = [
  '/v1/content/:contentId/events',
  '/v1/product-lists/:listId/events',
  '/v1/research-runs/:runId/events',
  // The readable report page is opened in a browser tab, which cannot set headers either.
  '/v1/research-runs/:runId/report.html',
];
const queryTokenAllowed = new WeakSet<Request>();
export const allowQueryToken: RequestHandler = (req, _res, next) => {
  queryTokenAllowed.add(req);
  next();
};

function unauthorized(detail: string, error = 'invalid_token') {
  return new HttpError(
    401,
    'Unauthorized',
    detail,
    {},
    { 'www-authenticate': `Bearer realm="magicai", error="${error}", error_description="${detail.replace(/"/g, "'")}"` },
  );
}

export function tokenOf(req: Pick<Request, 'headers' | 'query'>, queryAllowed: boolean): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
    if (!match) throw unauthorized('the Authorization header must be "Bearer <token>"', 'invalid_request');
    return match[1];
  }
  const fromQuery = req.query.access_token;
  if (typeof fromQuery === 'string' && queryAllowed) return fromQuery;
  return undefined;
}

export function createAuthenticator(config: Config) {
  let verifier: Promise<(token: string) => Promise<Principal>> | undefined;
  const verify = async (token: string) => {
    verifier ??= loadVerificationKey(config).then((key) => createTokenVerifier(config, key));
    return (await verifier)(token);
  };

  const authenticate: RequestHandler = async (req, _res, next) => {
    try {
      const token = tokenOf(req, queryTokenAllowed.has(req));
      if (!token) throw unauthorized('this route needs a Bearer token', 'invalid_request');
      principals.set(req, await verify(token));
      next();
    } catch (error) {
      next(error instanceof InvalidToken ? unauthorized(error.reason) : error);
    }
  };
  return { authenticate, verify };
}

export function principalOf(req: Request): Principal {
  const principal = principals.get(req);
  if (!principal) throw new HttpError(401, 'Unauthorized', 'this route needs a Bearer token');
  return principal;
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    const principal = principalOf(req);
    if (!hasRole(principal, ...roles)) {
      next(new HttpError(403, 'Forbidden', `this action needs one of the roles: ${roles.join(', ')}`));
      return;
    }
    next();
  };
}
