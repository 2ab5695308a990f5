// Product-list use cases shared by the API and the demo: create a list (items into
// PostgreSQL, then the workflow), steer it, read its progress, report and error ledger.
import { createHash } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { Config } from '../config';
import { productListEstimate } from '../costs/runs';
import { withTransaction } from '../stores/postgres';
import { SearchAttr } from '../temporal/search-attributes';
import { taskQueues } from '../temporal/task-queues';
import { FEED_URL_PREFIX, productStages, type ProductStage } from '../workflows/product-item';
import {
  cancelListSignal,
  listProgressQuery,
  pauseListSignal,
  productListWorkflow,
  productListWorkflowId,
  resumeListSignal,
  type ListProgress,
} from '../workflows/product-list';
import { idSchema } from '../ids';

// The shape is checked here (a 400 for the whole list); a URL of that shape that still does not
// parse fails as its own item (UrlInvalid in the error ledger) while the list carries on.
const httpUrl = z
  .string()
  .max(2_048)
  // eslint-disable-next-line no-control-regex -- NUL is what the text rule excludes
  .regex(/^[Hh][Tt][Tt][Pp][Ss]?:\/\/[^\s\u0000]+$/, 'must be an absolute http(s) URL');

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
    key: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/)
      .optional(),
    inline: FeedProductInput.optional(),
  })
  .strict()
  .refine((item) => item.url !== undefined || (item.inline !== undefined && item.key !== undefined), {
    message: 'an item needs a url, or inline fields and a key',
  })
  .meta({ anyOf: [{ required: ['url'] }, { required: ['inline', 'key'] }] });

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
    listId: idSchema().optional(),
    tenantId: idSchema().default('default'),
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

/**
 * Lists are named by their tenant: the stored key, the workflow input's `listId` and the
 * workflow ids are `<tenantId>/<listId>`, so two tenants may use the same list id and neither
 * learns of the other's. Lists created before this (key = bare list id) stay readable.
 */
export const tenantListKey = (tenantId: string, listId: string) => `${tenantId}/${listId}`;
/** The list id a client uses, from a stored key (new or old form). */
export const publicListId = (key: string) => key.slice(key.indexOf('/') + 1);
export const listWorkflowId = (tenantId: string, listId: string) => productListWorkflowId(tenantListKey(tenantId, listId));

/** The stored key of a tenant's list: the tenant-scoped one, else an old bare one of that tenant. */
export async function resolveListKey(pg: Pool, tenantId: string, listId: string): Promise<string | undefined> {
  const scoped = tenantListKey(tenantId, listId);
  const { rows } = await pg.query<{ list_id: string }>(
    'SELECT list_id FROM product_lists WHERE tenant_id = $1 AND list_id = ANY($2::text[]) ORDER BY list_id = $3 DESC LIMIT 1',
    [tenantId, [scoped, listId], scoped],
  );
  return rows[0]?.list_id;
}

/** A dry run is crawl and extract only: no images, text, LLM, store, index, graph or inventory stage. */
export function effectiveListOptions(given: z.infer<typeof ListOptionsInput>, defaultConcurrency: number) {
  const concurrency = given.concurrency ?? defaultConcurrency;
  if (given.dryRun) return { concurrency, stages: ['fetch', 'extract'] as ProductStage[], llm: false, dryRun: true };
  return { concurrency, stages: given.stages ?? [...productStages], llm: given.llm, dryRun: false };
}

/** Stores the list and its items, then starts the list workflow (id derived from tenant and list id). */
export async function createProductList({ config, pg, temporal }: ListDeps, raw: CreateListInput) {
  const input = CreateListInput.parse(raw);
  const listId =
    input.listId ?? `list-${Date.now().toString(36)}-${createHash('sha1').update(JSON.stringify(input.items)).digest('hex').slice(0, 6)}`;
  const key = tenantListKey(input.tenantId, listId);
  const options = effectiveListOptions(input.options, config.LIST_CONCURRENCY);
  const items = new Map<string, { url: string; inline?: unknown }>();
  for (const item of input.items) {
    const key = item.key ?? itemKeyFor(item.url!);
    items.set(key, item.url ? { url: item.url } : { url: `${FEED_URL_PREFIX}${key}`, inline: item.inline });
  }

  await withTransaction(pg, async (client) => {
    const inserted = await client.query(
      `INSERT INTO product_lists (list_id, tenant_id, options, item_count)
       SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM product_lists WHERE list_id = $5 AND tenant_id = $2)
       ON CONFLICT (list_id) DO NOTHING`,
      [key, input.tenantId, JSON.stringify(options), items.size, listId],
    );
    if (inserted.rowCount === 0) throw new ListConflictError(`list ${listId} already exists`);
    const keys = [...items.keys()];
    for (let i = 0; i < keys.length; i += 1_000) {
      const chunk = keys.slice(i, i + 1_000);
      await client.query(
        `INSERT INTO product_list_items (list_id, item_key, url, inline)
         SELECT $1, k, u, i::jsonb FROM unnest($2::text[], $3::text[], $4::text[]) AS t(k, u, i)`,
        [
          key,
          chunk,
          chunk.map((k) => items.get(k)!.url),
          chunk.map((k) => (items.get(k)!.inline ? JSON.stringify(items.get(k)!.inline) : null)),
        ],
      );
    }
  });
  const handle = await startListRun({ config, temporal }, key, input.tenantId, items.size, options);
  return { listId, workflowId: handle.workflowId, runId: handle.firstExecutionRunId, items: items.size };
}

function startListRun(
  { config, temporal }: Pick<ListDeps, 'config' | 'temporal'>,
  key: string,
  tenantId: string,
  total: number,
  options: z.infer<typeof ListOptionsInput> & { concurrency: number; stages: (typeof productStages)[number][] },
) {
  return temporal.workflow.start(productListWorkflow, {
    workflowId: productListWorkflowId(key),
    taskQueue: taskQueues(config).default,
    args: [{ listId: key, tenantId, total, options, itemsPerRun: config.LIST_ITEMS_PER_RUN, sinkPageSize: config.LIST_SINK_PAGE_SIZE }],
    staticSummary: `Product list ${publicListId(key)} of ${tenantId}: ${total} items, concurrency ${options.concurrency}${options.llm ? ', LLM enrichment' : ''}${options.dryRun ? ', dry run' : ''}`,
    typedSearchAttributes: [
      { key: SearchAttr.BusinessId, value: key },
      { key: SearchAttr.WorkflowKind, value: 'product-list' },
      { key: SearchAttr.TenantId, value: tenantId },
      { key: SearchAttr.ListStatus, value: 'running' },
    ],
  });
}

/**
 * Re-runs only the failed items of a finished list. The refusal comes first: a list whose run is
 * still going is a ListConflictError and nothing is touched. Items are reset under the list's
 * row lock; if the new run cannot be started, they are put back as they were.
 */
export async function redriveProductList({ config, pg, temporal }: ListDeps, key: string) {
  const prepared = await withTransaction(pg, async (client) => {
    const list = await client.query<{ tenant_id: string; status: string; options: Parameters<typeof startListRun>[4] }>(
      'SELECT tenant_id, status, options FROM product_lists WHERE list_id = $1 FOR UPDATE',
      [key],
    );
    const row = list.rows[0];
    if (!row) return undefined;
    if (row.status === 'running' && (await runIsOpen(temporal, key)))
      throw new ListConflictError(`list ${publicListId(key)} is still running`);
    const reset = await client.query<{ item_key: string }>(
      `UPDATE product_list_items SET state = 'pending', updated_at = now() WHERE list_id = $1 AND state = 'failed' RETURNING item_key`,
      [key],
    );
    const pending = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM product_list_items WHERE list_id = $1 AND state = 'pending'`,
      [key],
    );
    await client.query(`UPDATE product_lists SET status = 'running', updated_at = now() WHERE list_id = $1`, [key]);
    return { row, resetKeys: reset.rows.map((r) => r.item_key), pending: pending.rows[0]!.n };
  });
  if (!prepared) return undefined;
  try {
    const handle = await startListRun({ config, temporal }, key, prepared.row.tenant_id, prepared.pending, prepared.row.options);
    return {
      listId: publicListId(key),
      workflowId: handle.workflowId,
      runId: handle.firstExecutionRunId,
      redriven: prepared.resetKeys.length,
    };
  } catch (error) {
    await withTransaction(pg, async (client) => {
      await client.query(
        `UPDATE product_list_items SET state = 'failed', updated_at = now() WHERE list_id = $1 AND item_key = ANY($2::text[]) AND state = 'pending'`,
        [key, prepared.resetKeys],
      );
      await client.query('UPDATE product_lists SET status = $2, updated_at = now() WHERE list_id = $1', [key, prepared.row.status]);
    });
    throw error;
  }
}

/** Whether the list's workflow is still open (a run that crashed or was terminated is not). */
async function runIsOpen(temporal: Client, key: string): Promise<boolean> {
  try {
    const { status } = await temporal.workflow.getHandle(productListWorkflowId(key)).describe();
    return status.name === 'RUNNING' || status.name === 'CONTINUED_AS_NEW';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

// The functions below take the stored key (see resolveListKey) and answer with public list ids.
export const steerProductList = (temporal: Client, key: string, action: 'pause' | 'resume' | 'cancel') =>
  temporal.workflow
    .getHandle(productListWorkflowId(key))
    .signal({ pause: pauseListSignal, resume: resumeListSignal, cancel: cancelListSignal }[action]);

export const listProgress = async (temporal: Client, key: string): Promise<ListProgress> => {
  const progress = await temporal.workflow.getHandle(productListWorkflowId(key)).query(listProgressQuery);
  return { ...progress, listId: publicListId(progress.listId) };
};

/** Live progress with the run's estimated cost and ETA (computed from rows, not kept by the workflow). */
export async function listProgressWithEstimate(deps: Pick<ListDeps, 'temporal' | 'pg' | 'config'>, key: string) {
  const [progress, estimate] = await Promise.all([listProgress(deps.temporal, key), productListEstimate(deps.pg, deps.config, key)]);
  return { ...progress, estimate };
}

export async function listReport(pg: Pool, key: string) {
  const { rows } = await pg.query<{ status: string; report: { listId?: string } | null; item_count: number }>(
    'SELECT status, report, item_count FROM product_lists WHERE list_id = $1',
    [key],
  );
  const row = rows[0];
  if (row?.report?.listId) row.report.listId = publicListId(row.report.listId);
  return row;
}

export async function listErrors(pg: Pool, key: string) {
  const { rows } = await pg.query<{
    item_key: string;
    url: string;
    stage: string;
    error_type: string;
    message: string;
    attempts: number;
    occurred_at: Date;
  }>(
    'SELECT item_key, url, stage, error_type, message, attempts, occurred_at FROM product_list_errors WHERE list_id = $1 ORDER BY item_key',
    [key],
  );
  return rows;
}
