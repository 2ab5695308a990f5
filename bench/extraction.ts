// Benchmark (not a test): product extraction accuracy and speed, in one run.
//   npm run bench:extraction -- [repeats=3]
// 1. Per-field accuracy on the page corpus (tests/fixtures/pages/corpus), pages with structured
//    data (JSON-LD, microdata, OpenGraph) and pages without, and how many pages crashed.
// 2. The price parser on every Intl (CLDR) locale × currency × amount × display, plus shop spellings.
// 3. CPU time per MB of extractProduct on generated 1 MB and 5 MB product pages, with complete
//    JSON-LD and without any structured data (the visible-HTML fallback does the work).
// The aims (issue 15): ≥ 98 % of fields with structured data, ≥ 85 % without, 0 crashes, a 5 MB
// page well under 1 s of CPU.
import { extractProduct, parsePrice } from '../src/extraction';
import { accuracy, CORPUS_FIELDS, loadCorpus, scorePage, type FieldResult } from '../tests/support/extraction-corpus';
import { intlPriceCases, SHOP_CASES } from '../tests/support/price-strings';
import { largeProductPage } from './large-page';

const pct = (ok: number, total: number) => (total ? `${((100 * ok) / total).toFixed(1)} %` : '–');

function corpusTable() {
  const corpus = loadCorpus();
  const results: { structured: boolean; result: FieldResult }[] = [];
  let crashes = 0;
  for (const page of corpus) {
    try {
      results.push(...scorePage(page, extractProduct).map((result) => ({ structured: page.structured, result })));
    } catch (error) {
      // scorePage catches what extraction throws on purpose; anything reaching here is a crash.
      crashes++;
      console.error(`${page.file}: ${(error as Error).stack}`);
    }
  }
  const structured = accuracy(results.filter((entry) => entry.structured).map((entry) => entry.result));
  const plain = accuracy(results.filter((entry) => !entry.structured).map((entry) => entry.result));
  console.log(
    `\nCorpus: ${corpus.length} pages (${corpus.filter((page) => page.structured).length} with structured data, ${corpus.filter((page) => !page.structured).length} without); crashes: ${crashes}`,
  );
  console.log('field          | structured data      | no structured data');
  console.log('---------------|----------------------|---------------------');
  for (const field of CORPUS_FIELDS) {
    const a = structured.perField.get(field);
    const b = plain.perField.get(field);
    if (!a && !b) continue;
    const cell = (entry?: { ok: number; total: number }) =>
      entry ? `${pct(entry.ok, entry.total).padStart(7)} (${entry.ok}/${entry.total})` : '      –';
    console.log(`${field.padEnd(14)} | ${cell(a).padEnd(20)} | ${cell(b)}`);
  }
  console.log(
    `${'all fields'.padEnd(14)} | ${`${pct(structured.ok, structured.total).padStart(7)} (${structured.ok}/${structured.total})`.padEnd(20)} | ${pct(plain.ok, plain.total).padStart(7)} (${plain.ok}/${plain.total})`,
  );
  for (const { result } of results.filter((entry) => !entry.result.ok))
    console.log(`  wrong: ${result.field} want ${JSON.stringify(result.want)} got ${JSON.stringify(result.got)}`);
}

function priceTable() {
  const cases = [...intlPriceCases(), ...SHOP_CASES];
  let amounts = 0;
  let currencies = 0;
  const started = process.cpuUsage();
  for (const { text, amount, currency, region } of cases) {
    const money = parsePrice(text, { hint: { region } });
    if (money?.amount === amount) amounts++;
    if (currency === undefined || money?.currency === currency) currencies++;
  }
  const cpu = process.cpuUsage(started);
  console.log(
    `\nPrice parser: ${cases.length} strings; amount right ${pct(amounts, cases.length)}, currency right ${pct(currencies, cases.length)}; ${((cpu.user + cpu.system) / cases.length).toFixed(1)} µs CPU per string`,
  );
}

function speedTable(repeats: number) {
  console.log('\nExtraction CPU time (median of runs):');
  console.log('page                     | size     | CPU ms  | CPU ms per MB');
  console.log('-------------------------|----------|---------|--------------');
  for (const bytes of [1_000_000, 5_000_000]) {
    for (const structuredData of [true, false]) {
      const html = largeProductPage({ bytes, structuredData });
      const times: number[] = [];
      for (let run = 0; run < repeats + 1; run++) {
        const started = process.cpuUsage();
        const product = extractProduct(html, 'https://peakline.example/p/granite-trail-runner-3');
        const cpu = process.cpuUsage(started);
        if (product.name.value !== 'Granite Trail Runner 3') throw new Error('wrong product on the large page');
        if (run > 0) times.push((cpu.user + cpu.system) / 1000); // the first run warms the JIT
      }
      const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
      const mb = html.length / 1e6;
      const label = structuredData ? 'complete JSON-LD' : 'no structured data';
      console.log(
        `${label.padEnd(24)} | ${`${mb.toFixed(2)} MB`.padEnd(8)} | ${median.toFixed(0).padStart(7)} | ${(median / mb).toFixed(0).padStart(7)}`,
      );
    }
  }
}

function main() {
  const repeats = Number(process.argv[2] ?? 3);
  corpusTable();
  priceTable();
  speedTable(repeats);
}

main();
