// The text a shopper actually sees on a page: what the LLM may read. Comments, scripts,
// hidden elements and attribute text (alt, title) are dropped, so instructions planted where
// no person would see them never reach a prompt. (Visible text still goes in as data only.)
import { load } from 'cheerio';

const NEVER_VISIBLE = 'script, style, noscript, template, iframe, object, svg, head, [hidden], [aria-hidden="true"], input[type="hidden"]';
const HIDDEN_STYLE = /(display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9])|opacity\s*:\s*0(?![.\d]*[1-9]))/i;

export function visibleText(html: string, maxChars = 20_000): string {
  const $ = load(html);
  $(NEVER_VISIBLE).remove();
  $('[style]').each((_, element) => {
    if (HIDDEN_STYLE.test($(element).attr('style') ?? '')) $(element).remove();
  });
  // Block elements end a line, so words from adjacent blocks do not run together.
  $('br, p, div, li, h1, h2, h3, h4, h5, h6, tr, section, article').after('\n');
  const text = $('body').length ? $('body').text() : $.root().text();
  return text
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ *\n[\s]*/g, '\n')
    .trim()
    .slice(0, maxChars);
}
