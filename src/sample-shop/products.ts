// The product model behind every sample-shop page, and what a correct extractor should find
// for it. Page builders (pages.ts) publish a product in one of the shapes real shops use.
import type { Availability, Category, Currency } from './html';

export interface ProductImage {
  /** File name under /img/; the extension gives the format (.jpg → JPEG, .png → PNG). */
  file: string;
  width: number;
  height: number;
  /**
   * How the page spells the URL: root-relative "/img/x.jpg" (default), document-relative
   * "../img/x.jpg", absolute "http://127.0.0.1:port/img/x.jpg", or protocol-relative "//127.0.0.1:port/img/x.jpg".
   */
  ref?: 'root' | 'relative' | 'absolute' | 'protocol';
  /** Referenced by the page but not served: the shop answers 404 for it. */
  missing?: boolean;
  /** Alt text; defaults to the product name. */
  alt?: string;
}

export interface ProductSpec {
  name: string;
  description: string;
  category: Category;
  brand?: string;
  sku?: string;
  gtin?: string;
  /** Lowest price a shopper can pay; JPY prices are whole numbers. */
  price?: number;
  currency?: Currency;
  availability?: Availability;
  images: ProductImage[];
  rating?: { value: number; count: number };
}

export interface ExpectedProduct {
  name: string;
  price?: number;
  currency?: string;
  brand?: string;
  sku?: string;
  gtin?: string;
  availability?: Availability;
  /** Top-level category (Shoes, Kitchen, Audio, Outdoor, Books): from the product data, else the breadcrumbs. */
  category?: string;
  /** Distinct image URLs the page gives for the product once resolved against the page URL (404s included). */
  imageCount: number;
  ratingValue?: number;
  reviewCount?: number;
}

/** The extractor's target for a product: fields the page does not state are left out. */
export function expectedOf(product: ProductSpec): ExpectedProduct {
  const expected: ExpectedProduct = { name: product.name, imageCount: product.images.length, category: product.category };
  if (product.price !== undefined) expected.price = product.price;
  if (product.currency !== undefined) expected.currency = product.currency;
  if (product.brand !== undefined) expected.brand = product.brand;
  if (product.sku !== undefined) expected.sku = product.sku;
  if (product.gtin !== undefined) expected.gtin = product.gtin;
  if (product.availability !== undefined) expected.availability = product.availability;
  if (product.rating) {
    expected.ratingValue = product.rating.value;
    expected.reviewCount = product.rating.count;
  }
  return expected;
}

export const imagePath = (image: ProductImage) => `/img/${image.file}`;
export const imageFormat = (image: ProductImage): 'jpeg' | 'png' => (image.file.endsWith('.png') ? 'png' : 'jpeg');

/** The image URL as the page at pagePath writes it. */
export function imageUrl(baseUrl: string, pagePath: string, image: ProductImage): string {
  switch (image.ref ?? 'root') {
    case 'root':
      return imagePath(image);
    case 'relative': {
      const depth = pagePath.split('/').length - 2; // "/products/x.html" → 1
      return `${'../'.repeat(depth)}img/${image.file}`;
    }
    case 'absolute':
      return `${baseUrl}${imagePath(image)}`;
    case 'protocol':
      return `${baseUrl.replace(/^https?:/, '')}${imagePath(image)}`;
  }
}
