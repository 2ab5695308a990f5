// Timeout and retry presets per kind of activity. Workflows pick one by name instead of
// spelling out timeouts at each call site.
import type { ActivityOptions } from '@temporalio/workflow';

/** Writes to PostgreSQL / Elasticsearch / Neo4j: quick, idempotent, retried through brief outages. */
export const storeWrite: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
};
