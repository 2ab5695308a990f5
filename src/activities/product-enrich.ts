// Text and AI enrichment of a product item: clean-up, sentiment and enhancement (LLM).
// AI results carry their provenance (model, prompt version) and are labelled AI-generated.
import type { ExtractedProduct } from '../extraction';
import type { AiProvenance } from '../llm/gateway';
import { cleanDescription } from '../text/clean-description';
import type { ActivityDeps } from './deps';
import { runDecided, type DecisionRef } from './learning';
import { callContext } from './llm';

export interface SentimentSummary {
  label: 'positive' | 'neutral' | 'negative';
  score: number;
  ai: AiProvenance;
}

export function createProductEnrichActivities({ blobs, llm, pg }: Pick<ActivityDeps, 'blobs' | 'llm' | 'pg'>) {
  const productOf = (extractKey: string) => blobs.getJson<ExtractedProduct>(extractKey);

  return {
    async cleanProductText({ extractKey }: { extractKey: string }): Promise<{ textKey: string; chars: number }> {
      const product = await productOf(extractKey);
      const text = cleanDescription(product.description?.value ?? '');
      const stored = await blobs.put('text', 'txt', text);
      return { textKey: stored.key, chars: text.length };
    },

    async analyzeProductSentiment({
      tenantId,
      extractKey,
      decision,
    }: {
      tenantId: string;
      extractKey: string;
      decision?: DecisionRef;
    }): Promise<SentimentSummary | null> {
      const product = await productOf(extractKey);
      const text = cleanDescription(product.description?.value ?? '');
      if (!text) return null; // nothing to judge: no model call, no cost
      const result = await runDecided({ llm, pg }, 'sentiment', { text }, callContext(tenantId), decision);
      return { label: result.output.label, score: result.output.score, ai: result.ai };
    },

    async enhanceProduct({
      tenantId,
      extractKey,
      decision,
    }: {
      tenantId: string;
      extractKey: string;
      decision?: DecisionRef;
    }): Promise<{ enhancementKey: string; ai: AiProvenance }> {
      const product = await productOf(extractKey);
      const result = await runDecided(
        { llm, pg },
        'enhance',
        { name: product.name.value, description: cleanDescription(product.description?.value ?? ''), category: product.category?.value },
        callContext(tenantId),
        decision,
      );
      const stored = await blobs.putJson('enhancement', { ...result.output, ai: result.ai });
      return { enhancementKey: stored.key, ai: result.ai };
    },
  };
}
