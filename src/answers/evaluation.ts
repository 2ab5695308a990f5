// The evaluation set for answers: the sample shop's curated products and a few approved
// articles as a tenant's knowledge, questions with the source ids a good answer cites (none
// for questions the knowledge cannot answer), and the measures the bench prints.
import type { Client as EsClient } from '@elastic/elasticsearch';
import type { Config } from '../config';
import type { CallContext } from '../llm/gateway';
import { curatedProducts } from '../sample-shop/catalog';
import { esIndices } from '../stores/elasticsearch';
import { sourceId } from './sources';

export const slugOf = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** Approved articles of the evaluation tenant (the first is the sample shop's own blog post). */
export const evaluationArticles = [
  {
    id: 'season-cast-iron',
    title: 'How to season a cast iron pan',
    text: 'A well-seasoned pan is practically non-stick and lasts for generations. Seasoning is thin layers of oil baked onto the iron until they polymerise. Scrub the pan with hot water, dry it on the stove, rub a very thin layer of neutral oil over every surface, bake upside down at 230 °C for one hour, let it cool in the oven and repeat two or three times.',
  },
  {
    id: 'leather-boot-care',
    title: 'Caring for leather boots',
    text: 'Brush off dirt after every wear, let wet boots dry slowly away from the radiator with cedar shoe trees inside, and feed oiled leather with wax or leather balm every few months. Resoling a Goodyear-welted boot keeps it going for decades.',
  },
  {
    id: 'sleeping-bag-ratings',
    title: 'Reading sleeping bag temperature ratings',
    text: 'The comfort rating is the lowest temperature at which an average sleeper stays warm in a relaxed position; the limit rating is for a curled-up sleeper. Pick a bag whose comfort rating is a few degrees below the coldest night you expect, and use a sleeping mat with enough insulation.',
  },
  {
    id: 'espresso-dialing-in',
    title: 'Dialling in espresso at home',
    text: 'Start with 18 g of coffee and aim for about 36 g of espresso in 25 to 30 seconds. If the shot runs fast and tastes sour, grind finer; if it runs slow and tastes bitter, grind coarser. A stable brew temperature from a PID controller makes the shots repeatable.',
  },
] as const;

export interface EvalQuestion {
  question: string;
  /** Source ids a correct answer cites; empty = the knowledge does not answer it ("not found"). */
  expected: string[];
}

const product = (name: string) => {
  if (!curatedProducts.some((spec) => spec.name === name)) throw new Error(`evaluation set: no sample-shop product ${name}`);
  return sourceId('product', slugOf(name));
};
const article = (id: (typeof evaluationArticles)[number]['id']) => sourceId('content', id);

export const evaluationQuestions: EvalQuestion[] = [
  { question: 'Which shoe is waterproof for trail running?', expected: [product('Trail Runner GTX')] },
  { question: 'Do you have white leather sneakers?', expected: [product('Court Classic Sneaker, White')] },
  { question: 'Rain boots for my kids', expected: [product("Kids' Rain Boot Frog Green")] },
  { question: 'How should I look after my leather Chelsea boots?', expected: [article('leather-boot-care'), product('Chelsea Boot in Oiled Leather')] },
  { question: 'How do I season a cast iron skillet?', expected: [article('season-cast-iron'), product('Cast Iron Skillet 28 cm')] },
  { question: 'Which Japanese chef knife with Damascus steel do you sell?', expected: [product("Gyuto Chef's Knife 210 mm")] },
  { question: 'Is there an espresso machine with PID temperature control?', expected: [product('Espresso Machine Barista Pro'), article('espresso-dialing-in')] },
  { question: 'My espresso tastes sour, what should I change?', expected: [article('espresso-dialing-in')] },
  { question: 'A kettle where I can set the water temperature', expected: [product('Electric Kettle 1.7 l, Brushed Steel')] },
  { question: 'Stand mixer for kneading bread dough', expected: [product('Stand Mixer & Dough Hook Set')] },
  { question: 'How do I dry salad leaves quickly?', expected: [product('Salad Spinner 5 l')] },
  { question: 'Closed-back headphones for studio monitoring', expected: [product('Closed-Back Studio Headphones SH-70')] },
  { question: 'A small waterproof bluetooth speaker', expected: [product('Pocket Bluetooth Speaker')] },
  { question: 'Turntable with a built-in phono preamp', expected: [product('Belt-Drive Turntable TT-3')] },
  { question: 'How can I clean my vinyl records?', expected: [product('Vinyl Record Cleaning Kit')] },
  { question: 'Soundbar with a wireless subwoofer for my TV', expected: [product('Soundbar 2.1 with Wireless Subwoofer')] },
  { question: 'Lightweight tent for two people', expected: [product('Ultralight Tent 2P')] },
  { question: 'Which sleeping bag keeps me warm below freezing, and how do I read its rating?', expected: [product('Down Sleeping Bag Comfort -5 °C'), article('sleeping-bag-ratings')] },
  { question: 'Rechargeable headlamp with a red light', expected: [product('Headlamp 400 lm Rechargeable')] },
  { question: 'Carbon trekking poles', expected: [product('Carbon Trekking Poles (pair)')] },
  { question: 'A mug I can put directly on my camping stove', expected: [product('Titanium Camping Mug 450 ml')] },
  { question: 'A book about baking sourdough bread', expected: [product('Sourdough Basics: Bread from Your Own Starter')] },
  { question: 'Star charts for stargazing', expected: [product('The Night Sky Atlas')] },
  { question: 'How can I identify the birds in my garden?', expected: [product('Field Guide to Garden Birds')] },
  { question: 'Book on clay glazes and kiln firing', expected: [product('The Ceramics Handbook')] },
  { question: 'What is the capital of Australia?', expected: [] },
  { question: 'How do I renew my passport?', expected: [] },
  { question: 'Which cryptocurrency should I invest in this year?', expected: [] },
  { question: 'What will the weather be like in Berlin tomorrow?', expected: [] },
  { question: 'Can you recommend a good car insurance policy?', expected: [] },
  { question: 'Who won the football world cup in 2014?', expected: [] },
];

/** Writes the evaluation knowledge as a tenant's products and approved content, in the shape the pipelines index them. */
export async function seedEvaluationKnowledge(
  deps: { es: EsClient; config: Pick<Config, 'ELASTICSEARCH_INDEX_PREFIX'>; llm: { embed(texts: string[], ctx: CallContext): Promise<number[][]> } },
  tenantId: string,
): Promise<{ products: number; articles: number }> {
  const indices = esIndices(deps.config);
  const productTexts = curatedProducts.map((spec) => [spec.name, spec.brand, spec.category, spec.description].filter(Boolean).join('\n'));
  const articleTexts = evaluationArticles.map((a) => `${a.title}\n${a.text}`);
  const vectors = await deps.llm.embed([...productTexts, ...articleTexts], { tenantId });
  const now = new Date().toISOString();
  const operations = [
    ...curatedProducts.flatMap((spec, i) => [
      { index: { _index: indices.products, _id: `${tenantId}:${slugOf(spec.name)}` } },
      {
        productId: slugOf(spec.name),
        tenantId,
        url: `sample-shop:/products/${slugOf(spec.name)}`,
        name: spec.name,
        description: spec.description,
        brand: spec.brand,
        category: spec.category,
        sku: spec.sku,
        price: spec.price,
        currency: spec.currency,
        availability: spec.availability,
        embedding: vectors[i],
        updatedAt: now,
      },
    ]),
    ...evaluationArticles.flatMap((a, i) => [
      { index: { _index: indices.documents, _id: `content:${tenantId}:${a.id}` } },
      { docId: a.id, tenantId, kind: 'content', title: a.title, text: a.text, embedding: vectors[curatedProducts.length + i], updatedAt: now },
    ]),
  ];
  const response = await deps.es.bulk({ operations, refresh: 'wait_for' });
  if (response.errors) throw new Error(`seeding the evaluation knowledge failed: ${JSON.stringify(response.items.find((item) => item.index?.error)?.index?.error)}`);
  return { products: curatedProducts.length, articles: evaluationArticles.length };
}

/** Share of the expected ids among the first k retrieved. */
export function recallAt(retrieved: readonly string[], expected: readonly string[], k: number): number {
  if (expected.length === 0) return 1;
  const top = new Set(retrieved.slice(0, k));
  return expected.filter((id) => top.has(id)).length / expected.length;
}

/** Share of cited ids that are expected; undefined when nothing was cited. */
export function citationPrecision(cited: readonly string[], expected: readonly string[]): number | undefined {
  if (cited.length === 0) return undefined;
  const wanted = new Set(expected);
  return cited.filter((id) => wanted.has(id)).length / cited.length;
}

/** Whether "found or not" was right: found exactly when the set expects sources. */
export const notFoundCorrect = (found: boolean, expected: readonly string[]) => found === expected.length > 0;
