// The vocabulary of content strategies: what a strategy is made of, and the brand constraints an
// admin sets. Shared by the learner workflow, the drafting service, the store and the report, so
// it stays free of I/O (workflow code imports it).
export const TONES = ['friendly', 'professional', 'playful', 'bold', 'informative', 'empathetic'] as const;
export type Tone = (typeof TONES)[number];

/** Length buckets and the word budget the draft is given for each. */
export const LENGTHS = { short: 80, medium: 200, long: 400 } as const;
export type Length = keyof typeof LENGTHS;
export const LENGTH_NAMES = Object.keys(LENGTHS) as Length[];

export const STRUCTURES = ['story', 'list', 'how-to', 'question', 'announcement'] as const;
export type Structure = (typeof STRUCTURES)[number];

/** Posting time is learnt in windows of the week (Monday 00:00 UTC = hour 0); 42 windows of 4 hours. */
export const POSTING_WINDOW_HOURS = 4;
export const POSTING_WINDOWS = 168 / POSTING_WINDOW_HOURS;

export interface Strategy {
  tone: Tone;
  length: Length;
  structure: Structure;
  /** Hour of the week, 0–167, Monday 00:00 UTC = 0. */
  hourOfWeek: number;
}

/** The dimensions the learner keeps one arm per value for. */
export type Dimension = 'tone' | 'length' | 'structure' | 'window';

export const armsOf: Record<Dimension, readonly string[]> = {
  tone: TONES,
  length: LENGTH_NAMES,
  structure: STRUCTURES,
  window: Array.from({ length: POSTING_WINDOWS }, (_, i) => String(i)),
};

export const windowOfHour = (hourOfWeek: number) => Math.floor((((hourOfWeek % 168) + 168) % 168) / POSTING_WINDOW_HOURS);
/** The hour a window recommends: its middle hour, rounded down. */
export const hourOfWindow = (window: number) => window * POSTING_WINDOW_HOURS + Math.floor(POSTING_WINDOW_HOURS / 2);

export function armValues(strategy: Strategy): Record<Dimension, string> {
  return { tone: strategy.tone, length: strategy.length, structure: strategy.structure, window: String(windowOfHour(strategy.hourOfWeek)) };
}

/** A short stable label, used as the report's strategy key. */
export const strategyKey = (s: Strategy) => `${s.tone}/${s.length}/${s.structure}/h${s.hourOfWeek}`;

export function lengthForWords(maxWords: number): Length {
  if (maxWords <= 120) return 'short';
  if (maxWords <= 300) return 'medium';
  return 'long';
}

/** Set by an admin through the learner's `setConstraints` Update. */
export interface BrandConstraints {
  /** Tones the learner may recommend; empty = every tone. */
  allowedTones: Tone[];
  /** Phrases the drafts must not use (passed to the drafting prompt). */
  bannedPhrases: string[];
  voiceNotes: string;
}

export const NO_CONSTRAINTS: BrandConstraints = { allowedTones: [], bannedPhrases: [], voiceNotes: '' };

export type ConstraintRefusal = { field: keyof BrandConstraints; message: string };

/** Why a constraints change is refused, or undefined when it is acceptable. */
export function refuseConstraints(next: BrandConstraints): ConstraintRefusal | undefined {
  const unknown = next.allowedTones.filter((tone) => !(TONES as readonly string[]).includes(tone));
  if (unknown.length) return { field: 'allowedTones', message: `unknown tones: ${unknown.join(', ')} (known: ${TONES.join(', ')})` };
  if (new Set(next.allowedTones).size !== next.allowedTones.length) return { field: 'allowedTones', message: 'each tone once' };
  if (next.bannedPhrases.length > 100) return { field: 'bannedPhrases', message: 'at most 100 banned phrases' };
  if (next.bannedPhrases.some((phrase) => !phrase.trim() || phrase.length > 200)) return { field: 'bannedPhrases', message: 'banned phrases are 1–200 characters' };
  if (next.voiceNotes.length > 2_000) return { field: 'voiceNotes', message: 'voice notes are at most 2,000 characters' };
  return undefined;
}

/** Tones the learner may pick from under these constraints. */
export const permittedTones = (constraints: BrandConstraints): readonly Tone[] => (constraints.allowedTones.length ? constraints.allowedTones : TONES);
