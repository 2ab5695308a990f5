// What a fault run must leave behind, counted in every store and at the platform stand-ins:
// every item accounted for, nothing lost or duplicated, one publication per (content,
// platform), audit events once, no workflow stuck or failed; plus what the API answered during
// the outages and how fast a killed worker's activities were retried.
import type { Infrastructure } from '../src/runtime/infrastructure';
import { esIndices } from '../src/stores/elasticsearch';
import { publicationKey } from '../src/content/store';
import { slugFor } from '../src/publishing/wordpress';

export interface RunFacts {
  plan: { items: number; content: number; kills: number; temporalRestarts: number; outageSeconds: number; workers: number };
  tenantId: string;
  listId: string;
  listKey: string;
  contentIds: string[];
  listOutcome: string;
  contentOutcomes: Map<string, string>;
  webhookPosts: { key: string }[];
  wordpressPosts: { slug: string }[];
  kills: number;
  workerSpawns: number;
  unexpectedWorkerExits: number;
  workerExitReasons: { at: number; name: string; code: number | null; lastLine: string }[];
  startedAt: number;
  apiRestarts: number;
  outages: Outage[];
  samples: { outage: string; statuses: Map<number, number>; malformed503: string[] }[];
  apiStatuses: Map<number, number>;
  unexpected5xx: string[];
  killLog: Kill[];
  chatCalls: number;
}

export interface Kill {
  at: number;
  victim: string;
}

export interface Outage {
  /** The service stopped ('temporal': a restart). */
  outage: string;
  seconds: number;
  startedAt: number;
  endedAt: number;
}

export interface Counts {
  report:
    | { total: number; succeeded: number; failed: number; skipped: number; pending: number; errorsByType: Record<string, number> }
    | undefined;
  items: { rows: number; terminal: number; succeededWithoutProduct: number };
  products: { rows: number; distinctUrls: number };
  esProducts: { docs: number; distinctIds: number };
  esContent: { docs: number; distinctIds: number };
  graph: {
    products: number;
    distinctProducts: number;
    brands: number;
    distinctBrands: number;
    categories: number;
    distinctCategories: number;
    relationships: number;
    duplicateRelationships: number;
    madeBy: number;
    expectedMadeBy: number;
    inCategory: number;
    expectedInCategory: number;
  };
  publications: { webhook: number[]; wordpress: number[]; feed: number[]; publishedRows: number };
  audit: { rows: number; distinctKeys: number; repeatedEvents: string[] };
  workflows: { byStatus: Record<string, number>; running: string[]; failed: string[] };
  heartbeats?: HeartbeatFigures;
}

export interface HeartbeatFigures {
  heartbeatTimeouts: number;
  startToCloseTimeouts: number;
  /** Activity types that timed out on start-to-close (what waited instead of failing fast). */
  startToCloseByActivity: Record<string, number>;
  /** Each activity retried after a heartbeat timeout, with the fault it is put down to. */
  retries: HeartbeatRetry[];
  /** Seconds into the run of each kill, in order (kill numbers are 1-based positions here). */
  killOffsets: number[];
  retriedAfterFailure: Record<string, number>;
}

/**
 * One retry after a heartbeat timeout, attributed: to a Temporal restart when one happened
 * between the kill before it and the retry (a server that is down takes no heartbeats, so
 * activities of live workers time out too); else to the last kill before it (`kill`, 1-based);
 * else to nothing the driver did (`other`: e.g. a worker whose event loop stalled). `seconds` is
 * from that fault (the kill, or the end of the restart) to the start of the retried attempt:
 * the heartbeat timeout (10 s) plus the retry backoff plus the wait for a free worker slot.
 */
export interface HeartbeatRetry {
  activity: string;
  attempt: number;
  cause: 'kill' | 'temporal restart' | 'other';
  kill?: number;
  seconds: number;
  /** Store outages overlapping the interval from the fault to the retry (explain slow retries). */
  during: string[];
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ENTITY_WORKFLOWS = new Set(['strategyLearnerWorkflow', 'experimentWorkflow']);

async function workflowsByStatus(infra: Infrastructure) {
  const byStatus: Record<string, number> = {};
  const running: string[] = [];
  const failed: string[] = [];
  for await (const execution of infra.temporal.workflow.list({ query: '' })) {
    const status = execution.status.name;
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    if (status === 'RUNNING' && !ENTITY_WORKFLOWS.has(execution.type)) running.push(execution.workflowId);
    if (['FAILED', 'TIMED_OUT', 'TERMINATED'].includes(status)) failed.push(`${execution.workflowId} ${status}`);
  }
  return { byStatus, running, failed };
}

export async function countEverything(infra: Infrastructure, facts: RunFacts, deadline: number): Promise<Counts> {
  const { pg, es, neo4j } = infra;
  const t = facts.tenantId;
  // Give the last workflows (monitoring timers, children finishing) a little time to close.
  let workflows = await workflowsByStatus(infra);
  const settle = Math.min(deadline, Date.now() + 300_000);
  while (workflows.running.length > 0 && Date.now() < settle) {
    await sleep(5_000);
    workflows = await workflowsByStatus(infra);
  }

  const { rows: lists } = await pg.query('SELECT report FROM product_lists WHERE list_id = $1', [facts.listKey]);
  const report = lists[0]?.report ?? undefined;
  const { rows: itemRows } = await pg.query(
    `SELECT count(*)::int AS rows, count(*) FILTER (WHERE i.state <> 'pending')::int AS terminal,
            count(*) FILTER (WHERE i.state = 'succeeded' AND p.product_id IS NULL)::int AS orphan
       FROM product_list_items i LEFT JOIN products p ON p.product_id = i.product_id WHERE i.list_id = $1`,
    [facts.listKey],
  );
  const { rows: productRows } = await pg.query(
    `SELECT count(*)::int AS rows, count(DISTINCT url)::int AS urls,
            count(*) FILTER (WHERE coalesce(brand, '') <> '')::int AS branded,
            count(*) FILTER (WHERE coalesce(category, '') <> '')::int AS categorised
       FROM products WHERE tenant_id = $1`,
    [t],
  );

  const indices = esIndices(infra.config);
  await es.indices.refresh({ index: [indices.products, indices.documents] });
  const esCount = async (index: string, filter: object[], field: string) => {
    const result = await es.search({
      index,
      size: 0,
      track_total_hits: true,
      query: { bool: { filter } },
      aggs: { ids: { cardinality: { field, precision_threshold: 40_000 } } },
    });
    const total = typeof result.hits.total === 'number' ? result.hits.total : (result.hits.total?.value ?? 0);
    return { docs: total, distinctIds: (result.aggregations?.ids as { value: number }).value };
  };
  const esProducts = await esCount(indices.products, [{ term: { tenantId: t } }], 'productId');
  const esContent = await esCount(indices.documents, [{ term: { tenantId: t } }, { term: { kind: 'content' } }], 'docId');

  const one = async (cypher: string) => (await neo4j.executeQuery(cypher, { t })).records[0]!;
  const nodes = await one('MATCH (p:Product {tenantId: $t}) RETURN count(p) AS n, count(DISTINCT p.productId) AS ids');
  const brands = await one('MATCH (b:Brand {tenantId: $t}) RETURN count(b) AS n, count(DISTINCT b.name) AS names');
  const categories = await one('MATCH (c:Category {tenantId: $t}) RETURN count(c) AS n, count(DISTINCT c.name) AS names');
  const rels = await one(
    `MATCH (p:Product {tenantId: $t})-[r]->(x) WITH p, x, type(r) AS kind, count(r) AS c
     RETURN sum(c) AS total, sum(CASE WHEN c > 1 THEN c - 1 ELSE 0 END) AS dups,
            sum(CASE WHEN kind = 'MADE_BY' THEN 1 ELSE 0 END) AS madeBy, sum(CASE WHEN kind = 'IN_CATEGORY' THEN 1 ELSE 0 END) AS inCategory`,
  );
  const num = (value: unknown) => Number(value);

  const { rows: feedRows } = await pg.query('SELECT content_id, count(*)::int AS n FROM feed_entries WHERE tenant_id = $1 GROUP BY 1', [t]);
  const feedBy = new Map(feedRows.map((r) => [r.content_id as string, r.n as number]));
  const { rows: publishedRows } = await pg.query(
    `SELECT count(*)::int AS n FROM content_publications WHERE tenant_id = $1 AND status = 'published'`,
    [t],
  );
  const publications = {
    webhook: facts.contentIds.map((id) => facts.webhookPosts.filter((post) => post.key === publicationKey(t, id, 'webhook')).length),
    wordpress: facts.contentIds.map(
      (id) => facts.wordpressPosts.filter((post) => post.slug.startsWith(slugFor(publicationKey(t, id, 'wordpress')))).length,
    ),
    feed: facts.contentIds.map((id) => feedBy.get(id) ?? 0),
    publishedRows: publishedRows[0].n,
  };

  const { rows: auditRows } = await pg.query(
    'SELECT count(*)::int AS rows, count(DISTINCT event_key)::int AS keys FROM content_audit WHERE tenant_id = $1',
    [t],
  );
  const { rows: repeated } = await pg.query(
    `SELECT content_id, action, from_status, to_status, revision, actor, detail->>'platform' AS platform, count(*)::int AS n FROM content_audit WHERE tenant_id = $1
      GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING count(*) > 1 ORDER BY 1 LIMIT 20`,
    [t],
  );

  return {
    report,
    items: { rows: itemRows[0].rows, terminal: itemRows[0].terminal, succeededWithoutProduct: itemRows[0].orphan },
    products: { rows: productRows[0].rows, distinctUrls: productRows[0].urls },
    esProducts,
    esContent,
    graph: {
      products: num(nodes.get('n')),
      distinctProducts: num(nodes.get('ids')),
      brands: num(brands.get('n')),
      distinctBrands: num(brands.get('names')),
      categories: num(categories.get('n')),
      distinctCategories: num(categories.get('names')),
      relationships: num(rels.get('total')),
      duplicateRelationships: num(rels.get('dups')),
      madeBy: num(rels.get('madeBy')),
      expectedMadeBy: productRows[0].branded,
      inCategory: num(rels.get('inCategory')),
      expectedInCategory: productRows[0].categorised,
    },
    publications,
    audit: {
      rows: auditRows[0].rows,
      distinctKeys: auditRows[0].keys,
      repeatedEvents: repeated.map(
        (r) =>
          `${r.content_id} ${r.action} ${r.from_status}→${r.to_status} r${r.revision} ${r.actor}${r.platform ? ` ${r.platform}` : ''} ×${r.n}`,
      ),
    },
    workflows,
  };
}

/** Activities whose attempt was retried after a timeout, from the histories of every workflow. */
export async function heartbeatRetries(
  infra: Infrastructure,
  kills: Kill[],
  outages: Outage[],
  runStartedAt: number,
): Promise<HeartbeatFigures> {
  const figures: HeartbeatFigures = {
    heartbeatTimeouts: 0,
    startToCloseTimeouts: 0,
    startToCloseByActivity: {},
    retries: [],
    killOffsets: kills.map((k) => (k.at - runStartedAt) / 1000),
    retriedAfterFailure: {},
  };
  const restarts = outages.filter((o) => o.outage === 'temporal');
  const storeOutages = outages.filter((o) => o.outage !== 'temporal');
  const attribute = (activity: string, attempt: number, at: number): HeartbeatRetry => {
    const killIndex = kills.filter((k) => k.at <= at).length - 1; // kills are in time order
    const kill = killIndex >= 0 ? kills[killIndex]!.at : -Infinity;
    const restart = restarts.filter((r) => r.startedAt <= at && r.endedAt >= kill).at(-1);
    const from = restart ? restart.endedAt : kill;
    const during = storeOutages.filter((o) => o.startedAt <= at && o.endedAt >= from).map((o) => o.outage);
    if (restart) return { activity, attempt, cause: 'temporal restart', seconds: Math.max(0, at - restart.endedAt) / 1000, during };
    if (killIndex >= 0 && at - kill <= 180_000)
      return { activity, attempt, cause: 'kill', kill: killIndex + 1, seconds: (at - kill) / 1000, during };
    return { activity, attempt, cause: 'other', seconds: NaN, during };
  };
  const executions: { workflowId: string; runId: string }[] = [];
  for await (const execution of infra.temporal.workflow.list({ query: '' }))
    executions.push({ workflowId: execution.workflowId, runId: execution.runId });
  const queue = [...executions];
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const history = await infra.temporal.workflow.getHandle(next.workflowId, next.runId).fetchHistory();
        const activityTypes = new Map<string, string>();
        for (const event of history.events ?? []) {
          const scheduled = event.activityTaskScheduledEventAttributes;
          if (scheduled) activityTypes.set(String(event.eventId), scheduled.activityType?.name ?? '?');
          const started = event.activityTaskStartedEventAttributes;
          if (!started || (started.attempt ?? 1) <= 1 || !started.lastFailure) continue;
          const at = Number(event.eventTime?.seconds ?? 0) * 1_000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
          const name = activityTypes.get(String(started.scheduledEventId)) ?? '?';
          const timeout = started.lastFailure.timeoutFailureInfo;
          // timeoutType: 4 = HEARTBEAT, 1 = START_TO_CLOSE (enum values, or their names)
          const type = timeout ? String(timeout.timeoutType) : undefined;
          if (type && /HEARTBEAT|^4$/.test(type)) {
            figures.heartbeatTimeouts++;
            figures.retries.push(attribute(name, started.attempt ?? 0, at));
          } else if (type && /START_TO_CLOSE|^1$/.test(type)) {
            figures.startToCloseTimeouts++;
            figures.startToCloseByActivity[name] = (figures.startToCloseByActivity[name] ?? 0) + 1;
          } else {
            let kind = started.lastFailure.applicationFailureInfo?.type || (type ? `timeout ${type}` : 'other');
            // A plain Error says nothing by its type: add the start of its message (digits dropped, so that they group).
            if (kind === 'Error') kind = `Error: ${(started.lastFailure.message ?? '').replace(/[\d.:]+/g, '#').slice(0, 48)}`;
            figures.retriedAfterFailure[kind] = (figures.retriedAfterFailure[kind] ?? 0) + 1;
          }
        }
      }
    }),
  );
  return figures;
}

const quantile = (values: number[], q: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

/** Prints the counts and returns the violations (empty when the run is clean). */
export function printCounts(facts: RunFacts, counts: Counts, wallSeconds: number): string[] {
  const violations: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) violations.push(what);
  };
  const n = facts.plan.items;
  const c = facts.plan.content;
  const r = counts.report;
  const line = (label: string, value: string) => console.log(`  ${label.padEnd(34)} ${value}`);
  const statuses = (m: Map<number, number>) =>
    [...m.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([s, k]) => `${s}×${k}`)
      .join(' ') || '-';

  console.log(`\n== fault run: ${n} items + ${c} content items, wall time ${(wallSeconds / 60).toFixed(1)} min`);
  console.log('faults injected:');
  line('worker SIGKILLs', `${facts.kills} (processes spawned ${facts.workerSpawns}, exits on their own ${facts.unexpectedWorkerExits})`);
  for (const exit of facts.workerExitReasons)
    line(`  exit of ${exit.name} (+${((exit.at - facts.startedAt) / 1000).toFixed(0)} s)`, `code ${exit.code}: ${exit.lastLine}`);
  for (const o of facts.outages)
    line(o.outage === 'temporal' ? 'Temporal server restart' : `${o.outage} stopped`, `${o.seconds.toFixed(0)} s until ready again`);
  console.log('product list:');
  line('workflow', facts.listOutcome);
  line(
    'report',
    r
      ? `total ${r.total}, succeeded ${r.succeeded}, failed ${r.failed}, skipped ${r.skipped}, pending ${r.pending}${Object.keys(r.errorsByType).length ? `, errors ${JSON.stringify(r.errorsByType)}` : ''}`
      : 'MISSING',
  );
  line('items accounted for', `${counts.items.terminal} of ${counts.items.rows} list rows (of ${n} submitted)`);
  check(!!r && r.total === n && r.succeeded + r.failed + r.skipped === n, 'every item accounted for in the report');
  check(!!r && r.failed === 0 && r.skipped === 0, 'no item failed or skipped');
  check(counts.items.rows === n && counts.items.terminal === n, 'every list row terminal');
  // Lost: an item reported succeeded whose product row is missing; each store below is then
  // compared with the products PostgreSQL holds.
  const pgLost = counts.items.succeededWithoutProduct;
  const pgDup = counts.products.rows - counts.products.distinctUrls;
  line('PostgreSQL products', `${counts.products.rows} rows, lost ${pgLost}, duplicate ${pgDup}`);
  check(pgLost === 0 && pgDup === 0, 'PostgreSQL products: 0 lost, 0 duplicate');
  const esLost = counts.products.distinctUrls - counts.esProducts.distinctIds;
  const esDup = counts.esProducts.docs - counts.esProducts.distinctIds;
  line('Elasticsearch product documents', `${counts.esProducts.docs} docs, lost ${esLost}, duplicate ${esDup}`);
  check(esLost === 0 && esDup === 0, 'Elasticsearch products: 0 lost, 0 duplicate');
  const g = counts.graph;
  const nodeLost = counts.products.distinctUrls - g.distinctProducts;
  const nodeDup = g.products - g.distinctProducts + (g.brands - g.distinctBrands) + (g.categories - g.distinctCategories);
  line('Neo4j nodes', `${g.products} products, ${g.brands} brands, ${g.categories} categories; lost ${nodeLost}, duplicate ${nodeDup}`);
  check(nodeLost === 0 && nodeDup === 0, 'Neo4j nodes: 0 lost, 0 duplicate');
  const relLost = g.expectedMadeBy - g.madeBy + (g.expectedInCategory - g.inCategory);
  line(
    'Neo4j relationships',
    `${g.relationships} (MADE_BY ${g.madeBy}/${g.expectedMadeBy}, IN_CATEGORY ${g.inCategory}/${g.expectedInCategory}); lost ${relLost}, duplicate ${g.duplicateRelationships}`,
  );
  check(relLost === 0 && g.duplicateRelationships === 0, 'Neo4j relationships: 0 lost, 0 duplicate');

  console.log('content:');
  const outcomes: Record<string, number> = {};
  for (const o of facts.contentOutcomes.values()) outcomes[o] = (outcomes[o] ?? 0) + 1;
  line('workflow results', JSON.stringify(outcomes));
  check(outcomes.approved === c, 'every content item approved and its workflow completed');
  const perPlatform = (label: string, list: number[]) => {
    const exactlyOne = list.filter((k) => k === 1).length;
    const none = list.filter((k) => k === 0).length;
    const extra = list.reduce((sum, k) => sum + Math.max(0, k - 1), 0);
    line(
      `publications: ${label}`,
      `${list.reduce((a, b) => a + b, 0)} (exactly one for ${exactlyOne} of ${c}, missing ${none}, duplicate ${extra})`,
    );
    check(exactlyOne === c, `exactly one ${label} publication per content item`);
  };
  perPlatform('webhook stand-in', counts.publications.webhook);
  perPlatform('WordPress stand-in', counts.publications.wordpress);
  perPlatform('feed entries', counts.publications.feed);
  line('publication rows published', `${counts.publications.publishedRows} of ${3 * c}`);
  check(counts.publications.publishedRows === 3 * c, 'every (content, platform) publication recorded as published');
  const esContentLost = c - counts.esContent.distinctIds;
  line(
    'Elasticsearch content documents',
    `${counts.esContent.docs} docs, lost ${esContentLost}, duplicate ${counts.esContent.docs - counts.esContent.distinctIds}`,
  );
  check(esContentLost === 0 && counts.esContent.docs === counts.esContent.distinctIds, 'Elasticsearch content: 0 lost, 0 duplicate');
  line('audit events', `${counts.audit.rows} rows, ${counts.audit.distinctKeys} distinct, repeated ${counts.audit.repeatedEvents.length}`);
  for (const event of counts.audit.repeatedEvents) line('  repeated', event);
  check(counts.audit.rows === counts.audit.distinctKeys && counts.audit.repeatedEvents.length === 0, 'audit events appear once');

  console.log('workflows in the namespace:');
  line('by status', JSON.stringify(counts.workflows.byStatus));
  line(
    'still running (not entity workflows)',
    `${counts.workflows.running.length}${counts.workflows.running.length ? `: ${counts.workflows.running.slice(0, 5).join(', ')}` : ''}`,
  );
  line(
    'failed / timed out / terminated',
    `${counts.workflows.failed.length}${counts.workflows.failed.length ? `: ${counts.workflows.failed.slice(0, 5).join(', ')}` : ''}`,
  );
  check(counts.workflows.running.length === 0, 'no workflow stuck');
  check(counts.workflows.failed.length === 0, 'no workflow failed');

  console.log('API during the outages (status × count):');
  for (const sample of facts.samples) {
    line(
      sample.outage,
      `${statuses(sample.statuses)}${sample.malformed503.length ? `; 503 without problem+json/Retry-After: ${sample.malformed503.length}` : ''}`,
    );
    const bad = [...sample.statuses.keys()].filter((s) => s >= 500 && s !== 503);
    check(bad.length === 0, `${sample.outage}: no 5xx other than 503`);
    check(sample.malformed503.length === 0, `${sample.outage}: every 503 is problem+json with Retry-After`);
  }
  const pgSample = facts.samples.find((s) => s.outage === 'postgres down');
  if (pgSample) check((pgSample.statuses.get(503) ?? 0) > 0, 'the PostgreSQL outage was seen by the API (503s sampled)');
  line('all API answers of the run', statuses(facts.apiStatuses));
  for (const e of facts.unexpected5xx.slice(0, 10)) line('  5xx', e);
  check(facts.unexpected5xx.length === 0, 'no 5xx other than 503 in the whole run');

  const h = counts.heartbeats;
  if (h) {
    console.log('retried activities (from the workflow histories):');
    const afterKill = h.retries.filter((r) => r.cause === 'kill');
    const afterRestart = h.retries.filter((r) => r.cause === 'temporal restart');
    const other = h.retries.filter((r) => r.cause === 'other');
    const seconds = (list: HeartbeatRetry[]) => list.map((r) => r.seconds);
    const spread = (list: HeartbeatRetry[]) =>
      list.length ? `median ${quantile(seconds(list), 0.5).toFixed(1)} s, max ${quantile(seconds(list), 1).toFixed(1)} s` : '-';
    line('after a heartbeat timeout', `${h.heartbeatTimeouts}`);
    line('  put down to a worker kill', `${afterKill.length}; kill → retry started: ${spread(afterKill)}`);
    h.killOffsets.forEach((offset, i) => {
      const mine = afterKill.filter((r) => r.kill === i + 1).sort((a, b) => a.seconds - b.seconds);
      line(
        `    kill ${i + 1} (+${offset.toFixed(0)} s)`,
        mine.length
          ? `${mine.length} retried: ${mine.map((r) => r.seconds.toFixed(1)).join(', ')} s${mine.some((r) => r.during.length) ? ` (during ${[...new Set(mine.flatMap((r) => r.during))].join(', ')} down)` : ''}`
          : 'none (nothing of it was running, or its retries failed again and show as failures)',
      );
    });
    line('  put down to a Temporal restart', `${afterRestart.length}; end of restart → retry started: ${spread(afterRestart)}`);
    line('  after neither', `${other.length}${other.length ? `: ${other.map((r) => r.activity).join(', ')}` : ''}`);
    line(
      'after a start-to-close timeout',
      `${h.startToCloseTimeouts}${h.startToCloseTimeouts ? ` ${JSON.stringify(h.startToCloseByActivity)}` : ''}`,
    );
    line('after a failure (by type)', JSON.stringify(h.retriedAfterFailure));
    check(h.startToCloseTimeouts === 0, 'no activity waited for its start-to-close timeout');
  }
  line('chat stand-in calls', String(facts.chatCalls));

  console.log(
    violations.length === 0
      ? '\nRESULT: PASS — nothing lost, nothing duplicated, no stuck or failed workflow, no 5xx but 503'
      : `\nRESULT: FAIL — ${violations.length} violation(s):`,
  );
  for (const v of violations) console.log(`  ✗ ${v}`);
  return violations;
}
