// The reviewer console: static files (no build step, nothing loaded from elsewhere) served under
// /console/. A strict Content-Security-Policy allows only our own scripts, styles and API calls.
import path from 'node:path';
import express, { Router } from 'express';

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function consoleRoutes(): Router {
  const router = Router();
  router.use(
    '/console',
    (_req, res, next) => {
      res.set({ 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
      next();
    },
    express.static(path.join(__dirname, '..', 'console'), { index: 'index.html', maxAge: '5m', redirect: true }),
  );
  return router;
}
