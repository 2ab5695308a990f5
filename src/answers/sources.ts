// Where answers look for sources: one entry per kind of knowledge, each an Elasticsearch index
// (or a slice of one) with its text fields. Retrieval runs BM25 and kNN over every entry and
// fuses the rankings; adding a kind of knowledge is one more entry here.
import type { EsIndices } from '../stores/elasticsearch';

export type SourceKind = 'product' | 'content' | 'research-report';

export interface AnswerSource {
  kind: SourceKind;
  index: (indices: EsIndices) => string;
  /** Filters besides the tenant (a slice of a shared index). */
  filter: Record<string, unknown>[];
  /** BM25 fields with their boosts. */
  textFields: string[];
  /** The document field holding the source's own id. */
  idField: string;
  /** Fields read back: a title, and the text the model is given. */
  titleOf(doc: Record<string, unknown>): string;
  textOf(doc: Record<string, unknown>): string;
  /** Where a reader can look the source up. */
  linkOf(doc: Record<string, unknown>): string | undefined;
}

const str = (value: unknown) =>
  typeof value === 'string' ? value : Array.isArray(value) ? value.filter((v) => typeof v === 'string').join('; ') : '';
const line = (label: string, value: unknown) =>
  str(value) || typeof value === 'number' ? `${label}: ${typeof value === 'number' ? value : str(value)}` : '';

export const answerSources: readonly AnswerSource[] = [
  {
    kind: 'product',
    index: (indices) => indices.products,
    filter: [],
    textFields: ['name^3', 'seoTitle^2', 'description', 'bullets', 'brand', 'category'],
    idField: 'productId',
    titleOf: (doc) => str(doc.name),
    textOf: (doc) =>
      [
        str(doc.name),
        line('Brand', doc.brand),
        line('Category', doc.category),
        typeof doc.price === 'number' ? `Price: ${doc.price} ${str(doc.currency)}`.trim() : '',
        line('Availability', doc.availability),
        str(doc.description),
        str(doc.bullets),
      ]
        .filter(Boolean)
        .join('\n'),
    linkOf: (doc) => (typeof doc.url === 'string' ? doc.url : undefined),
  },
  {
    kind: 'content',
    index: (indices) => indices.documents,
    filter: [{ term: { kind: 'content' } }], // approved content only: it is indexed on approval
    textFields: ['title^2', 'text'],
    idField: 'docId',
    titleOf: (doc) => str(doc.title),
    textOf: (doc) => [str(doc.title), str(doc.text)].filter(Boolean).join('\n'),
    linkOf: () => undefined,
  },
  // Research reports (the site research workflow indexes them as `research-report/<runId>`);
  // while none exist this finds nothing.
  {
    kind: 'research-report',
    index: (indices) => indices.documents,
    filter: [{ term: { kind: 'research-report' } }],
    textFields: ['title^2', 'text'],
    idField: 'docId',
    titleOf: (doc) => str(doc.title),
    textOf: (doc) => [str(doc.title), str(doc.text)].filter(Boolean).join('\n'),
    linkOf: (doc) =>
      typeof doc.docId === 'string'
        ? `/v1/research-runs/${encodeURIComponent(doc.docId.replace(/^research-report\//, ''))}/report.html`
        : undefined,
  },
];

/** Source ids carry their kind, so that a product and a text with equal ids stay apart
 *  (an id that already starts with its kind, as research reports' do, is not prefixed twice). */
export const sourceId = (kind: SourceKind, id: string) => `${kind}:${id.replace(new RegExp(`^${kind}/`), '')}`;
