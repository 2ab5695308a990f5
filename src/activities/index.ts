// The activity factory: every activity of every slice, bound to the worker's dependencies.
import type { ActivityDeps } from './deps';
import { withTypedFailures } from './failures';
import { createLlmActivities } from './llm';
import { createProductCrawlActivities } from './product-crawl';
import { createProductEnrichActivities } from './product-enrich';
import { createProductListActivities } from './product-lists';
import { createProductStoreActivities } from './product-store';
import { createStackCheckActivities } from './stack-check';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createStackCheckActivities(deps),
    ...createLlmActivities(deps),
    ...withTypedFailures({
      ...createProductCrawlActivities(deps),
      ...createProductEnrichActivities(deps),
      ...createProductStoreActivities(deps),
      ...createProductListActivities(deps),
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
