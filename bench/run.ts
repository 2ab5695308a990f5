// The performance suite (issue 16): G1, G2, G4–G8 and the large list, each measured as a ratio
// of two things run side by side in this one process, printed as one table.
//   npm run bench                    full sizes (the large list has 10,000 items)
//   npm run bench -- --quick         small sizes (the large list has 300 items, 100 per run)
//   npm run bench -- --only G2,G7    some figures only (G1 G2 G4 G5 G6 G7 G8 LIST)
//   npm run bench -- --only LIST --list-items 10000 --list-concurrency 32 [--list-dry-run]
// G4 and G5 share one bench (sinks and images on the same data). The box is shared: absolute
// figures move with its load (printed), the ratios much less.
import { parseArgs } from 'node:util';
import { benchApiStart } from './api-start';
import { benchLargeList } from './list-large';
import { benchListThroughput } from './list-throughput';
import { benchOrchestrationCeiling } from './orchestration-ceiling';
import { benchPipelineOverhead } from './pipeline-overhead';
import { benchReviewUpdates } from './review-updates';
import { benchSinks } from './sinks';
import { loadAverage } from './support/cpu';
import { figureTable, type BenchReport, type Figure } from './support/figures';

async function main() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      'list-items': { type: 'string' },
      'list-concurrency': { type: 'string' },
      'list-dry-run': { type: 'boolean', default: false },
    },
  });
  const quick = values.quick;
  const only = values.only
    ? new Set(
        values.only
          .toUpperCase()
          .split(',')
          .map((id) => (id === 'G5' ? 'G4' : id)),
      )
    : undefined;
  const listItems = Number(values['list-items'] ?? (quick ? 300 : 10_000));
  // G6 runs first: its stream is compared with a no-op round trip measured just before, and the
  // server's leftover work from the thousands of workflows of the other figures slowed the stream
  // alone (full size at 5462d08: p95 66 ms alone, 154 ms right after G1, 446 ms after G1–G5).
  // The table keeps the figures' order.
  const benches: [string, () => Promise<BenchReport>][] = [
    ['G6', () => benchReviewUpdates({ quick })],
    ['G1', () => benchOrchestrationCeiling({ quick })],
    ['G2', () => benchPipelineOverhead({ quick })],
    ['G4', () => benchSinks({ quick })],
    ['G7', () => benchApiStart({ quick })],
    ['G8', () => benchListThroughput({ quick })],
    [
      'LIST',
      () =>
        benchLargeList({
          items: listItems,
          concurrency: Number(values['list-concurrency'] ?? 16),
          itemsPerRun: quick ? 100 : undefined,
          dryRun: values['list-dry-run'],
        }),
    ],
  ];
  const figures: Figure[] = [];
  const notes: string[] = [];
  const started = Date.now();
  console.log(`bench suite (${quick ? 'quick' : 'full'}), ${new Date().toISOString()}, load average ${loadAverage()}`);
  for (const [id, run] of benches) {
    if (only && !only.has(id)) continue;
    const began = Date.now();
    try {
      const report = await run();
      figures.push(...report.figures);
      notes.push(...report.notes);
      for (const figure of report.figures)
        console.log(
          `  ${figure.id} ${figure.name}: ${figure.measured} (${figure.target}) ${figure.met ? 'met' : 'NOT met'} — ${figure.detail ?? ''}`,
        );
    } catch (error) {
      figures.push({ id, name: 'bench failed', measured: '—', target: '—', met: false, detail: String(error) });
      console.error(`${id} failed:`, error);
    }
    console.log(`  ${id} took ${((Date.now() - began) / 1000).toFixed(0)} s, load average now ${loadAverage()}`);
  }
  const order = (id: string) => ['G1', 'G2', 'G4', 'G5', 'G6', 'G7', 'G8', 'LIST'].indexOf(id);
  figures.sort((a, b) => order(a.id) - order(b.id)); // stable: a bench's own rows keep their order
  console.log('');
  console.log(figureTable(figures));
  console.log('');
  for (const figure of figures) if (figure.detail) console.log(`${figure.id}: ${figure.detail}`);
  for (const note of notes) console.log(note);
  console.log(
    `\nsuite took ${((Date.now() - started) / 60_000).toFixed(1)} min; load average at the end ${loadAverage()} (2 cores, shared)`,
  );
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
