// What a draft is written with: the author's choices where they made them, the learner's
// recommendation for the rest (tone, length, structure, posting time), and the brand's
// constraints as guidance for the model. The strategy is recorded with the content so that its
// engagement is credited back to it. The AI disclosure is untouched: drafts stay labelled.
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { Recommendation } from './bandit';
import { askForStrategy, type LearnerConfig } from './learners';
import {
  LENGTHS,
  LENGTH_NAMES,
  STRUCTURES,
  TONES,
  lengthForWords,
  nextPostingTime,
  type Strategy,
  type Structure,
  type Tone,
} from './model';
import { recordContentStrategy } from './store';

/** A strategy an author states for content they wrote themselves. */
export const StrategyInput = z
  .object({
    tone: z.enum(TONES),
    length: z.enum(LENGTH_NAMES as [string, ...string[]]),
    structure: z.enum(STRUCTURES),
    hourOfWeek: z.number().int().min(0).max(167),
  })
  .strict();

const STRUCTURE_GUIDANCE: Record<Structure, string> = {
  story: 'Tell it as a short story with a beginning, a turn and an end.',
  list: 'Structure it as a short numbered list of key points.',
  'how-to': 'Structure it as a how-to: numbered steps the reader can follow.',
  question: 'Open with a question to the reader, then answer it.',
  announcement: 'Write it as a concise announcement: the news first, details after.',
};

export interface DraftRequest {
  tenantId: string;
  contentId: string;
  brand: string;
  platforms: string[];
  brief?: string;
  tone?: string;
  maxWords?: number;
  structure?: Structure;
  publishAt?: string;
}

export interface DraftPlan {
  tone: string;
  maxWords: number;
  brief?: string;
  publishAt?: string;
  strategy: Strategy & {
    source: 'learner' | 'author' | 'none';
    brand: string;
    channel: string;
    uncertainty?: number;
    proposedPublishAt?: string;
  };
  /** Records the strategy with the content (after the content exists). */
  record(): Promise<void>;
}

/** A draft is answered promptly: a learner that does not answer in this time (no worker polls,
 *  the server is slow) leaves the author's choices and these defaults, and publishing at once. */
const ASK_LEARNER_WITHIN_MS = 5_000;
const UNLEARNT = { tone: 'friendly', maxWords: 200, structure: 'announcement' as Structure };

function askWithin<T>(ms: number, asking: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([asking.catch(() => undefined), late]).finally(() => clearTimeout(timer));
}

export async function planDraft(
  deps: { config: LearnerConfig; pg: Pool; temporal: Client },
  request: DraftRequest,
  now = new Date(),
): Promise<DraftPlan> {
  const channel = request.platforms[0]!;
  const authorDecidedAll =
    request.tone !== undefined && request.maxWords !== undefined && request.structure !== undefined && request.publishAt !== undefined;
  const recommendation: Recommendation | undefined = authorDecidedAll
    ? undefined
    : await askWithin(
        ASK_LEARNER_WITHIN_MS,
        askForStrategy(deps.temporal, deps.config, { tenantId: request.tenantId, brand: request.brand, channel }, request.contentId),
      );
  const learnt = recommendation?.strategy;
  const tone = request.tone ?? learnt?.tone ?? UNLEARNT.tone;
  const maxWords = request.maxWords ?? (learnt ? LENGTHS[learnt.length] : UNLEARNT.maxWords);
  const structure = request.structure ?? learnt?.structure ?? UNLEARNT.structure;
  const proposed = request.publishAt === undefined && learnt ? nextPostingTime(learnt.hourOfWeek, now).toISOString() : undefined;
  const publishAt = request.publishAt ?? proposed;
  const hourOfWeek = learnt?.hourOfWeek ?? hourOfWeekOf(publishAt ? new Date(publishAt) : now);

  const constraints = recommendation?.constraints;
  const guidance = [
    STRUCTURE_GUIDANCE[structure],
    constraints?.voiceNotes ? `Brand voice: ${constraints.voiceNotes}` : '',
    constraints?.bannedPhrases.length ? `Never use these phrases: ${constraints.bannedPhrases.map((p) => `"${p}"`).join(', ')}.` : '',
  ]
    .filter(Boolean)
    .join('\n');
  const brief = [request.brief, guidance].filter(Boolean).join('\n\n');

  // The strategy as the draft really uses it (a tone outside the catalogue is kept as written).
  const strategy: Strategy = { tone: tone as Tone, length: lengthForWords(maxWords), structure, hourOfWeek };
  const source = recommendation ? 'learner' : authorDecidedAll ? 'author' : 'none';
  return {
    tone,
    maxWords,
    brief,
    publishAt,
    strategy: { ...strategy, source, brand: request.brand, channel, uncertainty: recommendation?.uncertainty, proposedPublishAt: proposed },
    record: () =>
      recordContentStrategy(deps.pg, {
        tenantId: request.tenantId,
        contentId: request.contentId,
        brand: request.brand,
        channel,
        strategy,
        source,
        recommendation: recommendation
          ? { strategy: recommendation.strategy, uncertainty: recommendation.uncertainty, observations: recommendation.observations }
          : undefined,
      }),
  };
}

export const hourOfWeekOf = (at: Date) => ((at.getUTCDay() + 6) % 7) * 24 + at.getUTCHours();
