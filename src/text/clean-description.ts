// Product description clean-up: markup stripped (hidden parts dropped), entities decoded,
// whitespace normalised, and shop boilerplate that says nothing about the product removed.
import { visibleText } from './visible-text';

const BOILERPLATE = [
  /free (shipping|delivery|returns)[^.\n]*[.\n]?/gi,
  /(click|tap) here[^.\n]*[.\n]?/gi,
  /add to (cart|basket|bag)[^.\n]*/gi,
  /(sign up|subscribe) (for|to) our newsletter[^.\n]*[.\n]?/gi,
  /all rights reserved[^.\n]*/gi,
  /\bsku:\s*\S+/gi,
];

export function cleanDescription(raw: string, maxChars = 8_000): string {
  let text = /<[a-z!/][^>]*>/i.test(raw) ? visibleText(`<body>${raw}</body>`) : raw;
  for (const pattern of BOILERPLATE) text = text.replace(pattern, ' ');
  return text
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ *\n\s*/g, '\n')
    .replace(/\s+([.,;:!?])/g, '$1')
    .trim()
    .slice(0, maxChars);
}
