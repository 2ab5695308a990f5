// The LLM extraction fallback, an activity on the LLM queue: for a page whose structured data was
// missing or incomplete, the model reads the page's visible text and points at the product's
// fields; only values that occur on the page are kept (src/extraction/llm-fill.ts), and only in
// fields extraction left empty, with provenance 'llm'. Rejected values are returned for the record.
import { extractProductDetailed, fillFromLlm, pageEvidence, verifyLlmAnswer, type ExtractedProduct, type Rejection } from '../extraction';
import type { AiProvenance } from '../llm/gateway';
import type { ActivityDeps } from './deps';
import { callContext } from './llm';
import type { ExtractionSummary } from './product-crawl';

export interface LlmExtractionResult extends ExtractionSummary {
  llmFilled: string[];
  llmRejected: Rejection[];
  ai?: AiProvenance;
}

export function createProductLlmExtractActivities({ blobs, llm, config }: Pick<ActivityDeps, 'blobs' | 'llm' | 'config'>) {
  return {
    async completeExtractionWithLlm(input: {
      tenantId: string;
      htmlKey: string;
      pageUrl: string;
      extraction: ExtractionSummary;
    }): Promise<LlmExtractionResult> {
      const { extraction } = input;
      const html = (await blobs.get(input.htmlKey)).toString('utf8');
      const { page, hint } = extractProductDetailed(html, input.pageUrl);
      const product = await blobs.getJson<ExtractedProduct>(extraction.extractKey);
      const result = await llm.runTask(
        'extract',
        { pageUrl: input.pageUrl, title: page.title ?? '', text: page.visibleText.slice(0, 6_000) },
        callContext(input.tenantId),
      );
      const { values, rejected } = verifyLlmAnswer(result.output, pageEvidence(page), hint);
      const { product: completed, filled } = fillFromLlm(product, values);
      if (!filled.length) return { ...extraction, llmFilled: [], llmRejected: rejected, ai: result.ai };
      const stored = await blobs.putJson('extract', completed);
      return {
        ...extraction,
        extractKey: stored.key,
        imageUrls: completed.images.map((image) => image.value).slice(0, config.IMAGE_MAX_COUNT),
        fieldsFound: Object.entries(completed)
          .filter(([, value]) => value !== undefined && (!Array.isArray(value) || value.length > 0))
          .map(([field]) => field),
        llmFilled: filled,
        llmRejected: rejected,
        ai: result.ai,
      };
    },
  };
}
