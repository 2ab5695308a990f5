// Product-list use cases shared by the API and the demo: create a list (items into
// PostgreSQL, then the workflow), steer it, read its progress, report and error ledger.
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { Config } from '../config';
import { productListEstimate } from '../costs/runs';
import { withTransaction } from '../stores/postgres';
import { SearchAttr } from '../temporal/search-attributes';
import { taskQueues } from '../temporal/task-queues';
import { FEED_URL_PREFIX, productStages } from '../workflows/product-item';
import {
  cancelListSignal,
  listProgressQuery,
  pauseListSignal,
  productListWorkflow,
  productListWorkflowId,
  resumeListSignal,
  type ListProgress,
} from '../workflows/product-list';

const httpUrl = z
  .string()
  .max(2_048)
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'must be an absolute http(s) URL');

const FeedProductInput = z
  .object({
    name: z.string().min(1).max(500),
    description: z.string().max(20_000).optional(),
    brand: z.string().max(200).optional(),
    sku: z.string().max(100).optional(),
    gtin: z.string().max(20).optional(),
    price: z.union([z.number().nonnegative(), z.string().max(40)]).optional(),
    currency: z.string().max(10).optional(),
    availability: z.string().max(100).optional(),
    category: z.string().max(200).optional(),
    images: z.array(httpUrl).max(20).optional(),
  })
  .strict();

/** A page to crawl (`url`), or a product given inline by a feed (`inline`, with a `key`). */
export const ListItemInput = z
  .object({
    url: httpUrl.optional(),
    /** Stable key of the item within the list (e.g. the shop's SKU); derived from the URL when absent. */
    key: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional(),
    inline: FeedProductInput.optional(),
  })
  .strict()
  .refine((item) => item.url !== undefined || (item.inline !== undefined && item.key !== undefined), {
    message: 'an item needs a url, or inline fields and a key',
  });

export const ListOptionsInput = z
  .object({
    concurrency: z.number().int().min(1).max(64).optional(),
    stages: z.array(z.enum(productStages)).min(1).optional(),
    llm: z.boolean().default(true),
    dryRun: z.boolean().default(false),
  })
  .strict();

export const CreateListInput = z
  .object({
    listId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/).optional(),
    tenantId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/).default('default'),
    items: z.array(ListItemInput).min(1).max(100_000),
    options: ListOptionsInput.default({ llm: true, dryRun: false }),
  })
  .strict();
export type CreateListInput = z.input<typeof CreateListInput>;

export const itemKeyFor = (url: string) => createHash('sha256').update(url).digest('hex').slice(0, 16);

export interface ListDeps {
  config: Config;
  pg: Pool;
  temporal: Client;
}

export class ListConflictError extends Error {
  readonly type = 'ListConflict';
}

/** Stores the list and its items, then starts the list workflow (id derived from the list id). */
export async function createProductList({ config, pg, temporal }: ListDeps, raw: CreateListInput) {
  const input = CreateListInput.parse(raw);
  const listId = input.listId ?? `list-${Date.now().toString(36)}-${createHash('sha1').update(JSON.stringify(input.items)).digest('hex').slice(0, 6)}`;
  const options = {
    concurrency: input.options.concurrency ?? config.LIST_CONCURRENCY,
    stages: input.options.stages ?? [...productStages],
    llm: input.options.llm,
    dryRun: input.options.dryRun,
  };
  const items = new Map<string, { url: string; inline?: unknown }>();
  for (const item of input.items) {
    const key = item.key ?? itemKeyFor(item.url!);
    items.set(key, item.url ? { url: item.url } : { url: `${FEED_URL_PREFIX}${key}`, inline: item.inline });
  }

  await withTransaction(pg, async (client) => {
    const inserted = await client.query(
      `INSERT INTO product_lists (list_id, tenant_id, options, item_count) VALUES ($1,$2,$3,$4) ON CONFLICT (list_id) DO NOTHING`,
      [listId, input.tenantId, JSON.stringify(options), items.size],
    );
    if (inserted.rowCount === 0) throw new ListConflictError(`list ${listId} already exists`);
    const keys = [...items.keys()];
    for (let i = 0; i < keys.length; i += 1_000) {
      const chunk = keys.slice(i, i + 1_000);
      await client.query(
        `INSERT INTO product_list_items (list_id, item_key, url, inline)
         SELECT $1, k, u, i::jsonb FROM unnest($2::text[], $3::text[], $4::text[]) AS t(k, u, i)`,
        [listId, chunk, chunk.map((key) => items.get(key)!.url), chunk.map((key) => (items.get(key)!.inline ? JSON.stringify(items.get(key)!.inline) : null))],
      );
    }
  });
  const handle = await startListRun({ config, temporal }, listId, input.tenantId, items.size, options);
  return { listId, workflowId: handle.workflowId, runId: handle.firstExecutionRunId, items: items.size };
}

function startListRun(
  { config, temporal }: Pick<ListDeps, 'config' | 'temporal'>,
  listId: string,
  tenantId: string,
  total: number,
  options: z.infer<typeof ListOptionsInput> & { concurrency: number; stages: (typeof productStages)[number][] },
) {
  return temporal.workflow.start(productListWorkflow, {
    workflowId: productListWorkflowId(listId),
    taskQueue: taskQueues(config).default,
    args: [{ listId, tenantId, total, options, itemsPerRun: config.LIST_ITEMS_PER_RUN }],
    staticSummary: `Product list ${listId} of ${tenantId}: ${total} items, concurrency ${options.concurrency}${options.llm ? ', LLM enrichment' : ''}${options.dryRun ? ', dry run' : ''}`,
    typedSearchAttributes: [
      { key: SearchAttr.BusinessId, value: listId },
      { key: SearchAttr.WorkflowKind, value: 'product-list' },
      { key: SearchAttr.TenantId, value: tenantId },
      { key: SearchAttr.ListStatus, value: 'running' },
    ],
  });
}

/** Re-runs only the failed items of a finished list. */
export async function redriveProductList({ config, pg, temporal }: ListDeps, listId: string) {
  const list = await pg.query<{ tenant_id: string; options: Parameters<typeof startListRun>[4] }>(
    'SELECT tenant_id, options FROM product_lists WHERE list_id = $1',
    [listId],
  );
  if (!list.rows[0]) return undefined;
  const reset = await pg.query(`UPDATE product_list_items SET state = 'pending', updated_at = now() WHERE list_id = $1 AND state = 'failed'`, [listId]);
  const pending = await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM product_list_items WHERE list_id = $1 AND state = 'pending'`, [listId]);
  await pg.query(`UPDATE product_lists SET status = 'running', updated_at = now() WHERE list_id = $1`, [listId]);
  const handle = await startListRun({ config, temporal }, listId, list.rows[0].tenant_id, pending.rows[0]!.n, list.rows[0].options);
  return { listId, workflowId: handle.workflowId, runId: handle.firstExecutionRunId, redriven: reset.rowCount ?? 0 };
}

export const steerProductList = (temporal: Client, listId: string, action: 'pause' | 'resume' | 'cancel') =>
  temporal.workflow
    .getHandle(productListWorkflowId(listId))
    .signal({ pause: pauseListSignal, resume: resumeListSignal, cancel: cancelListSignal }[action]);

export const listProgress = (temporal: Client, listId: string): Promise<ListProgress> =>
  temporal.workflow.getHandle(productListWorkflowId(listId)).query(listProgressQuery);

/** Live progress with the run's estimated cost and ETA (computed from rows, not kept by the workflow). */
export async function listProgressWithEstimate(deps: Pick<ListDeps, 'temporal' | 'pg' | 'config'>, listId: string) {
  const [progress, estimate] = await Promise.all([listProgress(deps.temporal, listId), productListEstimate(deps.pg, deps.config, listId)]);
  return { ...progress, estimate };
}

export async function listReport(pg: Pool, listId: string) {
  const { rows } = await pg.query<{ status: string; report: unknown; item_count: number }>(
    'SELECT status, report, item_count FROM product_lists WHERE list_id = $1',
    [listId],
  );
  return rows[0];
}

export async function listErrors(pg: Pool, listId: string) {
  const { rows } = await pg.query<{ item_key: string; url: string; stage: string; error_type: string; message: string; attempts: number; occurred_at: Date }>(
    'SELECT item_key, url, stage, error_type, message, attempts, occurred_at FROM product_list_errors WHERE list_id = $1 ORDER BY item_key',
    [listId],
  );
  return rows;
}
