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

/** Posting time (hour of the week, Monday 00:00 UTC = 0) is learnt as two factors: the day, and
 *  the part of the day in blocks of 4 hours. 7 + 6 values learn far faster than 168 hours, and
 *  audiences tend to have a day effect and a time-of-day effect. */
export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const DAYPART_HOURS = 4;
export const DAYPARTS = ['00-04', '04-08', '08-12', '12-16', '16-20', '20-24'] as const;

export interface Strategy {
  tone: Tone;
  length: Length;
  structure: Structure;
  /** Hour of the week, 0–167, Monday 00:00 UTC = 0. */
  hourOfWeek: number;
}

/** The dimensions the learner keeps one arm per value for. */
export type Dimension = 'tone' | 'length' | 'structure' | 'day' | 'daypart';

export const armsOf: Record<Dimension, readonly string[]> = {
  tone: TONES,
  length: LENGTH_NAMES,
  structure: STRUCTURES,
  day: DAYS,
  daypart: DAYPARTS,
};

const hourIn = (hourOfWeek: number) => ((Math.floor(hourOfWeek) % 168) + 168) % 168;
export const dayOfHour = (hourOfWeek: number) => DAYS[Math.floor(hourIn(hourOfWeek) / 24)]!;
export const daypartOfHour = (hourOfWeek: number) => DAYPARTS[Math.floor((hourIn(hourOfWeek) % 24) / DAYPART_HOURS)]!;
/** The hour a (day, daypart) recommends: the middle of the block. */
export const hourOf = (day: string, daypart: string) =>
  DAYS.indexOf(day as (typeof DAYS)[number]) * 24 +
  DAYPARTS.indexOf(daypart as (typeof DAYPARTS)[number]) * DAYPART_HOURS +
  DAYPART_HOURS / 2;

export function armValues(strategy: Strategy): Record<Dimension, string> {
  return {
    tone: strategy.tone,
    length: strategy.length,
    structure: strategy.structure,
    day: dayOfHour(strategy.hourOfWeek),
    daypart: daypartOfHour(strategy.hourOfWeek),
  };
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
  if (next.bannedPhrases.some((phrase) => !phrase.trim() || phrase.length > 200))
    return { field: 'bannedPhrases', message: 'banned phrases are 1–200 characters' };
  if (next.voiceNotes.length > 2_000) return { field: 'voiceNotes', message: 'voice notes are at most 2,000 characters' };
  return undefined;
}

/** Tones the learner may pick from under these constraints. */
export const permittedTones = (constraints: BrandConstraints): readonly Tone[] =>
  constraints.allowedTones.length ? constraints.allowedTones : TONES;

/** The next time the week reaches `hourOfWeek` (UTC), at least `leadMs` from now. */
export function nextPostingTime(hourOfWeek: number, now: Date, leadMs = 5 * 60_000): Date {
  const weekStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - ((now.getUTCDay() + 6) % 7) * 86_400_000;
  let at = weekStart + hourIn(hourOfWeek) * 3_600_000;
  while (at < now.getTime() + leadMs) at += 7 * 86_400_000;
  return new Date(at);
}
