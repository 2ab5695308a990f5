// The research report may state only numbers the analysis produced, and cite only products of
// the snapshot. A pure check: the report activity refuses (re-asks, then fails typed) on a miss.

export interface ReportFinding {
  text: string;
  productIds: string[];
  urls: string[];
}

export interface ReportDraft {
  title: string;
  summary: string;
  findings: ReportFinding[];
}

export type ReportVerdict =
  { ok: true } | { ok: false; unsupportedNumbers: string[]; unknownProductIds: string[]; unknownUrls: string[]; problem: string };

const URL_PATTERN = /\bhttps?:\/\/\S+/gi;
/** A number standing on its own: not part of a word, id or path (x100, 2p, /gen/12). */
const NUMBER_PATTERN =
  /(?<![A-Za-z0-9_/.#-])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![A-Za-z0-9_/])|(?<![A-Za-z0-9_/.#-])-?\d+(?:\.\d+)?(?![A-Za-z0-9_/])/g;

/** The numbers a text states, as written ("1,299.00", "-12.5"); URLs are left out. */
export function numbersIn(text: string): string[] {
  return [...text.replace(URL_PATTERN, ' ').matchAll(NUMBER_PATTERN)].map((match) => match[0].replace(/[.]$/, ''));
}

const valueOf = (written: string) => Number(written.replace(/,/g, ''));
/** One spelling per value: 1299, 1,299.00 and 1299.0 are the same figure. */
const key = (value: number) => (Math.round(value * 100) / 100).toFixed(2);

/** Every figure the facts contain, sign-less (a report may say "fell by 12.5" for -12.5). */
export function figuresOf(facts: string): Set<string> {
  const figures = new Set<string>();
  for (const written of numbersIn(facts)) figures.add(key(Math.abs(valueOf(written))));
  for (const url of facts.match(URL_PATTERN) ?? [])
    for (const written of url.match(/\d+(?:\.\d+)?/g) ?? []) figures.add(key(valueOf(written)));
  return figures;
}

/** Refuses a report that states a number the facts do not contain, or cites a product / URL
 *  outside the snapshot (in its citations or written in its text). Numbers are compared as values (1,299.00 = 1299), not rounded. */
export function checkReport(report: ReportDraft, facts: string, citable: { ids: Set<string>; urls: Set<string> }): ReportVerdict {
  const figures = figuresOf(facts);
  const texts = [report.title, report.summary, ...report.findings.map((finding) => finding.text)];
  const unsupportedNumbers = [...new Set(texts.flatMap(numbersIn).filter((written) => !figures.has(key(Math.abs(valueOf(written))))))];
  const unknownProductIds = [...new Set(report.findings.flatMap((finding) => finding.productIds).filter((id) => !citable.ids.has(id)))];
  // A URL written into the text is a citation too: a model that cannot fill the urls field
  // writes invented addresses into the prose instead.
  const writtenUrls = texts.flatMap((text) => (text.match(URL_PATTERN) ?? []).map((url) => url.replace(/[).,;:!?'"\]]+$/, '')));
  const cited = [...report.findings.flatMap((finding) => finding.urls), ...writtenUrls];
  const unknownUrls = [...new Set(cited.filter((url) => !citable.urls.has(url)))];
  if (unsupportedNumbers.length === 0 && unknownProductIds.length === 0 && unknownUrls.length === 0) return { ok: true };
  const problems = [
    unsupportedNumbers.length ? `numbers not in the analysis: ${unsupportedNumbers.join(', ')}` : '',
    unknownProductIds.length ? `product ids not in the snapshot: ${unknownProductIds.join(', ')}` : '',
    unknownUrls.length ? `URLs not in the snapshot: ${unknownUrls.join(', ')}` : '',
  ].filter(Boolean);
  return { ok: false, unsupportedNumbers, unknownProductIds, unknownUrls, problem: problems.join('; ') };
}
