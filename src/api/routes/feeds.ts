// Public RSS 2.0 and Atom 1.0 feeds of each tenant's published content (the "feed" platform).
// Feeds are public by nature, so these routes need no token; a tenant with nothing published
// gets a valid, empty feed rather than a 404 (feed readers poll before the first post).
import { Router } from 'express';
import { readFeedEntries, renderFeed } from '../../publishing/feed';
import type { Infrastructure } from '../../runtime/infrastructure';
import { pathParams } from '../params';

const tenantParam = pathParams.tenantId;
const MEDIA = { rss: 'application/rss+xml; charset=utf-8', atom: 'application/atom+xml; charset=utf-8' } as const;

export function feedRoutes(infra: Infrastructure): Router {
  const router = Router();
  for (const format of ['rss', 'atom'] as const) {
    router.get(`/v1/feeds/:tenantId/${format}.xml`, async (req, res) => {
      const tenantId = tenantParam.parse(req.params.tenantId);
      const entries = await readFeedEntries(infra.pg, tenantId);
      res
        .type(MEDIA[format])
        .set('cache-control', 'public, max-age=60')
        .send(renderFeed(entries, tenantId, infra.config.PUBLIC_BASE_URL, format));
    });
  }
  return router;
}
