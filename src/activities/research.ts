// Site research activities: open a run (robots.txt, sitemaps, seeds), crawl one page politely
// into the research snapshot, match to own products, analyse in SQL, graph in Neo4j, write the
// checked LLM report, watch prices, finish. Large data (HTML, extractions) goes to the blob
// store; the workflow carries URLs, ids and counts.
import { heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { load } from 'cheerio';
import { PipelineError, permanent } from '../errors';
import { extractProduct } from '../extraction';
import { parseRobots, robotsToken, type RobotsRules } from '../fetch';
import { SIGNATURE_HEADER, sign } from '../publishing/signing';
import { platformRequest } from '../publishing/platform-http';
import { factsOf, type ResearchAnalysis } from '../research/analysis';
import { costUsd, priceTable } from '../costs/estimate';
import { ratesFromHistory, type StageRates } from '../research/eta';
import { SharedHostPoliteness } from '../research/host-politeness';
import { researchProductIdFor, siteOf, type ResearchRequest } from '../research/model';
import { priceMoves } from '../research/price-watch';
import { checkReport } from '../research/report-check';
import { canonicalUrl, judgeUrl, robotsSitemaps, sitemapLocations } from '../research/scope';
import { researchStore, type ResearchRunRow } from '../research/store';
import { esIndices } from '../stores/elasticsearch';
import { boundedGraphCall } from '../stores/neo4j';
import type { ActivityDeps } from './deps';
import { callContext } from './llm';

export interface OpenedRun {
  runId: string;
  hostGapMs: number;
  seeded: number;
  rates: StageRates;
}

export interface PageOutcome {
  state: 'fetched' | 'failed' | 'skipped';
  reason?: string;
  isProduct: boolean;
  newLinks: number;
}

/** The report activity's refusal type: the model kept stating numbers the analysis did not produce. */
export const REPORT_REFUSED = 'ReportNumbersUnsupported';

const MAX_SITEMAP_URLS = 10_000;
const MAX_LINKS_PER_PAGE = 500;
const EMBED_BATCH = 16;
/** One batch of 200 competitor products in one graph statement: a longer bound than a single
 *  product's update, still well inside the activity's timeout. */
const RESEARCH_GRAPH_BATCH_MS = 30_000;

type Deps = Pick<ActivityDeps, 'pg' | 'es' | 'neo4j' | 'blobs' | 'fetcher' | 'llm' | 'config' | 'logger'>;

export function createResearchActivities({ pg, es, neo4j, blobs, fetcher, llm, config, logger }: Deps) {
  const politeness = new SharedHostPoliteness(pg, {
    concurrency: config.RESEARCH_HOST_CONCURRENCY,
    leaseMs: config.FETCH_TIMEOUT_MS * 2 + 5_000,
  });
  const robotsByRun = new Map<string, RobotsRules | null>();

  async function loadRun(runId: string): Promise<ResearchRunRow> {
    const run = await researchStore.run(pg, runId);
    if (!run) throw permanent('ResearchRunMissing', `research run ${runId} does not exist`);
    return run;
  }

  /** One request to the researched site, under the shared per-host politeness; every redirect
   *  hop waits for the gap too. With `rules` (the run's own robots.txt, read once per run) the
   *  fetcher's per-process robots.txt read is skipped, so no request escapes the lease; a hop
   *  that leaves the site or that robots.txt disallows is refused before it is requested. */
  function politeFetch(
    run: Pick<ResearchRunRow, 'host_gap_ms'>,
    url: string,
    accept: string,
    rules?: { site: string; robots: RobotsRules | null },
  ) {
    const beforeRedirectHop = async (hop: URL) => {
      if (rules && hop.origin !== rules.site)
        throw permanent('RedirectedOffSite', `${url} redirects off the site to ${hop.href}`, { url, location: hop.href });
      if (rules?.robots && !rules.robots.isAllowed(hop.href))
        throw permanent('RobotsDisallowed', `robots.txt disallows ${hop.href} (redirected from ${url})`, { url: hop.href });
      await politeness.nextStart(hop.host, run.host_gap_ms);
    };
    return politeness.run(
      new URL(url).host,
      run.host_gap_ms,
      () => fetcher.fetch(url, { accept, beforeRedirectHop, skipRobots: rules !== undefined }),
      () => heartbeat(),
    );
  }

  async function robotsOf(run: ResearchRunRow): Promise<RobotsRules | null> {
    if (!run.robots_key) return null;
    if (!robotsByRun.has(run.run_id)) {
      const text = (await blobs.get(run.robots_key)).toString('utf8');
      if (robotsByRun.size > 100) robotsByRun.clear();
      robotsByRun.set(run.run_id, parseRobots(`${run.site}/robots.txt`, text, robotsToken(config.FETCH_USER_AGENT)));
    }
    return robotsByRun.get(run.run_id)!;
  }

  const activities = {
    /** Creates the run row (idempotent), reads robots.txt (Crawl-delay, Sitemap lines) and the
     *  sitemap, and seeds the frontier: start URLs at depth 0, sitemap URLs at depth 1. */
    async openResearchRun(input: {
      runId: string;
      tenantId: string;
      workflowId: string;
      request: ResearchRequest;
      scheduleId?: string;
    }): Promise<OpenedRun> {
      const run = await researchStore.openRun(pg, {
        runId: input.runId,
        tenantId: input.tenantId,
        site: siteOf(input.request),
        workflowId: input.workflowId,
        input: input.request,
        scheduleId: input.scheduleId,
      });
      if (run.tenant_id !== input.tenantId) throw permanent('ResearchRunConflict', `research run ${input.runId} belongs to another tenant`);
      const robotsUrl = `${run.site}/robots.txt`;
      let robotsText = '';
      try {
        const response = await politeFetch({ host_gap_ms: config.RESEARCH_HOST_GAP_MS }, robotsUrl, 'text/plain', {
          site: run.site,
          robots: null,
        });
        robotsText = response.body.toString('utf8').slice(0, 512 * 1024);
      } catch (error) {
        if (!(error instanceof PipelineError) || error.retryable) throw error; // 4xx: no robots.txt, everything allowed
      }
      const rules = parseRobots(robotsUrl, robotsText, robotsToken(config.FETCH_USER_AGENT));
      const hostGapMs = Math.max(config.RESEARCH_HOST_GAP_MS, rules.crawlDelayMs ?? 0);
      const robotsKey = robotsText ? (await blobs.put('research/robots', 'txt', robotsText)).key : null;
      await researchStore.setSiteRules(pg, run.run_id, { hostGapMs, robotsKey });
      robotsByRun.delete(run.run_id);

      const scope = input.request.scope;
      const seeds: { url: string; depth: number }[] = [];
      for (const raw of input.request.startUrls) {
        const url = canonicalUrl(raw);
        if (url) seeds.push({ url, depth: 0 });
      }
      const sitemapUrls =
        typeof input.request.sitemap === 'string' ? [input.request.sitemap] : input.request.sitemap ? robotsSitemaps(robotsText) : [];
      if (input.request.sitemap === true && sitemapUrls.length === 0) sitemapUrls.push(`${run.site}/sitemap.xml`);
      const seen = new Set<string>();
      while (sitemapUrls.length > 0 && seen.size < 20 && seeds.length < MAX_SITEMAP_URLS) {
        const sitemapUrl = sitemapUrls.shift()!;
        if (seen.has(sitemapUrl)) continue;
        seen.add(sitemapUrl);
        try {
          const onSite = new URL(sitemapUrl).origin === run.site;
          const response = await politeFetch(
            { host_gap_ms: hostGapMs },
            sitemapUrl,
            'application/xml, text/xml',
            onSite ? { site: run.site, robots: rules } : undefined,
          );
          const { urls, sitemaps } = sitemapLocations(response.body.toString('utf8'));
          sitemapUrls.push(...sitemaps);
          for (const raw of urls) {
            const url = canonicalUrl(raw);
            if (url && judgeUrl(url, 1, scope, run.site).ok) seeds.push({ url, depth: Math.min(1, scope.maxDepth) });
          }
        } catch (error) {
          if (!(error instanceof PipelineError) || error.retryable) throw error;
          logger.warn({ runId: run.run_id, sitemapUrl, error: error.type }, 'sitemap unavailable');
        }
      }
      const seeded = await researchStore.enqueue(pg, run.run_id, seeds.slice(0, MAX_SITEMAP_URLS));
      const history = await researchStore.history(pg, input.tenantId);
      const rates = ratesFromHistory(
        history.map((row) => ({
          timings: row.timings,
          pages: row.pages,
          products: row.products,
          embedTokens: row.cost?.embedTokens,
          reportTokens: row.cost?.reportTokens,
        })),
      );
      return { runId: run.run_id, hostGapMs, seeded, rates };
    },

    /** The next pages to crawl within the page budget, and how many are known but pending. */
    async nextResearchPages(input: { runId: string; limit: number; maxPages: number }) {
      return researchStore.nextPages(pg, input.runId, input.limit, input.maxPages);
    },

    /** Fetches one page politely, keeps its HTML in the blob store, extracts a product into the
     *  snapshot, and queues the in-scope links. Permanent problems are recorded, not thrown. */
    async crawlResearchPage(input: { runId: string; url: string; depth: number }): Promise<PageOutcome> {
      const run = await loadRun(input.runId);
      const scope = run.input.scope;
      const robots = await robotsOf(run);
      if (robots && !robots.isAllowed(input.url)) {
        await researchStore.pageDone(pg, run.run_id, input.url, { state: 'skipped', reason: 'RobotsDisallowed' });
        return { state: 'skipped', reason: 'RobotsDisallowed', isProduct: false, newLinks: 0 };
      }
      let page;
      try {
        // Same-site crawls check robots.txt here (the run's copy); others let the fetcher read each site's.
        page = await politeFetch(
          run,
          input.url,
          'text/html,application/xhtml+xml',
          scope.sameSite ? { site: run.site, robots } : undefined,
        );
      } catch (error) {
        if (error instanceof PipelineError && !error.retryable) {
          const state = error.type === 'RobotsDisallowed' ? 'skipped' : 'failed';
          await researchStore.pageDone(pg, run.run_id, input.url, { state, reason: error.type });
          return { state, reason: error.type, isProduct: false, newLinks: 0 };
        }
        throw error;
      }
      const finalUrl = canonicalUrl(page.finalUrl) ?? input.url;
      if (scope.sameSite && new URL(finalUrl).origin !== run.site) {
        await researchStore.pageDone(pg, run.run_id, input.url, { state: 'skipped', reason: 'RedirectedOffSite' });
        return { state: 'skipped', reason: 'RedirectedOffSite', isProduct: false, newLinks: 0 };
      }
      if (!/html/i.test(page.contentType)) {
        await researchStore.pageDone(pg, run.run_id, input.url, { state: 'fetched', reason: 'NotHtml' });
        return { state: 'fetched', reason: 'NotHtml', isProduct: false, newLinks: 0 };
      }
      const html = page.body.toString('utf8');
      const stored = await blobs.put('research/html', 'html', page.body);

      let isProduct = false;
      try {
        const product = extractProduct(html, finalUrl);
        const extract = await blobs.putJson('research/extract', product);
        await researchStore.upsertProduct(pg, run.run_id, {
          researchProductId: researchProductIdFor(run.tenant_id, finalUrl),
          tenantId: run.tenant_id,
          url: finalUrl,
          name: product.name.value,
          brand: product.brand?.value,
          category: product.category?.value,
          sku: product.sku?.value,
          gtin: product.gtin?.value,
          price:
            product.price && Number.isFinite(product.price.value) && product.price.value >= 0 && product.price.value < 1e10
              ? product.price.value
              : undefined,
          currency: product.currency?.value,
          availability: product.availability?.value,
          extractKey: extract.key,
        });
        isProduct = true;
      } catch (error) {
        if (!(error instanceof PipelineError) || error.retryable) throw error; // no product on the page: a listing, an article
      }

      let newLinks = 0;
      if (input.depth < scope.maxDepth) {
        const $ = load(html);
        const found = new Map<string, { url: string; depth: number }>();
        const skipped: { url: string; reason: string }[] = [];
        $('a[href]').each((_i, element) => {
          if (found.size >= MAX_LINKS_PER_PAGE) return false;
          const url = canonicalUrl($(element).attr('href') ?? '', finalUrl);
          if (!url || found.has(url)) return;
          const verdict = judgeUrl(url, input.depth + 1, scope, run.site);
          if (verdict.ok) found.set(url, { url, depth: input.depth + 1 });
          else if (verdict.reason !== 'not-a-page') skipped.push({ url, reason: `OutOfScope:${verdict.reason}` });
        });
        newLinks = await researchStore.enqueue(pg, run.run_id, [...found.values()]);
        for (const skip of skipped.slice(0, 50)) await researchStore.skip(pg, run.run_id, skip.url, input.depth + 1, skip.reason);
      }
      await researchStore.pageDone(pg, run.run_id, input.url, { state: 'fetched', htmlKey: stored.key, isProduct });
      return { state: 'fetched', isProduct, newLinks };
    },

    /** A page whose fetch kept failing after every retry. */
    async markResearchPageFailed(input: { runId: string; url: string; reason: string }): Promise<void> {
      await researchStore.pageDone(pg, input.runId, input.url, { state: 'failed', reason: input.reason });
    },

    /** Links competitor products to own products: GTIN, then SKU (SQL), then embedding
     *  similarity (kNN over the tenant's indexed products) for the rest. Runs on the LLM queue. */
    async matchResearchProducts(input: { runId: string; tenantId: string }): Promise<{ gtin: number; sku: number; embedding: number }> {
      const byIds = await researchStore.matchByIdentifiers(pg, input.runId);
      const rest = await researchStore.unmatchedProducts(pg, input.runId);
      let embedding = 0;
      const index = esIndices(config).products;
      for (let i = 0; i < rest.length; i += EMBED_BATCH) {
        heartbeat({ done: i });
        const batch = rest.slice(i, i + EMBED_BATCH);
        const vectors = await llm.embed(
          batch.map((p) => [p.name, p.brand, p.category].filter(Boolean).join('\n').slice(0, 2_000)),
          callContext(input.tenantId),
        );
        for (const [k, product] of batch.entries()) {
          const hits = await es.search<{ productId: string }>({
            index,
            knn: {
              field: 'embedding',
              query_vector: vectors[k]!,
              k: 1,
              num_candidates: 50,
              filter: { term: { tenantId: input.tenantId } },
            },
            _source: ['productId'],
          });
          const best = hits.hits.hits[0];
          if (best?._source && (best._score ?? 0) >= config.RESEARCH_MATCH_MIN_SCORE) {
            await researchStore.addMatch(pg, input.runId, {
              researchProductId: product.research_product_id,
              productId: best._source.productId,
              method: 'embedding',
              score: best._score!,
            });
            embedding++;
          }
        }
      }
      return { ...byIds, embedding };
    },

    /** The analysis in PostgreSQL, stored on the run; returns a small summary. */
    async analyseResearchRun(input: { runId: string }): Promise<{ products: number; matched: number }> {
      const analysis = await researchStore.analyse(pg, input.runId);
      await researchStore.saveAnalysis(pg, input.runId, analysis);
      return { products: analysis.counts.products, matched: analysis.overlap.matched };
    },

    /** Neo4j: (:Competitor)-[:LISTS]->(:CompetitorProduct)-[:MATCHES {method, score}]->(:Product),
     *  and the competitor product to the tenant's Brand and Category nodes. Re-runs replace edges. */
    async graphResearchRun(input: { runId: string }): Promise<{ nodes: number }> {
      const run = await loadRun(input.runId);
      let afterId = '';
      let nodes = 0;
      for (;;) {
        const rows = await researchStore.productsWithMatches(pg, input.runId, afterId, 200);
        if (rows.length === 0) return { nodes };
        const items = rows.map((row) => ({ ...row, price: row.price === null ? null : Number(row.price) }));
        await boundedGraphCall(
          (signal) =>
            neo4j.executeQuery(
              `MERGE (site:Competitor {tenantId: $tenantId, site: $site})
           WITH site UNWIND $items AS item
           MERGE (cp:CompetitorProduct {researchProductId: item.research_product_id})
           SET cp.tenantId = item.tenant_id, cp.url = item.url, cp.name = item.name, cp.price = item.price, cp.currency = item.currency, cp.runId = $runId
           MERGE (site)-[:LISTS]->(cp)
           WITH cp, item
           OPTIONAL MATCH (cp)-[old:MATCHES|MADE_BY|IN_CATEGORY]->() DELETE old
           WITH DISTINCT cp, item
           FOREACH (_ IN CASE WHEN item.brand IS NULL THEN [] ELSE [1] END |
             MERGE (b:Brand {tenantId: item.tenant_id, name: item.brand}) MERGE (cp)-[:MADE_BY]->(b))
           FOREACH (_ IN CASE WHEN item.category IS NULL THEN [] ELSE [1] END |
             MERGE (c:Category {tenantId: item.tenant_id, name: item.category}) MERGE (cp)-[:IN_CATEGORY]->(c))
           FOREACH (_ IN CASE WHEN item.product_id IS NULL THEN [] ELSE [1] END |
             MERGE (p:Product {productId: item.product_id}) MERGE (cp)-[m:MATCHES]->(p) SET m.method = item.method, m.score = item.score, m.runId = $runId)`,
              { tenantId: run.tenant_id, site: run.site, runId: run.run_id, items },
              { database: config.NEO4J_DATABASE, signal, transactionConfig: { timeout: RESEARCH_GRAPH_BATCH_MS } },
            ),
          RESEARCH_GRAPH_BATCH_MS,
        );
        nodes += rows.length;
        afterId = rows[rows.length - 1]!.research_product_id;
        heartbeat({ afterId });
      }
    },

    /** The LLM report from the analysis facts, checked: a report stating a number the analysis
     *  did not produce (or citing a product outside the snapshot) is refused and asked again
     *  once; a second refusal fails non-retryably as ReportNumbersUnsupported. */
    async writeResearchReport(input: { runId: string; tenantId: string }): Promise<{ title: string; findings: number; attempts: number }> {
      const run = await loadRun(input.runId);
      if (!run.analysis) throw permanent('AnalysisMissing', `research run ${input.runId} has no analysis yet`);
      const analysis: ResearchAnalysis = run.analysis;
      const facts = factsOf(analysis);
      const citable = {
        ids: new Set([
          ...analysis.citable.map((p) => p.researchProductId),
          ...analysis.overlap.examples.flatMap((m) => [m.researchProductId, m.ownProductId]),
          ...(analysis.changes?.examples.map((c) => c.researchProductId) ?? []),
        ]),
        urls: new Set([
          ...analysis.citable.map((p) => p.url),
          ...analysis.overlap.examples.map((m) => m.url),
          ...(analysis.changes?.examples.map((c) => c.url) ?? []),
        ]),
      };
      let correction: string | undefined;
      const refusals: string[] = [];
      for (let attempt = 1; attempt <= 2; attempt++) {
        heartbeat({ attempt });
        const result = await llm.runTask('researchReport', { site: run.site, facts, correction }, callContext(input.tenantId));
        const verdict = checkReport(result.output, facts, citable);
        if (verdict.ok) {
          const report = { ...result.output, ai: result.ai, check: { passed: true, refusals }, createdAt: new Date().toISOString() };
          await researchStore.saveReport(pg, run.run_id, report);
          const text = [result.output.summary, ...result.output.findings.map((f) => f.text)].join('\n');
          const [vector] = await llm.embed([`${result.output.title}\n${text}`.slice(0, 2_000)], callContext(input.tenantId));
          await es.index({
            index: esIndices(config).documents,
            id: `research-report/${run.run_id}`,
            document: {
              docId: `research-report/${run.run_id}`,
              tenantId: run.tenant_id,
              kind: 'research-report',
              title: result.output.title,
              text,
              embedding: vector,
              ai: result.ai,
              updatedAt: new Date().toISOString(),
            },
          });
          return { title: result.output.title, findings: result.output.findings.length, attempts: attempt };
        }
        refusals.push(verdict.problem);
        correction = `Your previous report was refused: ${verdict.problem}. Use only numbers, product ids and URLs that appear in the facts.`;
      }
      throw ApplicationFailure.nonRetryable(`the report stated figures the analysis did not produce: ${refusals.at(-1)}`, REPORT_REFUSED, {
        refusals,
      });
    },

    /** Keeps the refusal on the run, so the report page says why there is no narrative. */
    async recordReportRefusal(input: { runId: string; reason: string; unavailable?: boolean }): Promise<void> {
      const outcome = input.unavailable ? { unavailable: true } : { refused: true };
      await researchStore.saveReport(pg, input.runId, { ...outcome, reason: input.reason, createdAt: new Date().toISOString() });
    },

    /** Matched competitor prices that moved at least thresholdPct since the previous snapshot:
     *  one signed webhook per (run, product), claimed in PostgreSQL before sending. */
    async watchResearchPrices(input: { runId: string; thresholdPct: number }): Promise<{ moves: number; sent: number }> {
      const run = await loadRun(input.runId);
      if (!run.previous_run_id) return { moves: 0, sent: 0 };
      const { current, previous } = await researchStore.watchedPrices(pg, run.run_id, run.previous_run_id);
      const moves = priceMoves(current, previous, input.thresholdPct);
      let sent = 0;
      for (const move of moves) {
        const claimed = await researchStore.claimAlert(pg, {
          runId: run.run_id,
          researchProductId: move.researchProductId,
          tenantId: run.tenant_id,
          previousPrice: move.previousPrice,
          price: move.price,
          changePct: move.changePct,
        });
        if (!claimed) continue;
        const event = {
          kind: 'price-moved',
          tenantId: run.tenant_id,
          runId: run.run_id,
          previousRunId: run.previous_run_id,
          site: run.site,
          thresholdPct: input.thresholdPct,
          ...move,
          idempotencyKey: `price-watch/${run.run_id}/${move.researchProductId}`,
        };
        if (!config.RESEARCH_WATCH_WEBHOOK_URL) {
          logger.info({ priceWatch: event }, 'price moved (no RESEARCH_WATCH_WEBHOOK_URL configured)');
          continue;
        }
        const body = JSON.stringify(event);
        try {
          await platformRequest('price-watch', config.RESEARCH_WATCH_WEBHOOK_URL, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'idempotency-key': event.idempotencyKey,
              [SIGNATURE_HEADER]: sign(config.RESEARCH_WATCH_WEBHOOK_SECRET, body),
            },
            body,
            timeoutMs: config.PLATFORM_TIMEOUT_MS,
          });
          sent++;
        } catch (error) {
          await researchStore.releaseAlert(pg, run.run_id, move.researchProductId); // the retry sends it
          throw error;
        }
      }
      return { moves: moves.length, sent };
    },

    /** Marks the run finished with its stage timings and its LLM usage and cost. */
    async finishResearchRun(input: {
      runId: string;
      status: 'completed' | 'failed' | 'cancelled';
      timings: Record<string, number>;
    }): Promise<{ costUsd: number; tokens: number }> {
      const run = await loadRun(input.runId);
      const usage = await researchStore.usage(pg, run.workflow_id);
      const { uses, ...totals } = usage;
      const cost = { ...totals, byModel: uses, costUsd: costUsd(priceTable(config), uses) };
      await researchStore.finish(pg, run.run_id, { status: input.status, timings: input.timings, cost });
      return { costUsd: cost.costUsd, tokens: usage.promptTokens + usage.completionTokens };
    },
  };
  return activities;
}

export type ResearchActivities = ReturnType<typeof createResearchActivities>;
