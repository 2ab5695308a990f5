// Public shapes of an extracted product, plus the plain value bag every source reader fills
// before provenance and confidence are attached.

export type Provenance = 'jsonld' | 'microdata' | 'og' | 'html' | 'feed' | 'llm';

export interface Field<T> {
  value: T;
  source: Provenance;
  /** 0..1: how far the value can be trusted, by source and by how it was obtained. */
  confidence: number;
}

export type Availability = 'in_stock' | 'out_of_stock' | 'preorder' | 'backorder' | 'discontinued';

export interface Rating {
  value: number;
  count?: number;
}

export interface ExtractedProduct {
  name: Field<string>;
  description?: Field<string>;
  brand?: Field<string>;
  sku?: Field<string>;
  gtin?: Field<string>;
  /** What a buyer pays now: the lowest offer price, the sale price during a sale. */
  price?: Field<number>;
  /** The former/regular price a sale price is shown against (only when higher than price). */
  listPrice?: Field<number>;
  /** The highest offer price when offers range (AggregateOffer highPrice, several offers). */
  highPrice?: Field<number>;
  /** ISO 4217, upper case. */
  currency?: Field<string>;
  availability?: Field<Availability>;
  /** Absolute URLs, de-duplicated, in page order. */
  images: Field<string>[];
  category?: Field<string>;
  rating?: Field<Rating>;
}

/** Plain values one source found; readers fill this, fields.ts turns it into Fields. */
export interface ProductValues {
  name?: string;
  description?: string;
  brand?: string;
  sku?: string;
  gtin?: string;
  price?: number;
  listPrice?: number;
  highPrice?: number;
  currency?: string;
  availability?: Availability;
  images?: string[];
  category?: string;
  rating?: Rating;
}

export type ScalarKey = Exclude<keyof ProductValues, 'images'>;

export const SCALAR_KEYS: readonly ScalarKey[] = [
  'name',
  'description',
  'brand',
  'sku',
  'gtin',
  'price',
  'listPrice',
  'highPrice',
  'currency',
  'availability',
  'category',
  'rating',
];

/** What one source contributes: its fields, and whether it says "this page is a product". */
export interface SourceDraft {
  source: Provenance;
  isProduct: boolean;
  fields: Partial<ExtractedProduct>;
  /** The name of the product this source describes, to tell whether two sources agree. */
  name?: string;
}
