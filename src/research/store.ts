// The research store: every SQL statement about research runs, their crawl frontier, snapshot,
// matches, analysis, report, schedules and price alerts. Routes, activities and the live channel
// call it; nothing else touches these tables.
import type { Pool, PoolClient } from 'pg';
import type { ResearchAnalysis } from './analysis';
import type { ResearchRequest } from './model';
import type { WatchedPrice } from './price-watch';

type Db = Pool | PoolClient;

export interface ResearchRunRow {
  run_id: string;
  tenant_id: string;
  site: string;
  workflow_id: string;
  input: ResearchRequest;
  schedule_id: string | null;
  previous_run_id: string | null;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  host_gap_ms: number;
  robots_key: string | null;
  analysis: ResearchAnalysis | null;
  report: unknown;
  timings: Record<string, number> | null;
  cost: unknown;
  created_at: Date;
  finished_at: Date | null;
}

export interface SnapshotProduct {
  researchProductId: string;
  tenantId: string;
  url: string;
  name: string;
  brand?: string;
  category?: string;
  sku?: string;
  gtin?: string;
  price?: number;
  currency?: string;
  availability?: string;
  extractKey: string;
}

const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));

export const researchStore = {
  /** Creates the run (idempotent: a scheduled run's first activity and the API may both call it). */
  async openRun(
    db: Db,
    run: { runId: string; tenantId: string; site: string; workflowId: string; input: ResearchRequest; scheduleId?: string },
  ): Promise<ResearchRunRow> {
    await db.query(
      `INSERT INTO research_runs (run_id, tenant_id, site, workflow_id, input, schedule_id, previous_run_id)
       VALUES ($1, $2, $3, $4, $5, $6,
         (SELECT run_id FROM research_runs WHERE tenant_id = $2 AND site = $3 AND status = 'completed' ORDER BY finished_at DESC LIMIT 1))
       ON CONFLICT (run_id) DO NOTHING`,
      [run.runId, run.tenantId, run.site, run.workflowId, JSON.stringify(run.input), run.scheduleId ?? null],
    );
    return (await researchStore.run(db, run.runId))!;
  },

  async run(db: Db, runId: string): Promise<ResearchRunRow | undefined> {
    const { rows } = await db.query<ResearchRunRow>('SELECT * FROM research_runs WHERE run_id = $1', [runId]);
    return rows[0];
  },

  async runs(db: Db, tenantId: string, limit = 50) {
    const { rows } = await db.query<Pick<ResearchRunRow, 'run_id' | 'site' | 'status' | 'schedule_id' | 'created_at' | 'finished_at'>>(
      'SELECT run_id, site, status, schedule_id, created_at, finished_at FROM research_runs WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT $2',
      [tenantId, limit],
    );
    return rows;
  },

  async setSiteRules(db: Db, runId: string, rules: { hostGapMs: number; robotsKey: string | null }): Promise<void> {
    await db.query('UPDATE research_runs SET host_gap_ms = $2, robots_key = $3 WHERE run_id = $1', [
      runId,
      rules.hostGapMs,
      rules.robotsKey,
    ]);
  },

  /** Adds URLs to the frontier; known URLs keep their state and depth. Returns how many were new. */
  async enqueue(db: Db, runId: string, pages: { url: string; depth: number }[]): Promise<number> {
    if (pages.length === 0) return 0;
    const result = await db.query(
      `INSERT INTO research_pages (run_id, url, depth)
       SELECT $1, u, d FROM unnest($2::text[], $3::int[]) AS t(u, d)
       ON CONFLICT (run_id, url) DO NOTHING`,
      [runId, pages.map((page) => page.url), pages.map((page) => page.depth)],
    );
    return result.rowCount ?? 0;
  },

  /** Records a URL that is known but will not be fetched (out of scope, refused by robots.txt). */
  async skip(db: Db, runId: string, url: string, depth: number, reason: string): Promise<void> {
    await db.query(
      `INSERT INTO research_pages (run_id, url, depth, state, reason) VALUES ($1, $2, $3, 'skipped', $4)
       ON CONFLICT (run_id, url) DO UPDATE SET state = 'skipped', reason = EXCLUDED.reason WHERE research_pages.state = 'pending'`,
      [runId, url, depth, reason],
    );
  },

  /** The next pending pages, shallowest first, within what is left of the page budget. */
  async nextPages(
    db: Db,
    runId: string,
    limit: number,
    maxPages: number,
  ): Promise<{ pages: { url: string; depth: number }[]; pending: number; done: number }> {
    const { rows: counts } = await db.query<{ done: number; pending: number }>(
      `SELECT count(*) FILTER (WHERE state IN ('fetched', 'failed'))::int AS done, count(*) FILTER (WHERE state = 'pending')::int AS pending
       FROM research_pages WHERE run_id = $1`,
      [runId],
    );
    const { done, pending } = counts[0]!;
    const room = Math.max(0, Math.min(limit, maxPages - done));
    if (room === 0) return { pages: [], pending, done };
    const { rows } = await db.query<{ url: string; depth: number }>(
      `SELECT url, depth FROM research_pages WHERE run_id = $1 AND state = 'pending' ORDER BY depth, url LIMIT $2`,
      [runId, room],
    );
    return { pages: rows, pending, done };
  },

  async pageDone(
    db: Db,
    runId: string,
    url: string,
    outcome: { state: 'fetched' | 'failed' | 'skipped'; reason?: string; htmlKey?: string; isProduct?: boolean },
  ): Promise<void> {
    await db.query(
      `UPDATE research_pages SET state = $3, reason = $4, html_key = $5, is_product = $6, fetched_at = now() WHERE run_id = $1 AND url = $2`,
      [runId, url, outcome.state, outcome.reason ?? null, outcome.htmlKey ?? null, outcome.isProduct ?? false],
    );
  },

  async upsertProduct(db: Db, runId: string, p: SnapshotProduct): Promise<void> {
    await db.query(
      `INSERT INTO research_products (run_id, research_product_id, tenant_id, url, name, brand, category, sku, gtin, price, currency, availability, extract_key)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)
       ON CONFLICT (run_id, research_product_id) DO UPDATE SET name = EXCLUDED.name, brand = EXCLUDED.brand, category = EXCLUDED.category,
         sku = EXCLUDED.sku, gtin = EXCLUDED.gtin, price = EXCLUDED.price, currency = EXCLUDED.currency,
         availability = EXCLUDED.availability, extract_key = EXCLUDED.extract_key`,
      [
        runId,
        p.researchProductId,
        p.tenantId,
        p.url,
        p.name,
        p.brand ?? null,
        p.category ?? null,
        p.sku ?? null,
        p.gtin ?? null,
        p.price ?? null,
        p.currency ?? null,
        p.availability ?? null,
        p.extractKey,
      ],
    );
  },

  /** GTIN, then SKU matches against the tenant's own products (a GTIN match is kept over a SKU one). */
  async matchByIdentifiers(db: Db, runId: string): Promise<{ gtin: number; sku: number }> {
    const match = (column: 'gtin' | 'sku', score: number) =>
      db.query(
        `INSERT INTO research_matches (run_id, research_product_id, product_id, method, score)
         SELECT DISTINCT ON (r.research_product_id) r.run_id, r.research_product_id, o.product_id, '${column}', ${score}
         FROM research_products r JOIN products o ON o.tenant_id = r.tenant_id AND o.${column} = r.${column}
         WHERE r.run_id = $1 AND r.${column} IS NOT NULL AND r.${column} <> ''
         ORDER BY r.research_product_id, o.product_id
         ON CONFLICT (run_id, research_product_id) DO NOTHING`,
        [runId],
      );
    const gtin = await match('gtin', 1);
    const sku = await match('sku', 0.95);
    return { gtin: gtin.rowCount ?? 0, sku: sku.rowCount ?? 0 };
  },

  async unmatchedProducts(db: Db, runId: string) {
    const { rows } = await db.query<{
      research_product_id: string;
      tenant_id: string;
      name: string;
      brand: string | null;
      category: string | null;
    }>(
      `SELECT r.research_product_id, r.tenant_id, r.name, r.brand, r.category FROM research_products r
       WHERE r.run_id = $1 AND NOT EXISTS (SELECT 1 FROM research_matches m WHERE m.run_id = r.run_id AND m.research_product_id = r.research_product_id)
       ORDER BY r.research_product_id`,
      [runId],
    );
    return rows;
  },

  async addMatch(
    db: Db,
    runId: string,
    match: { researchProductId: string; productId: string; method: 'embedding'; score: number },
  ): Promise<void> {
    await db.query(
      `INSERT INTO research_matches (run_id, research_product_id, product_id, method, score) VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT (run_id, research_product_id) DO NOTHING`,
      [runId, match.researchProductId, match.productId, match.method, match.score],
    );
  },

  /** The analysis, computed by PostgreSQL. */
  async analyse(db: Db, runId: string): Promise<ResearchAnalysis> {
    const run = (await researchStore.run(db, runId))!;
    const pages = await db.query<{ fetched: number; failed: number; skipped: number }>(
      `SELECT count(*) FILTER (WHERE state = 'fetched')::int AS fetched, count(*) FILTER (WHERE state = 'failed')::int AS failed,
              count(*) FILTER (WHERE state = 'skipped')::int AS skipped
       FROM research_pages WHERE run_id = $1`,
      [runId],
    );
    const products = await db.query<{ products: number; with_price: number; brands: number; categories: number }>(
      `SELECT count(*)::int AS products, count(price)::int AS with_price, count(DISTINCT brand)::int AS brands, count(DISTINCT category)::int AS categories
       FROM research_products WHERE run_id = $1`,
      [runId],
    );
    const stats = (group: 'category' | 'brand') =>
      db.query<{ key: string; currency: string; products: number; min: number; max: number; avg: number; median: number }>(
        `SELECT COALESCE(${group}, '(none)') AS key, currency, count(*)::int AS products, min(price)::float8 AS min, max(price)::float8 AS max,
                round(avg(price), 2)::float8 AS avg, round((percentile_cont(0.5) WITHIN GROUP (ORDER BY price))::numeric, 2)::float8 AS median
         FROM research_products WHERE run_id = $1 AND price IS NOT NULL AND currency IS NOT NULL
         GROUP BY 1, 2 ORDER BY 2, 1`,
        [runId],
      );
    const byCategory = await stats('category');
    const byBrand = await stats('brand');
    // Five equal-width buckets per currency between its lowest and highest price.
    const buckets = await db.query<{ currency: string; category: string; bucket: number; lo: number; hi: number; products: number }>(
      `WITH priced AS (
         SELECT currency, COALESCE(category, '(none)') AS category, price FROM research_products
         WHERE run_id = $1 AND price IS NOT NULL AND currency IS NOT NULL),
       bounds AS (SELECT currency, min(price) AS lo, max(price) AS hi FROM priced GROUP BY currency)
       SELECT p.currency, p.category,
              CASE WHEN b.hi = b.lo THEN 1 ELSE LEAST(width_bucket(p.price, b.lo, b.hi, 5), 5) END AS bucket,
              b.lo::float8 AS lo, b.hi::float8 AS hi, count(*)::int AS products
       FROM priced p JOIN bounds b USING (currency)
       GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3`,
      [runId],
    );
    const own = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM products WHERE tenant_id = $1', [run.tenant_id]);
    const methods = await db.query<{ method: 'gtin' | 'sku' | 'embedding'; n: number }>(
      'SELECT method, count(*)::int AS n FROM research_matches WHERE run_id = $1 GROUP BY method',
      [runId],
    );
    const versus = await db.query<{ cheaper: number; dearer: number }>(
      `SELECT count(*) FILTER (WHERE r.price < o.price)::int AS cheaper, count(*) FILTER (WHERE r.price > o.price)::int AS dearer
       FROM research_matches m
       JOIN research_products r ON r.run_id = m.run_id AND r.research_product_id = m.research_product_id
       JOIN products o ON o.product_id = m.product_id
       WHERE m.run_id = $1 AND r.currency = o.currency`,
      [runId],
    );
    const examples = await db.query<{
      research_product_id: string;
      url: string;
      name: string;
      price: string | null;
      currency: string | null;
      product_id: string;
      own_price: string | null;
      method: 'gtin' | 'sku' | 'embedding';
      score: number;
    }>(
      `SELECT r.research_product_id, r.url, r.name, r.price, r.currency, m.product_id, o.price AS own_price, m.method, m.score
       FROM research_matches m
       JOIN research_products r ON r.run_id = m.run_id AND r.research_product_id = m.research_product_id
       JOIN products o ON o.product_id = m.product_id
       WHERE m.run_id = $1 ORDER BY m.score DESC, r.research_product_id LIMIT 20`,
      [runId],
    );
    let changes: ResearchAnalysis['changes'] = null;
    if (run.previous_run_id) {
      const diff = await db.query<{ new_products: number; removed_products: number; price_changed: number }>(
        `SELECT
           (SELECT count(*)::int FROM research_products c WHERE c.run_id = $1
              AND NOT EXISTS (SELECT 1 FROM research_products p WHERE p.run_id = $2 AND p.research_product_id = c.research_product_id)) AS new_products,
           (SELECT count(*)::int FROM research_products p WHERE p.run_id = $2
              AND NOT EXISTS (SELECT 1 FROM research_products c WHERE c.run_id = $1 AND c.research_product_id = p.research_product_id)) AS removed_products,
           (SELECT count(*)::int FROM research_products c JOIN research_products p ON p.run_id = $2 AND p.research_product_id = c.research_product_id
              WHERE c.run_id = $1 AND c.currency = p.currency AND c.price <> p.price) AS price_changed`,
        [runId, run.previous_run_id],
      );
      const changed = await db.query<{
        research_product_id: string;
        url: string;
        name: string;
        currency: string;
        previous_price: number;
        price: number;
        change_pct: number;
      }>(
        `SELECT c.research_product_id, c.url, c.name, c.currency, p.price::float8 AS previous_price, c.price::float8 AS price,
                round((c.price - p.price) / NULLIF(p.price, 0) * 100, 2)::float8 AS change_pct
         FROM research_products c JOIN research_products p ON p.run_id = $2 AND p.research_product_id = c.research_product_id
         WHERE c.run_id = $1 AND c.currency = p.currency AND c.price <> p.price
         ORDER BY abs(c.price - p.price) / NULLIF(p.price, 0) DESC NULLS LAST, c.research_product_id LIMIT 20`,
        [runId, run.previous_run_id],
      );
      const d = diff.rows[0]!;
      changes = {
        previousRunId: run.previous_run_id,
        newProducts: d.new_products,
        removedProducts: d.removed_products,
        priceChanged: d.price_changed,
        examples: changed.rows.map((row) => ({
          researchProductId: row.research_product_id,
          url: row.url,
          name: row.name,
          currency: row.currency,
          previousPrice: row.previous_price,
          price: row.price,
          changePct: row.change_pct,
        })),
      };
    }
    const citable = await db.query<{ research_product_id: string; url: string; name: string }>(
      'SELECT research_product_id, url, name FROM research_products WHERE run_id = $1 ORDER BY name, research_product_id LIMIT 60',
      [runId],
    );

    const byMethod = { gtin: 0, sku: 0, embedding: 0 };
    for (const row of methods.rows) byMethod[row.method] = row.n;
    const matched = byMethod.gtin + byMethod.sku + byMethod.embedding;
    const productCount = products.rows[0]!.products;
    const distribution = new Map<string, ResearchAnalysis['distribution'][number]>();
    for (const row of buckets.rows) {
      const width = row.hi === row.lo ? 0 : (row.hi - row.lo) / 5;
      let entry = distribution.get(row.currency);
      if (!entry) {
        entry = { currency: row.currency, bucketWidth: Math.round(width * 100) / 100, buckets: [] };
        distribution.set(row.currency, entry);
      }
      const from = row.lo + (row.bucket - 1) * width;
      entry.buckets.push({
        category: row.category,
        from: Math.round(from * 100) / 100,
        to: Math.round((width ? from + width : row.hi) * 100) / 100,
        products: row.products,
      });
    }
    return {
      runId,
      site: run.site,
      counts: {
        pagesFetched: pages.rows[0]!.fetched,
        pagesFailed: pages.rows[0]!.failed,
        pagesSkipped: pages.rows[0]!.skipped,
        products: productCount,
        productsWithPrice: products.rows[0]!.with_price,
        brands: products.rows[0]!.brands,
        categories: products.rows[0]!.categories,
      },
      priceByCategory: byCategory.rows.map(({ key, ...s }) => ({ category: key, ...s })),
      priceByBrand: byBrand.rows.map(({ key, ...s }) => ({ brand: key, ...s })),
      distribution: [...distribution.values()],
      overlap: {
        ownProducts: own.rows[0]!.n,
        matched,
        byMethod,
        competitorOnly: productCount - matched,
        matchedPct: productCount ? Math.round((matched / productCount) * 10_000) / 100 : 0,
        cheaperThanOwn: versus.rows[0]!.cheaper,
        dearerThanOwn: versus.rows[0]!.dearer,
        examples: examples.rows.map((row) => ({
          researchProductId: row.research_product_id,
          url: row.url,
          name: row.name,
          price: num(row.price),
          currency: row.currency,
          ownProductId: row.product_id,
          ownPrice: num(row.own_price),
          method: row.method,
          score: Math.round(row.score * 1000) / 1000,
        })),
      },
      changes,
      citable: citable.rows.map((row) => ({ researchProductId: row.research_product_id, url: row.url, name: row.name })),
    };
  },

  async saveAnalysis(db: Db, runId: string, analysis: ResearchAnalysis): Promise<void> {
    await db.query('UPDATE research_runs SET analysis = $2 WHERE run_id = $1', [runId, JSON.stringify(analysis)]);
  },

  async saveReport(db: Db, runId: string, report: unknown): Promise<void> {
    await db.query('UPDATE research_runs SET report = $2 WHERE run_id = $1', [runId, JSON.stringify(report)]);
  },

  /** Snapshot products with their match, for the graph. */
  async productsWithMatches(db: Db, runId: string, afterId: string, limit: number) {
    const { rows } = await db.query<{
      research_product_id: string;
      tenant_id: string;
      url: string;
      name: string;
      brand: string | null;
      category: string | null;
      price: string | null;
      currency: string | null;
      product_id: string | null;
      method: string | null;
      score: number | null;
    }>(
      `SELECT r.research_product_id, r.tenant_id, r.url, r.name, r.brand, r.category, r.price, r.currency, m.product_id, m.method, m.score
       FROM research_products r LEFT JOIN research_matches m ON m.run_id = r.run_id AND m.research_product_id = r.research_product_id
       WHERE r.run_id = $1 AND r.research_product_id > $2 ORDER BY r.research_product_id LIMIT $3`,
      [runId, afterId, limit],
    );
    return rows;
  },

  /** Matched competitor prices now, and the same products' prices in the previous snapshot. */
  async watchedPrices(
    db: Db,
    runId: string,
    previousRunId: string,
  ): Promise<{ current: WatchedPrice[]; previous: Map<string, { price: number; currency: string }> }> {
    const { rows } = await db.query<{
      research_product_id: string;
      url: string;
      name: string;
      price: number;
      currency: string;
      previous_price: number | null;
      previous_currency: string | null;
    }>(
      `SELECT c.research_product_id, c.url, c.name, c.price::float8 AS price, c.currency, p.price::float8 AS previous_price, p.currency AS previous_currency
       FROM research_products c
       JOIN research_matches m ON m.run_id = c.run_id AND m.research_product_id = c.research_product_id
       LEFT JOIN research_products p ON p.run_id = $2 AND p.research_product_id = c.research_product_id
       WHERE c.run_id = $1 AND c.price IS NOT NULL AND c.currency IS NOT NULL`,
      [runId, previousRunId],
    );
    const previous = new Map<string, { price: number; currency: string }>();
    for (const row of rows)
      if (row.previous_price !== null && row.previous_currency)
        previous.set(row.research_product_id, { price: row.previous_price, currency: row.previous_currency });
    return {
      current: rows.map((row) => ({
        researchProductId: row.research_product_id,
        url: row.url,
        name: row.name,
        price: row.price,
        currency: row.currency,
      })),
      previous,
    };
  },

  /** Claims the alert for (run, product); false when it was claimed before (a retry). */
  async claimAlert(
    db: Db,
    alert: { runId: string; researchProductId: string; tenantId: string; previousPrice: number; price: number; changePct: number },
  ): Promise<boolean> {
    const result = await db.query(
      `INSERT INTO research_price_alerts (run_id, research_product_id, tenant_id, previous_price, price, change_pct) VALUES ($1,$2,$3,$4,$5,$6)
       ON CONFLICT DO NOTHING`,
      [alert.runId, alert.researchProductId, alert.tenantId, alert.previousPrice, alert.price, alert.changePct],
    );
    return (result.rowCount ?? 0) > 0;
  },

  async releaseAlert(db: Db, runId: string, researchProductId: string): Promise<void> {
    await db.query('DELETE FROM research_price_alerts WHERE run_id = $1 AND research_product_id = $2', [runId, researchProductId]);
  },

  async alerts(db: Db, runId: string) {
    const { rows } = await db.query<{
      research_product_id: string;
      previous_price: number;
      price: number;
      change_pct: number;
      sent_at: Date;
    }>(
      'SELECT research_product_id, previous_price::float8 AS previous_price, price::float8 AS price, change_pct, sent_at FROM research_price_alerts WHERE run_id = $1 ORDER BY research_product_id',
      [runId],
    );
    return rows;
  },

  /** Tokens the run's LLM calls used: per model (for the price table), and by kind (embeddings vs the report). */
  async usage(
    db: Db,
    workflowId: string,
  ): Promise<{
    promptTokens: number;
    completionTokens: number;
    embedTokens: number;
    reportTokens: number;
    calls: number;
    uses: { model: string; promptTokens: number; completionTokens: number }[];
  }> {
    const { rows } = await db.query<{ model: string; prompt: number; completion: number; embed: number; report: number; calls: number }>(
      `SELECT model, COALESCE(sum(prompt_tokens), 0)::int AS prompt, COALESCE(sum(completion_tokens), 0)::int AS completion,
              COALESCE(sum(prompt_tokens) FILTER (WHERE task = 'embed'), 0)::int AS embed,
              COALESCE(sum(prompt_tokens + completion_tokens) FILTER (WHERE task <> 'embed'), 0)::int AS report, count(*)::int AS calls
       FROM llm_calls WHERE workflow_id = $1 GROUP BY model ORDER BY model`,
      [workflowId],
    );
    const sum = (pick: (row: (typeof rows)[number]) => number) => rows.reduce((total, row) => total + pick(row), 0);
    return {
      promptTokens: sum((row) => row.prompt),
      completionTokens: sum((row) => row.completion),
      embedTokens: sum((row) => row.embed),
      reportTokens: sum((row) => row.report),
      calls: sum((row) => row.calls),
      uses: rows.map((row) => ({ model: row.model, promptTokens: row.prompt, completionTokens: row.completion })),
    };
  },

  async finish(
    db: Db,
    runId: string,
    outcome: { status: 'completed' | 'failed' | 'cancelled'; timings: Record<string, number>; cost: unknown },
  ): Promise<void> {
    await db.query('UPDATE research_runs SET status = $2, timings = $3, cost = $4, finished_at = now() WHERE run_id = $1', [
      runId,
      outcome.status,
      JSON.stringify(outcome.timings),
      JSON.stringify(outcome.cost),
    ]);
  },

  /** Recent completed runs of the tenant: their stage timings and sizes, for the ETA. */
  async history(db: Db, tenantId: string) {
    const { rows } = await db.query<{
      timings: Record<string, number>;
      pages: number;
      products: number;
      cost: { embedTokens?: number; reportTokens?: number } | null;
    }>(
      `SELECT timings, (analysis->'counts'->>'pagesFetched')::int + (analysis->'counts'->>'pagesFailed')::int AS pages,
              (analysis->'counts'->>'products')::int AS products, cost
       FROM research_runs WHERE tenant_id = $1 AND status = 'completed' AND timings IS NOT NULL AND analysis IS NOT NULL
       ORDER BY finished_at DESC LIMIT 5`,
      [tenantId],
    );
    return rows;
  },

  schedules: {
    async add(db: Db, scheduleId: string, tenantId: string, spec: unknown): Promise<boolean> {
      const result = await db.query(
        'INSERT INTO research_schedules (schedule_id, tenant_id, spec) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING',
        [scheduleId, tenantId, JSON.stringify(spec)],
      );
      return (result.rowCount ?? 0) > 0;
    },
    async get(db: Db, scheduleId: string) {
      const { rows } = await db.query<{ schedule_id: string; tenant_id: string; spec: unknown; created_at: Date }>(
        'SELECT * FROM research_schedules WHERE schedule_id = $1',
        [scheduleId],
      );
      return rows[0];
    },
    async remove(db: Db, scheduleId: string): Promise<void> {
      await db.query('DELETE FROM research_schedules WHERE schedule_id = $1', [scheduleId]);
    },
  },
};
