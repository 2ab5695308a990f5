// Sensitive-word lexicons, one JSON file per locale (`<dir>/<locale>.json`). Matching is on
// whole words after Unicode normalisation and case folding, so "Guaranteed" matches
// "guaranteed" but "unguaranteed" does not. A locale without a file falls back to its language
// ("de-AT" → "de"), then to English.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { permanent } from '../errors';
import type { SensitiveCheck } from './model';

const LexiconFile = z.object({
  locale: z.string().min(2),
  note: z.string().optional(),
  terms: z.array(z.object({ term: z.string().min(1), severity: z.enum(['block', 'flag']) })),
});
export type Lexicon = z.infer<typeof LexiconFile>;

export const BUILT_IN_LEXICON_DIR = path.join(__dirname, 'lexicons');

const normalise = (text: string) => text.normalize('NFKC').toLocaleLowerCase('und');
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function createLexicons(dir: string = BUILT_IN_LEXICON_DIR) {
  const cache = new Map<string, Promise<Lexicon | undefined>>();

  async function load(locale: string): Promise<Lexicon | undefined> {
    if (!/^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$/.test(locale)) throw permanent('InvalidLocale', `not a locale: ${locale}`);
    const file = path.join(dir, `${locale.toLowerCase()}.json`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const parsed = LexiconFile.safeParse(JSON.parse(text));
    if (!parsed.success) throw permanent('InvalidLexicon', `${file}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  }

  const cached = (locale: string) => {
    if (!cache.has(locale)) cache.set(locale, load(locale));
    return cache.get(locale)!;
  };

  async function lexiconFor(locale: string): Promise<Lexicon> {
    const candidates = [locale, locale.split(/[_-]/)[0]!, 'en'];
    for (const candidate of candidates) {
      const lexicon = await cached(candidate);
      if (lexicon) return lexicon;
    }
    return { locale: 'none', terms: [] };
  }

  return {
    lexiconFor,
    async scan(text: string, locale: string): Promise<SensitiveCheck['matches']> {
      const lexicon = await lexiconFor(locale);
      const haystack = normalise(text);
      return lexicon.terms
        .filter(({ term }) => new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(normalise(term))}(?![\\p{L}\\p{N}])`, 'u').test(haystack))
        .map(({ term, severity }) => ({ term, severity, locale: lexicon.locale }));
    },
  };
}

export type Lexicons = ReturnType<typeof createLexicons>;
