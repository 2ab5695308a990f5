// Cost and ETA of runs, read from what the stores already record: llm_calls (tokens per model,
// latency, the workflow that made the call) and the runs' own rows. No workflow keeps these
// figures, so they need no workflow change and are the same in progress and in the report.
import type { Pool } from 'pg';
import type { Config } from '../config';
import { estimateRun, priceTable, type CostEta, type StageRate, type TokenUse } from './estimate';

type PriceConfig = Pick<Config, 'LLM_PRICE_TABLE' | 'LLM_PRICE_INPUT_PER_1K' | 'LLM_PRICE_OUTPUT_PER_1K'>;

/** Tokens per model of every LLM call made by the workflow `workflowId` or, with `children`, also
 *  by those whose id continues it with a slash (a list's items). `ok` counts the inputs served:
 *  an embeddings request for a page of a list carries many (params.n). */
async function tokenUses(
  pg: Pool,
  workflowId: string,
  children: boolean,
): Promise<(TokenUse & { task: string; ok: number; lastAt: Date })[]> {
  const { rows } = await pg.query<{ task: string; model: string; ok: number; prompt: string; completion: string; last_at: Date }>(
    `SELECT task, model, coalesce(sum(coalesce((params->>'n')::int, 1)) FILTER (WHERE status = 'ok'), 0)::int AS ok,
            sum(prompt_tokens) AS prompt, sum(completion_tokens) AS completion, max(created_at) AS last_at
       FROM llm_calls
      WHERE workflow_id = $1 ${children ? `OR left(workflow_id, length($1) + 1) = $1 || '/'` : ''}
      GROUP BY task, model`,
    [workflowId],
  );
  return rows.map((row) => ({
    task: row.task,
    model: row.model,
    ok: row.ok,
    promptTokens: Number(row.prompt),
    completionTokens: Number(row.completion),
    lastAt: row.last_at,
  }));
}

const seconds = (from: Date, to: Date) => Math.max(0.001, (to.getTime() - from.getTime()) / 1000);

/**
 * A product list: cost of its LLM calls (its items' and its embedding pages'); ETA from the
 * rates at which items finished and each LLM stage completed since the list started (the
 * slowest stage bounds the list).
 */
export async function productListEstimate(
  pg: Pool,
  config: PriceConfig,
  listId: string,
): Promise<(CostEta & { finished: number; total: number }) | undefined> {
  const { rows } = await pg.query<{ total: number; created_at: Date; finished: number; last_finished: Date | null }>(
    `SELECT l.item_count AS total, l.created_at,
            count(i.item_key) FILTER (WHERE i.state <> 'pending')::int AS finished,
            max(i.updated_at) FILTER (WHERE i.state <> 'pending') AS last_finished
       FROM product_lists l LEFT JOIN product_list_items i USING (list_id)
      WHERE l.list_id = $1 GROUP BY l.list_id`,
    [listId],
  );
  const list = rows[0];
  if (!list) return undefined;
  const uses = await tokenUses(pg, `product-list/${listId}`, true); // the items' calls and the list's embedding pages
  const stages: StageRate[] = uses.map((use) => ({ stage: use.task, done: use.ok, elapsedSeconds: seconds(list.created_at, use.lastAt) }));
  if (list.last_finished)
    stages.push({ stage: 'items', done: list.finished, elapsedSeconds: seconds(list.created_at, list.last_finished) });
  const merged = mergeStages(stages);
  return {
    ...estimateRun({ total: list.total, finished: list.finished, uses, stages: merged, prices: priceTable(config) }),
    finished: list.finished,
    total: list.total,
  };
}

/** The same task under several models is one stage. */
function mergeStages(stages: StageRate[]): StageRate[] {
  const byStage = new Map<string, StageRate>();
  for (const stage of stages) {
    const seen = byStage.get(stage.stage);
    byStage.set(
      stage.stage,
      seen
        ? { stage: stage.stage, done: seen.done + stage.done, elapsedSeconds: Math.max(seen.elapsedSeconds, stage.elapsedSeconds) }
        : stage,
    );
  }
  return [...byStage.values()];
}

/** LLM stages a content draft still goes through before it awaits a reviewer, by status. */
const REMAINING_CONTENT_STAGES: Record<string, string[]> = {
  drafting: ['draft', 'styleCheck', 'embed'],
  checking: ['styleCheck', 'embed'],
};
/** How many recent calls per task make the observed duration. */
const RECENT_CALLS = 50;

/**
 * A content item: cost of its workflow's LLM calls; ETA until it is drafted and checked (ready
 * for a reviewer; human review has no ETA), the sum of the remaining stages' observed mean
 * durations over their recent calls. No observation of a stage yet means no ETA.
 */
export async function contentEstimate(
  pg: Pool,
  config: PriceConfig,
  workflowId: string,
  status: string,
): Promise<CostEta & { etaTo: string }> {
  const uses = await tokenUses(pg, workflowId, false);
  const remaining = REMAINING_CONTENT_STAGES[status] ?? [];
  const durations = new Map<string, number>();
  if (remaining.length > 0) {
    const { rows } = await pg.query<{ task: string; mean_ms: number }>(
      `SELECT task, avg(latency_ms)::float8 AS mean_ms FROM (
         SELECT task, latency_ms, row_number() OVER (PARTITION BY task ORDER BY created_at DESC) AS n
           FROM llm_calls WHERE task = ANY($1) AND status = 'ok') recent
        WHERE n <= $2 GROUP BY task`,
      [remaining, RECENT_CALLS],
    );
    for (const row of rows) durations.set(row.task, row.mean_ms);
  }
  const base = estimateRun({ total: 1, finished: remaining.length === 0 ? 1 : 0, uses, stages: [], prices: priceTable(config) });
  const stageRates = Object.fromEntries([...durations].map(([task, ms]) => [task, Math.round((60_000 / Math.max(ms, 1)) * 100) / 100]));
  const known = remaining.every((task) => durations.has(task));
  const etaSeconds =
    remaining.length === 0 ? 0 : known ? Math.ceil(remaining.reduce((sum, task) => sum + durations.get(task)!, 0) / 1000) : undefined;
  const { etaSeconds: _unused, ...rest } = base;
  return {
    ...rest,
    stageRates,
    ...(etaSeconds !== undefined ? { etaSeconds } : {}),
    etaTo: 'ready for review (drafted and checked)',
    basis: "tokens recorded per LLM call × LLM_PRICE_TABLE; ETA = sum of the remaining stages' mean duration over their recent calls",
  };
}
