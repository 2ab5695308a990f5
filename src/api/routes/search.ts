// Search over products and content (Elasticsearch: text, kNN, hybrid) and recommendations
// (Neo4j), always within the caller's tenant.
import { Router } from 'express';
import type { Infrastructure } from '../../runtime/infrastructure';
import { recommendations, search } from '../../search/queries';
import { principalOf } from '../auth';
import { HttpError } from '../problem';
import { pathParams } from '../params';

const productIdParam = pathParams.productId;

export function searchRoutes(infra: Infrastructure): Router {
  const router = Router();
  router.get('/v1/search/products', async (req, res) => {
    res.json(await search(infra, principalOf(req).tenantId, 'products', req.query));
  });
  router.get('/v1/search/content', async (req, res) => {
    res.json(await search(infra, principalOf(req).tenantId, 'content', req.query));
  });
  router.get('/v1/products/:productId/recommendations', async (req, res) => {
    const productId = productIdParam.parse(req.params.productId);
    const found = await recommendations(infra, principalOf(req).tenantId, productId);
    if (!found) throw new HttpError(404, 'Not Found', `no product ${productId}`);
    res.json(found);
  });
  return router;
}
