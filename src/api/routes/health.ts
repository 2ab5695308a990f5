import { Router } from 'express';
import type { Infrastructure } from '../../runtime/infrastructure';
import { checkReadiness } from '../readiness';

export function healthRoutes(infra: Infrastructure): Router {
  const router = Router();
  // Liveness: the process answers. Never touches dependencies (a DB outage must not restart pods).
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const report = await checkReadiness(infra);
    res.status(report.ready ? 200 : 503).json(report);
  });
  return router;
}
