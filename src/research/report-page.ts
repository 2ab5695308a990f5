// The research report as a readable HTML page: the LLM narrative (labelled AI-generated) with
// its citations, the analysis tables, and a price-distribution-per-category chart drawn in the
// browser by Chart.js from a JSON data block. Every value is escaped; no inline script or style
// (the page is served with a strict Content-Security-Policy).
import type { ResearchAnalysis } from './analysis';
import type { ReportDraft } from './report-check';

const escapeHtml = (value: string | number | boolean | null | undefined) =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON inside <script type="application/json">: "<" escaped so no text can close the element. */
const jsonData = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

interface StoredReport extends Partial<ReportDraft> {
  refused?: boolean;
  unavailable?: boolean;
  reason?: string;
  ai?: { model: string; promptVersion: string; generatedAt: string };
}

export interface ReportPageInput {
  runId: string;
  site: string;
  status: string;
  analysis: ResearchAnalysis | null;
  report: StoredReport | null;
  cost?: { costUsd?: number; promptTokens?: number; completionTokens?: number } | null;
  alerts: { research_product_id: string; previous_price: number; price: number; change_pct: number }[];
  /** Where the console's static files are served (report.css, report-chart.js, Chart.js). */
  assetBase: string;
}

/** The chart's data: per currency, one dataset per category over the price buckets. */
export function chartData(analysis: ResearchAnalysis) {
  return analysis.distribution.map((currency) => {
    const labels = [...new Map(currency.buckets.map((b) => [`${b.from}–${b.to}`, b.from])).entries()]
      .sort((a, b) => a[1] - b[1])
      .map(([label]) => label);
    const categories = [...new Set(currency.buckets.map((b) => b.category))].sort();
    return {
      currency: currency.currency,
      labels,
      datasets: categories.map((category) => ({
        label: category,
        data: labels.map((label) =>
          currency.buckets.filter((b) => b.category === category && `${b.from}–${b.to}` === label).reduce((sum, b) => sum + b.products, 0),
        ),
      })),
    };
  });
}

export function renderReportPage(input: ReportPageInput): string {
  const { analysis, report } = input;
  const productsById = new Map(analysis?.citable.map((p) => [p.researchProductId, p]) ?? []);
  const narrative = !report
    ? '<p class="muted">The report is not written yet.</p>'
    : report.refused || report.unavailable
      ? `<div class="refused"><h2>No narrative</h2><p>${report.refused ? "The model's report was refused because it stated figures the analysis did not produce: " : ''}${escapeHtml(report.reason)}</p></div>`
      : `<section class="narrative">
  <p class="ai-label">AI-generated (${escapeHtml(report.ai?.model)}, ${escapeHtml(report.ai?.promptVersion)}); every figure checked against the analysis below.</p>
  <h2>${escapeHtml(report.title)}</h2>
  <p>${escapeHtml(report.summary)}</p>
  <ol class="findings">${(report.findings ?? [])
    .map(
      (finding) =>
        `<li><p>${escapeHtml(finding.text)}</p>${
          finding.productIds.length || finding.urls.length
            ? `<p class="cites">Sources: ${[
                ...finding.productIds.map((id) => {
                  const product = productsById.get(id);
                  return product
                    ? `<a href="${escapeHtml(product.url)}" rel="noreferrer nofollow">${escapeHtml(product.name)}</a> <code>${escapeHtml(id)}</code>`
                    : `<code>${escapeHtml(id)}</code>`;
                }),
                ...finding.urls.map((url) => `<a href="${escapeHtml(url)}" rel="noreferrer nofollow">${escapeHtml(url)}</a>`),
              ].join(' · ')}</p>`
            : ''
        }</li>`,
    )
    .join('')}</ol>
</section>`;
  const table = (head: string[], rows: (string | number | null | undefined)[][]) =>
    `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const body = analysis
    ? `<section>
  <h2>Price distribution per category</h2>
  <div id="charts"></div>
  <script type="application/json" id="chart-data">${jsonData(chartData(analysis))}</script>
</section>
<section><h2>Counts</h2>${table(['pages fetched', 'failed', 'skipped', 'products', 'with price', 'brands', 'categories'], [[analysis.counts.pagesFetched, analysis.counts.pagesFailed, analysis.counts.pagesSkipped, analysis.counts.products, analysis.counts.productsWithPrice, analysis.counts.brands, analysis.counts.categories]])}</section>
<section><h2>Prices per category</h2>${table(
        ['category', 'currency', 'products', 'min', 'median', 'average', 'max'],
        analysis.priceByCategory.map((s) => [s.category, s.currency, s.products, s.min, s.median, s.avg, s.max]),
      )}</section>
<section><h2>Prices per brand</h2>${table(
        ['brand', 'currency', 'products', 'min', 'average', 'max'],
        analysis.priceByBrand.map((s) => [s.brand, s.currency, s.products, s.min, s.avg, s.max]),
      )}</section>
<section><h2>Assortment overlap with your catalogue</h2>
  <p>${escapeHtml(`${analysis.overlap.matched} of ${analysis.counts.products} competitor products match one of your ${analysis.overlap.ownProducts} (GTIN ${analysis.overlap.byMethod.gtin}, SKU ${analysis.overlap.byMethod.sku}, similarity ${analysis.overlap.byMethod.embedding}); cheaper there: ${analysis.overlap.cheaperThanOwn}, dearer there: ${analysis.overlap.dearerThanOwn}.`)}</p>
  ${table(
    ['competitor product', 'price', 'your product', 'your price', 'match', 'score'],
    analysis.overlap.examples.map((m) => [
      m.name,
      m.price === null ? '' : `${m.price} ${m.currency ?? ''}`,
      m.ownProductId,
      m.ownPrice ?? '',
      m.method,
      m.score,
    ]),
  )}
</section>
<section><h2>Changes since the previous snapshot</h2>${
        analysis.changes
          ? `<p>${escapeHtml(`Against ${analysis.changes.previousRunId}: ${analysis.changes.newProducts} new, ${analysis.changes.removedProducts} removed, ${analysis.changes.priceChanged} price changes.`)}</p>${table(
              ['product', 'before', 'now', 'change %'],
              analysis.changes.examples.map((c) => [c.name, c.previousPrice, c.price, c.changePct]),
            )}`
          : '<p class="muted">This is the first snapshot of the site.</p>'
      }</section>
${
  input.alerts.length
    ? `<section><h2>Price-watch alerts</h2>${table(
        ['product', 'before', 'now', 'change %'],
        input.alerts.map((a) => [
          productsById.get(a.research_product_id)?.name ?? a.research_product_id,
          a.previous_price,
          a.price,
          a.change_pct,
        ]),
      )}</section>`
    : ''
}`
    : '<p class="muted">The analysis is not ready yet.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Research of ${escapeHtml(input.site)} — ${escapeHtml(input.runId)}</title>
<link rel="stylesheet" href="${input.assetBase}/research/report.css">
<script src="${input.assetBase}/vendor/chart.umd.min.js" defer></script>
<script src="${input.assetBase}/research/report-chart.js" defer></script>
</head>
<body>
<header><h1>Site research: ${escapeHtml(input.site)}</h1><p class="muted">Run ${escapeHtml(input.runId)} · ${escapeHtml(input.status)}${input.cost?.costUsd !== undefined ? ` · LLM cost ${escapeHtml(input.cost.costUsd)} USD` : ''}</p></header>
<main>
${narrative}
${body}
</main>
</body>
</html>
`;
}
