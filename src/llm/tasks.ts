// The prompt registry: every LLM task of the pipelines with its versioned prompt template,
// its output schema (zod), and its sampling parameters. A change to a template is a new
// version, so recorded calls and the learning loop can tell versions apart.
import { z } from 'zod';
import { asData, untrustedDataRule } from './untrusted';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmTask<I, O> {
  name: string;
  promptVersion: string;
  output: z.ZodType<O>;
  /** A narrower schema for one input (e.g. citations limited to the given source ids). */
  outputFor?(input: I): z.ZodType<O>;
  temperature: number;
  maxTokens: number;
  /** Small models fall into repetition loops that run into maxTokens; a penalty curbs them. */
  frequencyPenalty?: number;
  render(input: I): ChatMessage[];
}

function task<I, O>(definition: LlmTask<I, O>): LlmTask<I, O> {
  return definition;
}

const system = (job: string): ChatMessage => ({ role: 'system', content: `${job}\n${untrustedDataRule}` });

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
    .array(z.object({ kind: z.enum(['grammar', 'spelling', 'style', 'tone']), excerpt: z.string().max(200), suggestion: z.string().max(200) }))
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
    output: SentimentOutput,
    temperature: 0,
    maxTokens: 120,
    render: ({ text }) => [
      system('You classify the sentiment of product text. score is -1 (negative) to 1 (positive); aspects are short phrases.'),
      { role: 'user', content: asData('product_text', text) },
    ],
  }),

  enhance: task<{ name: string; description: string; category?: string }, z.infer<typeof EnhancementOutput>>({
    name: 'enhance',
    promptVersion: 'enhance@1',
    output: EnhancementOutput,
    temperature: 0.3,
    maxTokens: 400,
    render: ({ name, description, category }) => [
      system('You write e-commerce SEO copy for a product: an SEO title, a meta description, 3-5 bullet points and tags. Stay factual: use only facts in the data.'),
      { role: 'user', content: [asData('product_name', name, 300), asData('category', category ?? '', 200), asData('description', description)].join('\n') },
    ],
  }),

  styleCheck: task<{ title: string; body: string; locale: string }, z.infer<typeof StyleCheckOutput>>({
    name: 'styleCheck',
    promptVersion: 'styleCheck@1',
    output: StyleCheckOutput,
    temperature: 0,
    maxTokens: 400,
    render: ({ title, body, locale }) => [
      system(`You review marketing text written in locale ${locale.replace(/[^A-Za-z_-]/g, '')} for grammar, spelling, style and tone. score 1 means flawless.`),
      { role: 'user', content: [asData('title', title, 300), asData('body', body)].join('\n') },
    ],
  }),

  draft: task<{ brief: string; tone: string; maxWords: number }, z.infer<typeof DraftOutput>>({
    name: 'draft',
    promptVersion: 'draft@1',
    output: DraftOutput,
    temperature: 0.7,
    maxTokens: 700,
    render: ({ brief, tone, maxWords }) => [
      system(`You draft marketing content from a brief, in a ${tone.replace(/[^A-Za-z -]/g, '')} tone, at most ${Math.floor(maxWords)} words.`),
      { role: 'user', content: asData('brief', brief) },
    ],
  }),

  report: task<{ topic: string; facts: string }, z.infer<typeof ReportOutput>>({
    name: 'report',
    promptVersion: 'report@1',
    output: ReportOutput,
    temperature: 0.2,
    maxTokens: 600,
    render: ({ topic, facts }) => [
      system('You write a short analytical report from the facts given: a title, a summary and key findings. Use only the facts.'),
      { role: 'user', content: [asData('topic', topic, 300), asData('facts', facts)].join('\n') },
    ],
  }),

  answer: task<{ question: string; sources: { id: string; text: string }[] }, z.infer<typeof AnswerOutput>>({
    name: 'answer',
    promptVersion: 'answer@1',
    output: AnswerOutput,
    outputFor: ({ sources }) =>
      sources.length === 0
        ? AnswerOutput.extend({ citations: z.array(z.string()).max(0) })
        : AnswerOutput.extend({ citations: z.array(z.enum(sources.map((source) => source.id) as [string, ...string[]])).max(10) }),
    temperature: 0.1,
    maxTokens: 500,
    render: ({ question, sources }) => [
      system('You answer the question using only the sources; cite the ids of the sources you used.'),
      { role: 'user', content: [asData('question', question, 1_000), ...sources.map((source) => asData(`source_${source.id}`, source.text, 2_000))].join('\n') },
    ],
  }),

  extract: task<{ pageUrl: string; title: string; text: string }, z.infer<typeof ProductExtractionOutput>>({
    name: 'extract',
    promptVersion: 'extract@1',
    output: ProductExtractionOutput,
    temperature: 0,
    maxTokens: 700,
    render: ({ pageUrl, title, text }) => [
      system(
        'You read the visible text of a shop page and copy out the main product\'s fields exactly as they are written on the page: ' +
          'name, brand, sku, gtin (EAN/UPC/ISBN digits), price and former list price (with their currency sign or code, as shown), ' +
          'availability and a short description copied from the page. Use null for anything the page does not show. Never guess or ' +
          'rephrase; isProduct is false when the page is not about one product (a listing, an article, an event, an invoice).',
      ),
      { role: 'user', content: [asData('page_url', pageUrl, 500), asData('page_title', title, 300), asData('page_text', text, 6_000)].join('\n') },
    ],
  }),
} as const;

export type LlmTaskName = keyof typeof llmTasks;
export type TaskInput<N extends LlmTaskName> = Parameters<(typeof llmTasks)[N]['render']>[0];
export type TaskOutput<N extends LlmTaskName> = z.infer<(typeof llmTasks)[N]['output']>;
