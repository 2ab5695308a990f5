// The express application: routes stay thin (validate, call Temporal, shape the answer).
// Order matters: public routes (health, metrics, feeds, API description) come before the token
// check; every /v1 route after it is authenticated, rate limited, and scoped to its tenant.
import express, { type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Infrastructure } from '../runtime/infrastructure';
import { QUERY_TOKEN_ROUTES, allowQueryToken, createAuthenticator } from './auth';
import { idempotent } from './idempotency';
import { rejectDeepBodies, rejectUnstorableText } from './input';
import { traceRequests } from '../observability/tracing';
import { backlogOfEveryQueue, createApiMetrics } from './metrics';
import { buildOpenApiDocument, operations } from './openapi';
import { methodNotAllowed, notFound, problemHandler } from './problem';
import { clientRateLimit, rateLimit } from './rate-limit';
import { answerRoutes } from './routes/answers';
import { CODEC_PATHS, codecCors, codecRoutes } from './routes/codec';
import { consoleRoutes } from './routes/console';
import { contentRoutes } from './routes/content';
import { feedRoutes } from './routes/feeds';
import { healthRoutes } from './routes/health';
import { learningRoutes } from './routes/learning';
import { FEED_MEDIA_TYPES, productListRoutes } from './routes/product-lists';
import { researchRoutes } from './routes/research';
import { searchRoutes } from './routes/search';
import { stackCheckRoutes } from './routes/stack-checks';
import { engagementPushRoutes, strategyRoutes } from './routes/strategy';

/** Request log lines never carry credentials: the Authorization header and `access_token` values are redacted. */
export function redactCredentials(req: { url?: string; headers?: Record<string, unknown>; query?: unknown; [key: string]: unknown }) {
  const headers = req.headers && {
    ...req.headers,
    ...(req.headers.authorization ? { authorization: '[redacted]' } : {}),
    ...(req.headers.cookie ? { cookie: '[redacted]' } : {}),
  };
  const url = req.url?.replace(/([?&]access_token=)[^&#]*/gi, '$1[redacted]');
  const query =
    req.query && typeof req.query === 'object' && 'access_token' in req.query ? { ...req.query, access_token: '[redacted]' } : req.query;
  return { ...req, url, headers, query };
}

export function createApp(infra: Infrastructure): express.Express {
  const app = express();
  const metrics = createApiMetrics(infra.pg, backlogOfEveryQueue(infra));
  const { authenticate } = createAuthenticator(infra.config);
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(
    pinoHttp({
      logger: infra.logger,
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
      serializers: { req: redactCredentials },
    }),
  );
  app.use(traceRequests());
  app.use(metrics.observe);
  app.use([CODEC_PATHS.encode, CODEC_PATHS.decode], codecCors(infra.config));
  app.use(methodNotAllowed(operations));
  // Before the general JSON parser: the codec server checks the token first, then parses with its own limit.
  app.use(codecRoutes(infra, authenticate));
  // A product list may be large in any form: as JSON it gets the feed limit, not the general one.
  app.post('/v1/product-lists', express.json({ limit: infra.config.API_FEED_LIMIT, strict: true }));
  // Signed with HMAC over the raw body, not with a token: before the JSON parser and the token check.
  app.use(engagementPushRoutes(infra));
  app.use(express.json({ limit: infra.config.API_BODY_LIMIT, strict: true }));
  app.use(express.text({ type: [...FEED_MEDIA_TYPES], limit: infra.config.API_FEED_LIMIT }));
  app.use(rejectDeepBodies(32));
  app.use(rejectUnstorableText());

  app.use(healthRoutes(infra));
  app.use(metrics.routes());
  app.use(feedRoutes(infra));
  app.use(consoleRoutes());
  const description = buildOpenApiDocument(infra.config.PUBLIC_BASE_URL);
  app.get('/openapi.json', (_req, res) => {
    res.json(description);
  });

  for (const route of QUERY_TOKEN_ROUTES) app.get(route, allowQueryToken);
  app.use('/v1', clientRateLimit(infra.config), authenticate, rateLimit(infra.pg, infra.config));
  const starts =
    (kind: string): RequestHandler =>
    (_req, res, next) => {
      res.on('finish', () => res.statusCode === 202 && metrics.workflowStarts.inc({ kind }));
      next();
    };
  const keyed = idempotent(infra.pg);
  app.post('/v1/stack-checks', starts('stack-check'), keyed);
  app.post('/v1/product-lists', starts('product-list'), keyed);
  app.post('/v1/content', starts('content-review'), keyed);
  app.post('/v1/content/drafts', starts('content-review'), keyed);
  app.post('/v1/answers', starts('answer'), keyed);
  app.post('/v1/research-runs', starts('research-run'), keyed);

  app.use(stackCheckRoutes(infra));
  app.use(productListRoutes(infra));
  app.use(contentRoutes(infra));
  app.use(searchRoutes(infra));
  app.use(answerRoutes(infra));
  app.use(researchRoutes(infra));
  app.use(strategyRoutes(infra));
  app.use(learningRoutes(infra));

  app.use(notFound);
  app.use(problemHandler);
  return app;
}
