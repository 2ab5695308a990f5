// Product extraction on the real-world-shaped corpus (tests/fixtures/pages/corpus): marketplace
// layouts without structured data, several products per page, sale prices, unusual currencies,
// pages that look like products but are not. Every expected field of every page is asserted; the
// per-field accuracy over the corpus must reach the aims (≥ 98 % with structured data,
// ≥ 85 % without). bench/extraction.ts prints the same table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractProduct } from '../src/extraction';
import { accuracy, loadCorpus, scorePage, type FieldResult } from './support/extraction-corpus';

const corpus = loadCorpus();

describe('extraction corpus', () => {
  it('when the corpus is loaded, then it holds at least 30 pages, each with its shop pattern and expected values', () => {
    assert.ok(corpus.length >= 30, `${corpus.length} pages`);
    for (const page of corpus) {
      assert.ok(page.pattern.length > 20, `${page.file}: pattern note`);
      assert.ok(page.notProduct || Object.keys(page.expect ?? {}).length >= 3, `${page.file}: expected values`);
    }
    assert.ok(corpus.filter((page) => !page.structured).length >= 10, 'pages without structured data');
    assert.ok(corpus.filter((page) => page.notProduct).length >= 4, 'pages that are not products');
  });

  const results: { structured: boolean; result: FieldResult }[] = [];
  for (const page of corpus) {
    it(`${page.file}: every expected field is right`, () => {
      const fields = scorePage(page, extractProduct);
      results.push(...fields.map((result) => ({ structured: page.structured, result })));
      const wrong = fields
        .filter((field) => !field.ok)
        .map((field) => `${field.field}: want ${JSON.stringify(field.want)}, got ${JSON.stringify(field.got)}`);
      assert.deepEqual(wrong, [], `${page.file} (${page.pattern.slice(0, 80)}…)`);
    });
  }

  it('when accuracy is counted per field, then pages with structured data reach 98 % and pages without reach 85 %', () => {
    assert.ok(results.length > 0);
    const structured = accuracy(results.filter((entry) => entry.structured).map((entry) => entry.result));
    const plain = accuracy(results.filter((entry) => !entry.structured).map((entry) => entry.result));
    for (const [field, { total }] of [...structured.perField, ...plain.perField]) assert.ok(total > 0, field);
    assert.ok(structured.ok / structured.total >= 0.98, `structured ${structured.ok}/${structured.total}`);
    assert.ok(plain.ok / plain.total >= 0.85, `without structured data ${plain.ok}/${plain.total}`);
  });
});
