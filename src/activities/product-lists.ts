// List-level activities: paging through a list's pending items, recording each item's
// outcome (state + error ledger, also for products a sink page failed), and the final report.
// Item state lives in PostgreSQL so that workflow history stays small however long the list.
import type { CostEta } from '../costs/estimate';
import { productListEstimate } from '../costs/runs';
import { withTransaction } from '../stores/postgres';
import type { ActivityDeps } from './deps';

export interface ListItemRef {
  itemKey: string;
  url: string;
}

export interface ItemOutcome {
  listId: string;
  itemKey: string;
  url: string;
  state: 'succeeded' | 'failed' | 'skipped';
  productId?: string;
  failure?: { stage: string; errorType: string; message: string; attempts: number };
  warnings?: { stage: string; errorType: string; message: string }[];
}

/** An item failed after it succeeded: its product did not get through a list page's sinks. */
export interface PageItemFailure {
  itemKey: string;
  stage: string;
  errorType: string;
  message: string;
  attempts: number;
}

export interface ListReport {
  listId: string;
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  pending: number;
  successRate: number;
  target: number;
  meetsTarget: boolean;
  cancelled: boolean;
  errorsByType: Record<string, number>;
  /** Succeeded items that carry warnings (e.g. AI enrichment skipped). */
  withWarnings: number;
  /** Estimated LLM cost of the list and the stage rates observed (ETA 0 once finished). */
  estimate?: CostEta;
}

/** SPEC §1: 99.5 % of a list's items should make it through. */
export const LIST_SUCCESS_TARGET = 0.995;

export function createProductListActivities({ pg, config }: Pick<ActivityDeps, 'pg' | 'config'>) {
  return {
    async loadPendingItems({ listId, afterKey, limit }: { listId: string; afterKey: string; limit: number }): Promise<ListItemRef[]> {
      const { rows } = await pg.query<{ item_key: string; url: string }>(
        `SELECT item_key, url FROM product_list_items
         WHERE list_id = $1 AND state = 'pending' AND item_key > $2 ORDER BY item_key LIMIT $3`,
        [listId, afterKey, limit],
      );
      return rows.map((row) => ({ itemKey: row.item_key, url: row.url }));
    },

    async recordItemOutcome(outcome: ItemOutcome): Promise<void> {
      await withTransaction(pg, async (client) => {
        await client.query(
          `UPDATE product_list_items SET state = $3, product_id = COALESCE($4, product_id), warnings = $5, runs = runs + 1, updated_at = now()
           WHERE list_id = $1 AND item_key = $2`,
          [
            outcome.listId,
            outcome.itemKey,
            outcome.state,
            outcome.productId ?? null,
            outcome.warnings ? JSON.stringify(outcome.warnings) : null,
          ],
        );
        if (outcome.failure) {
          const { stage, errorType, message, attempts } = outcome.failure;
          await client.query(
            `INSERT INTO product_list_errors (list_id, item_key, url, stage, error_type, message, attempts)
             VALUES ($1,$2,$3,$4,$5,$6,$7)
             ON CONFLICT (list_id, item_key) DO UPDATE SET stage = EXCLUDED.stage, error_type = EXCLUDED.error_type,
               message = EXCLUDED.message, attempts = EXCLUDED.attempts, occurred_at = now()`,
            [outcome.listId, outcome.itemKey, outcome.url, stage, errorType, message.slice(0, 2_000), attempts],
          );
        } else if (outcome.state === 'succeeded') {
          await client.query('DELETE FROM product_list_errors WHERE list_id = $1 AND item_key = $2', [outcome.listId, outcome.itemKey]);
        }
      });
    },

    /** Which of these items are recorded as succeeded, with their product: a child cancelled
     *  while it recorded its outcome may have recorded it all the same. */
    async loadSucceededItems({
      listId,
      itemKeys,
    }: {
      listId: string;
      itemKeys: string[];
    }): Promise<{ itemKey: string; productId: string }[]> {
      const { rows } = await pg.query<{ item_key: string; product_id: string }>(
        `SELECT item_key, product_id FROM product_list_items
         WHERE list_id = $1 AND item_key = ANY($2) AND state = 'succeeded' AND product_id IS NOT NULL ORDER BY item_key`,
        [listId, itemKeys],
      );
      return rows.map((row) => ({ itemKey: row.item_key, productId: row.product_id }));
    },

    /** Succeeded items whose product a list page could not embed, index or write to the graph
     *  for good: failed after all, with the page's stage and error in the ledger. Only items still
     *  marked succeeded change (a retried call changes nothing more). */
    async recordPageFailures({ listId, failures }: { listId: string; failures: PageItemFailure[] }): Promise<void> {
      await withTransaction(pg, async (client) => {
        const failed = await client.query<{ item_key: string }>(
          `UPDATE product_list_items SET state = 'failed', updated_at = now()
           WHERE list_id = $1 AND item_key = ANY($2) AND state = 'succeeded' RETURNING item_key`,
          [listId, failures.map((failure) => failure.itemKey)],
        );
        await client.query(
          `INSERT INTO product_list_errors (list_id, item_key, url, stage, error_type, message, attempts)
           SELECT items.list_id, items.item_key, items.url, f.stage, f.error_type, left(f.message, 2000), f.attempts
             FROM jsonb_to_recordset($2::jsonb) AS f (item_key text, stage text, error_type text, message text, attempts int)
             JOIN product_list_items items ON items.list_id = $1 AND items.item_key = f.item_key
            WHERE f.item_key = ANY($3)
           ON CONFLICT (list_id, item_key) DO UPDATE SET stage = EXCLUDED.stage, error_type = EXCLUDED.error_type,
             message = EXCLUDED.message, attempts = EXCLUDED.attempts, occurred_at = now()`,
          [
            listId,
            JSON.stringify(
              failures.map((f) => ({
                item_key: f.itemKey,
                stage: f.stage,
                error_type: f.errorType,
                message: f.message,
                attempts: f.attempts,
              })),
            ),
            failed.rows.map((row) => row.item_key),
          ],
        );
      });
    },

    /** Items never started (cancelled list) are marked skipped; the report is stored on the list. */
    async finalizeListReport({ listId, cancelled }: { listId: string; cancelled: boolean }): Promise<ListReport> {
      if (cancelled) {
        await pg.query(`UPDATE product_list_items SET state = 'skipped', updated_at = now() WHERE list_id = $1 AND state = 'pending'`, [
          listId,
        ]);
      }
      const counts = await pg.query<{ state: string; n: number }>(
        'SELECT state, count(*)::int AS n FROM product_list_items WHERE list_id = $1 GROUP BY state',
        [listId],
      );
      const by = Object.fromEntries(counts.rows.map((row) => [row.state, row.n])) as Record<string, number>;
      const errors = await pg.query<{ error_type: string; n: number }>(
        'SELECT error_type, count(*)::int AS n FROM product_list_errors WHERE list_id = $1 GROUP BY error_type ORDER BY n DESC',
        [listId],
      );
      const warned = await pg.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM product_list_items WHERE list_id = $1 AND state = 'succeeded' AND warnings IS NOT NULL`,
        [listId],
      );
      const succeeded = by.succeeded ?? 0;
      const failed = by.failed ?? 0;
      const skipped = by.skipped ?? 0;
      const pending = by.pending ?? 0;
      const total = succeeded + failed + skipped + pending;
      const attempted = succeeded + failed;
      const successRate = attempted === 0 ? 0 : succeeded / attempted;
      const report: ListReport = {
        listId,
        total,
        succeeded,
        failed,
        skipped,
        pending,
        successRate,
        target: LIST_SUCCESS_TARGET,
        meetsTarget: successRate >= LIST_SUCCESS_TARGET,
        cancelled,
        errorsByType: Object.fromEntries(errors.rows.map((row) => [row.error_type, row.n])),
        withWarnings: warned.rows[0]?.n ?? 0,
        estimate: await listEstimateForReport(pg, config, listId),
      };
      await pg.query(`UPDATE product_lists SET status = $2, report = $3, updated_at = now() WHERE list_id = $1`, [
        listId,
        cancelled ? 'cancelled' : 'completed',
        JSON.stringify(report),
      ]);
      return report;
    },
  };
}

/** The estimate without the per-item counts (the report has its own). */
async function listEstimateForReport(
  pg: Parameters<typeof productListEstimate>[0],
  config: Parameters<typeof productListEstimate>[1],
  listId: string,
): Promise<CostEta | undefined> {
  const estimate = await productListEstimate(pg, config, listId);
  if (!estimate) return undefined;
  const { finished: _finished, total: _total, ...rest } = estimate;
  return rest;
}
