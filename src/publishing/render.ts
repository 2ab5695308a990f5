// The article body is plain text (or light Markdown, shown as typed); platforms that take HTML
// get it escaped into paragraphs, so nothing in the text can become markup, and AI-drafted
// text ends with a visible disclosure paragraph.
import type { PublishRequest } from './adapter';

export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const disclosureParagraph = (notice: string) => `<p class="ai-disclosure"><em>${escapeHtml(notice)}</em></p>`;

/** Blank lines separate paragraphs, single newlines become line breaks. */
export function renderHtml(request: { body: string; aiNotice?: string | null }): string {
  const paragraphs = request.body
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br />')}</p>`);
  if (request.aiNotice) paragraphs.push(disclosureParagraph(request.aiNotice));
  return paragraphs.join('\n');
}

/** A short HTML summary: the start of the text (cut at a word, whole characters only) and,
 *  however long the text, the disclosure. */
export function renderSummaryHtml(request: { body: string; aiNotice?: string | null }, maxChars = 300): string {
  const text = request.body.replace(/\s+/g, ' ').trim();
  const chars = [...text];
  let excerpt = text;
  if (chars.length > maxChars) {
    const cut = chars.slice(0, maxChars).join('');
    const atWord = cut.replace(/\s+\S*$/, '');
    excerpt = `${atWord.length > maxChars / 2 ? atWord : cut}…`;
  }
  const parts = [`<p>${escapeHtml(excerpt)}</p>`];
  if (request.aiNotice) parts.push(disclosureParagraph(request.aiNotice));
  return parts.join('\n');
}

export const aiNoticeOf = (request: Pick<PublishRequest, 'aiDisclosure'>) => request.aiDisclosure?.notice ?? null;
