// Products given inline by a shop's feed (JSON lines or CSV) instead of a page to crawl: the
// same normalisation as extraction, with provenance 'feed'.
import { permanent } from '../errors';
import { toFields } from './fields';
import { normaliseAvailability, normaliseCurrency, parseAmount, resolveUrl } from './normalise';
import type { ExtractedProduct } from './types';

export interface FeedProduct {
  name?: string;
  description?: string;
  brand?: string;
  sku?: string;
  gtin?: string;
  price?: number | string;
  currency?: string;
  availability?: string;
  category?: string;
  images?: string[];
}

export function productFromFeed(inline: FeedProduct, itemKey: string): ExtractedProduct {
  const name = inline.name?.trim();
  if (!name) throw permanent('InvalidProductData', `feed item ${itemKey} has no name`, { itemKey });
  const price = inline.price === undefined || inline.price === '' ? undefined : parseAmount(inline.price);
  if (inline.price !== undefined && inline.price !== '' && price === undefined) {
    throw permanent('InvalidProductData', `feed item ${itemKey} has an unreadable price "${String(inline.price)}"`, { itemKey });
  }
  const images = (inline.images ?? [])
    .map((url) => resolveUrl(url, 'https://invalid.example/'))
    .filter((url): url is string => !!url && !url.startsWith('https://invalid.example/'));
  const fields = toFields(
    {
      name,
      description: inline.description?.trim() || undefined,
      brand: inline.brand?.trim() || undefined,
      sku: inline.sku?.trim() || undefined,
      gtin: inline.gtin?.trim() || undefined,
      price,
      currency: normaliseCurrency(inline.currency),
      availability: normaliseAvailability(inline.availability),
      category: inline.category?.trim() || undefined,
      images,
    },
    'feed',
  );
  return { ...fields, name: fields.name!, images: fields.images ?? [] };
}
