// Product feeds as list input: JSON lines or CSV, one item per line/row, each with a URL to
// crawl or inline product fields (name, price, …) that need no crawl.
import { parse as parseCsv } from 'csv-parse/sync';

export class FeedError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'FeedError';
  }
}

export type FeedFormat = 'jsonl' | 'csv';

const INLINE_FIELDS = ['name', 'description', 'brand', 'sku', 'gtin', 'price', 'currency', 'availability', 'category', 'images'] as const;

/** One feed record → a list item: `{url, key}` to crawl, or `{key, inline}` (key defaults to the SKU). */
function toItem(record: Record<string, unknown>, line: number): Record<string, unknown> {
  const text = (value: unknown) => (value === undefined || value === null || value === '' ? undefined : value);
  const url = text(record.url);
  const key = text(record.key) ?? text(record.sku);
  if (url !== undefined) return { url, ...(key === undefined ? {} : { key }) };
  const inline: Record<string, unknown> = {};
  for (const field of INLINE_FIELDS) {
    const value = text(record[field]);
    if (value === undefined) continue;
    inline[field] =
      field === 'images' && typeof value === 'string'
        ? value
            .split('|')
            .map((part) => part.trim())
            .filter(Boolean)
        : value;
  }
  if (Object.keys(inline).length === 0) throw new FeedError('has neither a url nor product fields', line);
  if (key === undefined) throw new FeedError('an item without url needs a key or a sku', line);
  return { key, inline };
}

export function parseFeed(body: string, format: FeedFormat): Record<string, unknown>[] {
  if (format === 'csv') {
    let rows: Record<string, string>[];
    try {
      rows = parseCsv(body, {
        columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
        skip_empty_lines: true,
        trim: true,
        bom: true,
      });
    } catch (error) {
      throw new FeedError(`not valid CSV: ${(error as Error).message}`);
    }
    return rows.map((row, index) => toItem(row, index + 2)); // line 1 is the header
  }
  const items: Record<string, unknown>[] = [];
  body.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw new FeedError('not valid JSON', index + 1);
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record))
      throw new FeedError('each line must be a JSON object', index + 1);
    items.push(toItem(record as Record<string, unknown>, index + 1));
  });
  return items;
}
