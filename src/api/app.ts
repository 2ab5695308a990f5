// The express application: routes stay thin (validate, call Temporal, shape the answer).
import express from 'express';
import { pinoHttp } from 'pino-http';
import type { Infrastructure } from '../runtime/infrastructure';
import { notFound, problemHandler } from './problem';
import { feedRoutes } from './routes/feeds';
import { healthRoutes } from './routes/health';
import { FEED_MEDIA_TYPES, productListRoutes } from './routes/product-lists';
import { stackCheckRoutes } from './routes/stack-checks';

export function createApp(infra: Infrastructure): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(pinoHttp({ logger: infra.logger, autoLogging: { ignore: (req) => req.url === '/healthz' } }));
  app.use(express.json({ limit: infra.config.API_BODY_LIMIT, strict: true }));
  app.use(express.text({ type: [...FEED_MEDIA_TYPES], limit: infra.config.API_FEED_LIMIT }));

  app.use(healthRoutes(infra));
  app.use(stackCheckRoutes(infra));
  app.use(productListRoutes(infra));
  app.use(feedRoutes(infra));

  app.use(notFound);
  app.use(problemHandler);
  return app;
}
