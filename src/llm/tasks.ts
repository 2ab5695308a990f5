// The LLM tasks of the pipelines: each with its output schema (zod), its input rendering, and
// the prompt and sampling parameters of its first version. These versions are seeded into the
// registry in PostgreSQL (src/learning/registry-store.ts) as `production`; later versions live
// only there, immutable, and a change to a prompt is always a new version.
import { z } from 'zod';
import { asData, untrustedDataRule } from './untrusted';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmTask<I, O> {
  name: string;
  /** The version seeded into the registry as `production` (src/learning/registry-store.ts). */
  promptVersion: string;
  /** The system prompt's job text; {placeholders} are filled from the input by render. A
   *  registry version may carry other instructions for the same task. */
  instructions: string;
  /** Version of the output schema the instructions are written for. */
  schemaVersion: number;
  output: z.ZodType<O>;
  /** A narrower schema for one input (e.g. citations limited to the given source ids). */
  outputFor?(input: I): z.ZodType<O>;
  temperature: number;
  maxTokens: number;
  /** Small models fall into repetition loops that run into maxTokens; a penalty curbs them. */
  frequencyPenalty?: number;
  render(input: I, instructions: string): ChatMessage[];
}

function task<I, O>(definition: LlmTask<I, O>): LlmTask<I, O> {
  return definition;
}

const system = (job: string): ChatMessage => ({ role: 'system', content: `${job}\n${untrustedDataRule}` });

/** Fills {name} placeholders of instructions (unknown ones stay as written). */
export function fillInstructions(instructions: string, values: Record<string, string | number>): string {
  return instructions.replace(/\{([A-Za-z]+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}

export const SentimentOutput = z.object({
  label: z.enum(['positive', 'neutral', 'negative']),
  score: z.number().min(-1).max(1),
  aspects: z.array(z.string().max(60)).max(5),
});

export const EnhancementOutput = z.object({
  seoTitle: z.string().min(1).max(120),
  metaDescription: z.string().min(1).max(320),
  bullets: z.array(z.string().min(1).max(200)).min(1).max(6),
  tags: z.array(z.string().min(1).max(40)).max(10),
});

export const StyleCheckOutput = z.object({
  score: z.number().min(0).max(1),
  issues: z
    .array(
      z.object({ kind: z.enum(['grammar', 'spelling', 'style', 'tone']), excerpt: z.string().max(200), suggestion: z.string().max(200) }),
    )
    .max(10),
});

export const DraftOutput = z.object({
  title: z.string().min(1).max(150),
  body: z.string().min(1).max(6_000),
  summary: z.string().max(400),
});

export const ReportOutput = z.object({
  title: z.string().min(1).max(150),
  summary: z.string().min(1).max(2_000),
  findings: z.array(z.string().min(1).max(400)).max(10),
});

export const ResearchReportOutput = z.object({
  title: z.string().min(1).max(150),
  summary: z.string().min(1).max(1_500),
  findings: z
    .array(
      z.object({
        text: z.string().min(1).max(400),
        productIds: z.array(z.string().max(64)).max(5),
        urls: z.array(z.string().max(500)).max(5),
      }),
    )
    .min(1)
    .max(8),
});

export const AnswerOutput = z.object({
  answer: z.string().min(1).max(3_000),
  citations: z.array(z.string().max(100)).max(10),
});

/** Product fields read off a page without structured data. Values are copied as written on the
 *  page (a price with its currency sign), so that each can be checked against the page's text. */
export const ProductExtractionOutput = z.object({
  isProduct: z.boolean(),
  name: z.string().max(300).nullable(),
  brand: z.string().max(100).nullable(),
  sku: z.string().max(60).nullable(),
  gtin: z.string().max(24).nullable(),
  price: z.string().max(40).nullable(),
  listPrice: z.string().max(40).nullable(),
  availability: z.enum(['in_stock', 'out_of_stock', 'preorder', 'backorder', 'discontinued']).nullable(),
  description: z.string().max(2_000).nullable(),
});

export const llmTasks = {
  sentiment: task<{ text: string }, z.infer<typeof SentimentOutput>>({
    name: 'sentiment',
    promptVersion: 'sentiment@1',
    instructions: 'You classify the sentiment of product text. score is -1 (negative) to 1 (positive); aspects are short phrases.',
    schemaVersion: 1,
    output: SentimentOutput,
    temperature: 0,
    maxTokens: 120,
    render: ({ text }, instructions) => [system(instructions), { role: 'user', content: asData('product_text', text) }],
  }),

  enhance: task<{ name: string; description: string; category?: string }, z.infer<typeof EnhancementOutput>>({
    name: 'enhance',
    promptVersion: 'enhance@1',
    instructions:
      'You write e-commerce SEO copy for a product: an SEO title, a meta description, 3-5 bullet points and tags. Stay factual: use only facts in the data.',
    schemaVersion: 1,
    output: EnhancementOutput,
    temperature: 0.3,
    maxTokens: 400,
    render: ({ name, description, category }, instructions) => [
      system(instructions),
      {
        role: 'user',
        content: [asData('product_name', name, 300), asData('category', category ?? '', 200), asData('description', description)].join(
          '\n',
        ),
      },
    ],
  }),

  styleCheck: task<{ title: string; body: string; locale: string }, z.infer<typeof StyleCheckOutput>>({
    name: 'styleCheck',
    promptVersion: 'styleCheck@1',
    instructions: 'You review marketing text written in locale {locale} for grammar, spelling, style and tone. score 1 means flawless.',
    schemaVersion: 1,
    output: StyleCheckOutput,
    temperature: 0,
    maxTokens: 400,
    render: ({ title, body, locale }, instructions) => [
      system(fillInstructions(instructions, { locale: locale.replace(/[^A-Za-z_-]/g, '') })),
      { role: 'user', content: [asData('title', title, 300), asData('body', body)].join('\n') },
    ],
  }),

  draft: task<{ brief: string; tone: string; maxWords: number }, z.infer<typeof DraftOutput>>({
    name: 'draft',
    promptVersion: 'draft@1',
    instructions: 'You draft marketing content from a brief, in a {tone} tone, at most {maxWords} words.',
    schemaVersion: 1,
    output: DraftOutput,
    temperature: 0.7,
    maxTokens: 700,
    render: ({ brief, tone, maxWords }, instructions) => [
      system(fillInstructions(instructions, { tone: tone.replace(/[^A-Za-z -]/g, ''), maxWords: Math.floor(maxWords) })),
      { role: 'user', content: asData('brief', brief) },
    ],
  }),

  report: task<{ topic: string; facts: string }, z.infer<typeof ReportOutput>>({
    name: 'report',
    promptVersion: 'report@1',
    instructions: 'You write a short analytical report from the facts given: a title, a summary and key findings. Use only the facts.',
    schemaVersion: 1,
    output: ReportOutput,
    temperature: 0.2,
    maxTokens: 600,
    render: ({ topic, facts }, instructions) => [
      system(instructions),
      { role: 'user', content: [asData('topic', topic, 300), asData('facts', facts)].join('\n') },
    ],
  }),

  researchReport: task<{ site: string; facts: string; correction?: string }, z.infer<typeof ResearchReportOutput>>({
    name: 'researchReport',
    promptVersion: 'researchReport@1',
    instructions:
      'You write a competitor research report from the analysis facts given: a title, a summary and 3-6 findings. ' +
      'Every number you write must be copied exactly from the facts; do not compute, round or invent numbers. ' +
      'Each finding cites the product ids and URLs (from the facts) it is about.',
    schemaVersion: 1,
    output: ResearchReportOutput,
    temperature: 0.2,
    maxTokens: 700,
    render: ({ site, facts, correction }, instructions) => [
      system(instructions),
      {
        role: 'user',
        content: [asData('site', site, 300), asData('facts', facts), ...(correction ? [asData('correction', correction, 1_000)] : [])].join(
          '\n',
        ),
      },
    ],
  }),

  answer: task<{ question: string; sources: { id: string; text: string }[] }, z.infer<typeof AnswerOutput>>({
    name: 'answer',
    promptVersion: 'answer@1',
    instructions: 'You answer the question using only the sources; cite the ids of the sources you used.',
    schemaVersion: 1,
    output: AnswerOutput,
    outputFor: ({ sources }) =>
      sources.length === 0
        ? AnswerOutput.extend({ citations: z.array(z.string()).max(0) })
        : AnswerOutput.extend({ citations: z.array(z.enum(sources.map((source) => source.id) as [string, ...string[]])).max(10) }),
    temperature: 0.1,
    maxTokens: 500,
    render: ({ question, sources }, instructions) => [
      system(instructions),
      {
        role: 'user',
        content: [asData('question', question, 1_000), ...sources.map((source) => asData(`source_${source.id}`, source.text, 2_000))].join(
          '\n',
        ),
      },
    ],
  }),

  extract: task<{ pageUrl: string; title: string; text: string }, z.infer<typeof ProductExtractionOutput>>({
    name: 'extract',
    promptVersion: 'extract@1',
    instructions:
      "You read the visible text of a shop page and copy out the main product's fields exactly as they are written on the page: " +
      'name, brand, sku, gtin (EAN/UPC/ISBN digits), price and former list price (with their currency sign or code, as shown), ' +
      'availability and a short description copied from the page. Use null for anything the page does not show. Never guess or ' +
      'rephrase; isProduct is false when the page is not about one product (a listing, an article, an event, an invoice).',
    schemaVersion: 1,
    output: ProductExtractionOutput,
    temperature: 0,
    maxTokens: 700,
    render: ({ pageUrl, title, text }, instructions) => [
      system(instructions),
      {
        role: 'user',
        content: [asData('page_url', pageUrl, 500), asData('page_title', title, 300), asData('page_text', text, 6_000)].join('\n'),
      },
    ],
  }),
} as const;

export type LlmTaskName = keyof typeof llmTasks;
export type TaskInput<N extends LlmTaskName> = Parameters<(typeof llmTasks)[N]['render']>[0];
export type TaskOutput<N extends LlmTaskName> = z.infer<(typeof llmTasks)[N]['output']>;
