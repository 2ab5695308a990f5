// The activity factory: every activity of every slice, bound to the worker's dependencies.
import { BUILT_IN_LEXICON_DIR, createLexicons } from '../content/lexicons';
import { createAnswerActivities } from './answers';
import { createContentPublishActivities } from './content-publish';
import { createContentReviewActivities } from './content-review';
import type { ActivityDeps } from './deps';
import { withTypedFailures } from './failures';
import { createLearningActivities } from './learning';
import { createLlmActivities } from './llm';
import { createProductCrawlActivities } from './product-crawl';
import { createProductEnrichActivities } from './product-enrich';
import { createProductListActivities } from './product-lists';
import { createProductLlmExtractActivities } from './product-llm-extract';
import { createProductStoreActivities } from './product-store';
import { createResearchActivities } from './research';
import { createStackCheckActivities } from './stack-check';
import { createStrategyActivities } from './strategy';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createStackCheckActivities(deps),
    ...createLlmActivities(deps),
    ...createLearningActivities(deps),
    ...withTypedFailures({
      ...createProductCrawlActivities(deps),
      ...createProductEnrichActivities(deps),
      ...createProductLlmExtractActivities(deps),
      ...createProductStoreActivities(deps),
      ...createProductListActivities(deps),
      ...createContentReviewActivities({ ...deps, lexicons: createLexicons(deps.config.CONTENT_LEXICON_DIR || BUILT_IN_LEXICON_DIR) }),
      ...createResearchActivities(deps),
      ...createContentPublishActivities({ pg: deps.pg, adapters: deps.publishing, notifier: deps.notifier, config: deps.config }),
      ...createAnswerActivities(deps),
      ...createStrategyActivities(deps),
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
