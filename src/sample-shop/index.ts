// A realistic product website served over loopback, for the product pipeline's tests, demo and
// benchmark: curated pages in the shapes real shops publish (with a manifest of what a correct
// extractor finds on each), awkward behaviours (404, flaky 500s, redirects, SSRF bait, a hanging
// page, robots.txt), generated images, and a generated catalogue of 100,000 product pages.
export { startSampleShop, ROBOTS_TXT, type SampleShop, type SampleShopOptions } from './server';
export { sampleShopCatalog, type CatalogPage, type PageBehaviour, type PageShape } from './catalog';
export type { ExpectedProduct } from './products';
export { sampleShopImages, type ShopImage } from './images';
export { GENERATED_PAGE_COUNT, generatedCatalogPage, generatedPath, generatedProduct } from './generated';
