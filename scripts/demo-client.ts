// The demo's client side: waits for the API, submits the sample shop's catalogue as a product
// list, draws a progress bar from the list's progress query, and prints the report, the error
// ledger and the Temporal UI link of the run.
//   tsx scripts/demo-client.ts <apiUrl> <shopUrl> [--no-llm] [--research]
// With --research, a site research run against the shop follows (the list just processed is
// the tenant's own catalogue it compares with): crawl, analysis, matches, report and its page.
import { loadDevSigningKey } from '../src/auth/keys';
import { mintToken } from '../src/auth/tokens';
import { loadConfig } from '../src/config';

const [api = 'http://127.0.0.1:8080', shop = 'http://127.0.0.1:8099', ...flags] = process.argv.slice(2);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let auth: Record<string, string> = {};

async function getJson<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { ...init, headers: { ...auth, ...init?.headers } });
  return { status: response.status, body: (await response.json()) as T };
}

async function waitFor(url: string, what: string, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(500);
  }
  throw new Error(`${what} not ready after ${timeoutMs / 1000}s: ${last}`);
}

function bar(done: number, total: number, width = 30): string {
  const filled = total ? Math.round((done / total) * width) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
}

interface Progress {
  succeeded: number;
  failed: number;
  status: string;
  inFlight: { itemKey: string }[];
}

async function main() {
  await waitFor(`${shop}/robots.txt`, 'sample shop');
  await waitFor(`${api}/readyz`, 'API');
  // The demo acts as an editor of tenant "demo", with a development token (what `npm run token` mints).
  const config = loadConfig();
  auth = {
    authorization: `Bearer ${await mintToken(await loadDevSigningKey(config.JWT_DEV_KEY_DIR), config, { sub: 'demo', tenant: 'demo', roles: ['editor'] })}`,
  };
  const catalog = await getJson<{ urls: string[] }>(`${shop}/catalog.json`);
  // Listing pages are not product pages; everything else goes in, the awkward ones included.
  const urls = catalog.body.urls.filter((url) => !/\/(category\/[^/]+\.html)?$/.test(new URL(url).pathname));
  const llm = !flags.includes('--no-llm');
  const listId = `demo-${Date.now().toString(36)}`;
  const started = await getJson<{ workflowId: string; temporalUi: string; items: number }>(`${api}/v1/product-lists`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ listId, tenantId: 'demo', items: urls.map((url) => ({ url })), options: { llm, concurrency: 8 } }),
  });
  if (started.status !== 202) throw new Error(`start failed: ${started.status} ${JSON.stringify(started.body)}`);
  console.log(`[demo] list ${listId}: ${started.body.items} pages from the sample shop, LLM enrichment ${llm ? 'on' : 'off'}`);
  console.log(`[demo] Temporal UI: ${started.body.temporalUi}`);

  const tty = process.stdout.isTTY;
  let lastLine = '';
  for (;;) {
    const read = await getJson<{ status: string; progress?: Progress; report?: unknown }>(`${api}/v1/product-lists/${listId}`);
    const p = read.body.progress;
    if (p) {
      const line = `${bar(p.succeeded + p.failed, started.body.items)}  ok ${p.succeeded}  failed ${p.failed}  in flight ${p.inFlight.length}  ${p.status}`;
      if (tty) process.stdout.write(`\r${line}`);
      else if (line !== lastLine) console.log(line);
      lastLine = line;
    }
    if (read.body.status !== 'running') break;
    await sleep(tty ? 500 : 2_000);
  }
  if (tty) process.stdout.write('\n');

  const report = await getJson<Record<string, unknown>>(`${api}/v1/product-lists/${listId}/report`);
  console.log('[demo] report:', JSON.stringify(report.body, null, 2));
  const ledger = await (await fetch(`${api}/v1/product-lists/${listId}/errors`, { headers: auth })).text();
  const rows = ledger.trim()
    ? ledger
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>)
    : [];
  console.log(`[demo] error ledger (${rows.length}):`);
  for (const row of rows)
    console.log(
      `  ${String(row.stage).padEnd(8)} ${String(row.error_type).padEnd(18)} attempts ${String(row.attempts)}  ${String(row.url)}`,
    );
  console.log(`[demo] Temporal UI: ${started.body.temporalUi}`);
  console.log(`[demo] CLI: .stack/bin/temporal workflow list --query "BusinessId='${listId}'"`);
  console.log(
    `[demo] API description: ${api}/openapi.json · reviewer console: ${api}/console/ (token: npm run token -- --sub bob --tenant demo --role reviewer)`,
  );
  if (flags.includes('--research')) await research(tty);
}

interface ResearchView {
  status: string;
  progress?: {
    stage: string;
    pages: { fetched: number; failed: number; skipped: number; pending: number; maxPages: number };
    products: number;
    etaSeconds: number;
  };
  cost: { costUsd: number; estimatedTotalUsd: number; tokens: number };
}

/** A site research run against the sample shop, compared with the list just stored. */
async function research(tty: boolean) {
  const runId = `demo-research-${Date.now().toString(36)}`;
  const started = await getJson<{ workflowId: string; temporalUi: string }>(`${api}/v1/research-runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      runId,
      request: { startUrls: [`${shop}/`], sitemap: true, scope: { maxDepth: 2, maxPages: 60 }, concurrency: 4 },
    }),
  });
  if (started.status !== 202) throw new Error(`research start failed: ${started.status} ${JSON.stringify(started.body)}`);
  console.log(`\n[demo] research run ${runId} of ${shop}: Temporal UI ${started.body.temporalUi}`);
  let lastLine = '';
  let view: ResearchView;
  for (;;) {
    view = (await getJson<ResearchView>(`${api}/v1/research-runs/${runId}`)).body;
    const p = view.progress;
    if (p) {
      const line = `${p.stage.padEnd(7)} ${bar(p.pages.fetched + p.pages.failed, Math.min(p.pages.maxPages, p.pages.fetched + p.pages.failed + p.pages.pending))}  products ${p.products}  ETA ${p.etaSeconds}s  cost ${view.cost.costUsd} USD (est. ${view.cost.estimatedTotalUsd})`;
      if (tty) process.stdout.write(`\r${line.padEnd(lastLine.length)}`);
      else if (line !== lastLine) console.log(line);
      lastLine = line;
    }
    if (view.status !== 'running') break;
    await sleep(tty ? 500 : 2_000);
  }
  if (tty) process.stdout.write('\n');
  const got = (
    await getJson<{
      analysis: {
        counts: Record<string, number>;
        overlap: { matched: number; byMethod: Record<string, number> };
        priceByCategory: { category: string; currency: string; products: number; avg: number }[];
      };
      report?: { title?: string; findings?: { text: string }[]; refused?: boolean; unavailable?: boolean; reason?: string };
    }>(`${api}/v1/research-runs/${runId}/report`)
  ).body;
  console.log(
    `[demo] research ${view.status}: ${JSON.stringify(got.analysis.counts)}; matched to own catalogue: ${got.analysis.overlap.matched} ${JSON.stringify(got.analysis.overlap.byMethod)}`,
  );
  for (const s of got.analysis.priceByCategory)
    console.log(`  ${s.category.padEnd(10)} ${s.currency}  ${String(s.products).padStart(3)} products, average ${s.avg}`);
  if (got.report?.refused)
    console.log(`[demo] LLM report refused by the report check (numbers and citations must come from the analysis): ${got.report.reason}`);
  else if (got.report?.unavailable) console.log(`[demo] no LLM report: ${got.report.reason}`);
  else if (got.report?.title)
    console.log(
      `[demo] LLM report (AI-generated): ${got.report.title}\n${(got.report.findings ?? []).map((f) => `  - ${f.text}`).join('\n')}`,
    );
  console.log(`[demo] cost ${view.cost.costUsd} USD for ${view.cost.tokens} tokens (LLM_PRICE_INPUT_PER_1K / LLM_PRICE_OUTPUT_PER_1K)`);
  console.log(
    `[demo] report page: ${api}/v1/research-runs/${runId}/report.html?access_token=${auth.authorization!.slice('Bearer '.length)}`,
  );
  console.log(`[demo] CLI: .stack/bin/temporal workflow list --query "WorkflowKind='research-run' AND BusinessId='${runId}'"`);
}

main().catch((error) => {
  console.error(`\n[demo] failed: ${(error as Error).message}`);
  process.exit(1);
});
