// The suite's result rows: one figure each (measured ratio or value against its target), and
// notes (CPU per product, wall time per stage) printed after the table.

export interface Figure {
  /** G1 … G8, or LIST-10K. */
  id: string;
  name: string;
  /** The measured figure, printed as is (e.g. "0.42", "11.3 ms"). */
  measured: string;
  /** The bar, printed as is (e.g. "≥ 0.50"). */
  target: string;
  met: boolean;
  /** Side facts behind the figure (the two rates of a ratio, sizes). */
  detail?: string;
}

export interface BenchReport {
  figures: Figure[];
  notes: string[];
}

export const ratio = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : String(value));

/** ≥ or ≤ a bar, as a figure. */
export function atLeast(id: string, name: string, value: number, bar: number, detail?: string): Figure {
  return { id, name, measured: ratio(value), target: `≥ ${bar.toFixed(2)}`, met: value >= bar, detail };
}
export function atMost(id: string, name: string, value: number, bar: number, detail?: string): Figure {
  return { id, name, measured: ratio(value), target: `≤ ${bar.toFixed(2)}`, met: value <= bar, detail };
}

/** A Markdown table (the README carries it as printed). */
export function figureTable(figures: Figure[]): string {
  const rows = [
    ['figure', 'what', 'measured', 'target', 'met'],
    ...figures.map((f) => [f.id, f.name, f.measured, f.target, f.met ? 'yes' : 'NO']),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}
