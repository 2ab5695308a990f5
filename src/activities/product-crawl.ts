// Crawl-side activities of a product item: fetch the page, extract the product, optimise its
// images. Everything large goes to the blob store; results carry keys and small summaries.
import { heartbeat } from '@temporalio/activity';
import sharp from 'sharp';
import { permanent } from '../errors';
import { extractProductDetailed, LLM_FILLABLE, productFromFeed, type ExtractedProduct, type FeedProduct } from '../extraction';
import type { ActivityDeps } from './deps';

export interface FetchedPage {
  htmlKey: string;
  finalUrl: string;
  bytes: number;
}

export interface ExtractionSummary {
  extractKey: string;
  name: string;
  imageUrls: string[];
  fieldsFound: string[];
  /** Fields the LLM extraction fallback may fill: set only when structured data was missing or
   *  incomplete and the visible-HTML fallback left these empty. */
  llmFillable?: string[];
}

export interface OptimisedImage {
  source: string;
  key: string;
  thumbKey: string;
  width: number;
  height: number;
}

const FULL_WIDTH = 1200;
const THUMB_WIDTH = 300;

export function createProductCrawlActivities({ fetcher, blobs, config, pg }: Pick<ActivityDeps, 'fetcher' | 'blobs' | 'config' | 'pg'>) {
  async function summarise(product: ExtractedProduct): Promise<ExtractionSummary> {
    const stored = await blobs.putJson('extract', product);
    return {
      extractKey: stored.key,
      name: product.name.value,
      imageUrls: product.images.map((image) => image.value).slice(0, config.IMAGE_MAX_COUNT),
      fieldsFound: Object.entries(product)
        .filter(([, value]) => value !== undefined && (!Array.isArray(value) || value.length > 0))
        .map(([field]) => field),
    };
  }

  return {
    async fetchProductPage({ url }: { url: string }): Promise<FetchedPage> {
      const page = await fetcher.fetch(url, { accept: 'text/html,application/xhtml+xml' });
      if (!/html/i.test(page.contentType)) {
        throw permanent('NotHtml', `expected an HTML page at ${url}, got ${page.contentType || 'no content type'}`, { url });
      }
      const stored = await blobs.put('html', 'html', page.body);
      return { htmlKey: stored.key, finalUrl: page.finalUrl, bytes: stored.bytes };
    },

    async extractProduct({ htmlKey, pageUrl }: { htmlKey: string; pageUrl: string }): Promise<ExtractionSummary> {
      const html = (await blobs.get(htmlKey)).toString('utf8');
      const result = extractProductDetailed(html, pageUrl);
      const summary = await summarise(result.product);
      const fillable = LLM_FILLABLE.filter((field) => result.product[field] === undefined);
      // A missing GTIN or former price alone (most products have none on the page) is no reason for a model call.
      const worthACall = fillable.some((field) => field !== 'gtin' && field !== 'listPrice');
      return result.structuredIncomplete && worthACall ? { ...summary, llmFillable: fillable } : summary;
    },

    /** A feed item's inline fields, read from the list (not from history), as an extraction. */
    async adoptFeedProduct({ listId, itemKey }: { listId: string; itemKey: string }): Promise<ExtractionSummary> {
      const { rows } = await pg.query<{ inline: FeedProduct | null }>(
        'SELECT inline FROM product_list_items WHERE list_id = $1 AND item_key = $2',
        [listId, itemKey],
      );
      if (!rows[0]?.inline) throw permanent('InvalidProductData', `feed item ${itemKey} of list ${listId} has no inline fields`);
      return summarise(productFromFeed(rows[0].inline, itemKey));
    },

    /** Downloads up to IMAGE_MAX_COUNT images; one broken image is skipped, not fatal. */
    async optimiseImages({
      imageUrls,
    }: {
      imageUrls: string[];
    }): Promise<{ images: OptimisedImage[]; skipped: { source: string; reason: string }[] }> {
      const images: OptimisedImage[] = [];
      const skipped: { source: string; reason: string }[] = [];
      for (const source of imageUrls.slice(0, config.IMAGE_MAX_COUNT)) {
        heartbeat({ source });
        try {
          const fetched = await fetcher.fetch(source, { accept: 'image/*', maxBytes: config.IMAGE_MAX_BYTES });
          const input = sharp(fetched.body, { limitInputPixels: 50_000_000 }).rotate(); // honour EXIF orientation
          const full = await input
            .clone()
            .resize({ width: FULL_WIDTH, withoutEnlargement: true })
            .webp({ quality: 80 })
            .toBuffer({ resolveWithObject: true });
          const thumb = await input
            .clone()
            .resize({ width: THUMB_WIDTH, height: THUMB_WIDTH, fit: 'cover' })
            .webp({ quality: 70 })
            .toBuffer();
          const [fullBlob, thumbBlob] = await Promise.all([blobs.put('img', 'webp', full.data), blobs.put('img/thumb', 'webp', thumb)]);
          images.push({ source, key: fullBlob.key, thumbKey: thumbBlob.key, width: full.info.width, height: full.info.height });
        } catch (error) {
          const reason = (error as { type?: string }).type ?? (error as Error).message;
          // A transient failure of one image should retry the activity; a permanent one skips the image.
          if ((error as { retryable?: boolean }).retryable === true) throw error;
          skipped.push({ source, reason });
        }
      }
      return { images, skipped };
    },
  };
}
