// HTML building blocks of the sample shop: escaping, prices as shoppers read them, JSON-LD
// script blocks, and the page frame (head, header/nav, breadcrumbs, footer) every page shares.

export interface RenderContext {
  /** e.g. http://127.0.0.1:8099 (no trailing slash); absolute URLs on pages are built from it. */
  baseUrl: string;
}

export const SHOP_NAME = 'Sample Shop';
export const CATEGORIES = ['Shoes', 'Kitchen', 'Audio', 'Outdoor', 'Books'] as const;
export type Category = (typeof CATEGORIES)[number];
export type Currency = 'EUR' | 'USD' | 'GBP' | 'JPY';
export type Availability = 'in_stock' | 'out_of_stock' | 'preorder' | 'backorder' | 'discontinued';

export const categoryPath = (category: Category) => `/category/${category.toLowerCase()}.html`;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);

const PRICE_LOCALES: Record<Currency, string> = { EUR: 'de-DE', USD: 'en-US', GBP: 'en-GB', JPY: 'ja-JP' };

/** The price as the shop displays it, e.g. "129,95 €", "$54.00", "£64.99", "￥12,800". */
export function displayPrice(price: number, currency: Currency): string {
  return new Intl.NumberFormat(PRICE_LOCALES[currency], { style: 'currency', currency }).format(price);
}

/** The price as structured data usually carries it: "129.95", and "12800" for JPY (no minor unit). */
export const plainPrice = (price: number, currency: Currency) => (currency === 'JPY' ? String(Math.round(price)) : price.toFixed(2));

const SCHEMA_AVAILABILITY: Record<Availability, string> = {
  in_stock: 'InStock',
  out_of_stock: 'OutOfStock',
  preorder: 'PreOrder',
  backorder: 'BackOrder',
  discontinued: 'Discontinued',
};

/** schema.org availability in the spellings shops use: full https URL, old http URL, or the bare name. */
export function schemaAvailability(availability: Availability, form: 'https' | 'http' | 'short' = 'https'): string {
  const name = SCHEMA_AVAILABILITY[availability];
  return form === 'short' ? name : `${form}://schema.org/${name}`;
}

const STOCK_LABEL: Record<Availability, string> = {
  in_stock: 'In stock',
  out_of_stock: 'Out of stock',
  preorder: 'Available for pre-order',
  backorder: 'On back-order — ships in 3–4 weeks',
  discontinued: 'Discontinued',
};
export const stockLabel = (availability: Availability) => STOCK_LABEL[availability];

/** A JSON-LD block; "<" is escaped so no string in the data can close the script element. */
export function jsonLdScript(data: unknown): string {
  return `<script type="application/ld+json">\n${JSON.stringify(data, null, 2).replace(/</g, '\\u003c')}\n</script>`;
}

/** Check digit per GS1: 12 digits in, 13-digit GTIN out. */
export function gtin13(first12: string): string {
  const digits = first12.split('').map(Number);
  const sum = digits.reduce((total, digit, index) => total + digit * (index % 2 === 0 ? 1 : 3), 0);
  return `${first12}${(10 - (sum % 10)) % 10}`;
}

export interface Crumb {
  name: string;
  path?: string;
}

export interface PageFrame {
  path: string;
  title: string;
  metaDescription: string;
  /** Extra <head> content: structured data, OpenGraph tags. */
  head?: string;
  breadcrumbs?: Crumb[];
  main: string;
  /** Body class, e.g. "product-page". */
  kind?: string;
}

export function renderPage(ctx: RenderContext, frame: PageFrame): string {
  const nav = CATEGORIES.map((category) => `<li><a href="${categoryPath(category)}">${category}</a></li>`).join('');
  const crumbs = frame.breadcrumbs?.length
    ? `<nav class="breadcrumbs" aria-label="Breadcrumb"><ol>${frame.breadcrumbs
        .map((crumb) =>
          crumb.path
            ? `<li><a href="${escapeHtml(crumb.path)}">${escapeHtml(crumb.name)}</a></li>`
            : `<li aria-current="page">${escapeHtml(crumb.name)}</li>`,
        )
        .join('')}</ol></nav>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(frame.title)} | ${SHOP_NAME}</title>
<meta name="description" content="${escapeHtml(frame.metaDescription)}">
<link rel="canonical" href="${ctx.baseUrl}${escapeHtml(frame.path)}">
<link rel="stylesheet" href="/assets/site.css">
${frame.head ?? ''}
</head>
<body class="${frame.kind ?? 'page'}">
<header class="site-header">
<a class="logo" href="/">${SHOP_NAME}</a>
<nav class="main-nav" aria-label="Main"><ul>${nav}<li><a href="/blog/how-to-season-cast-iron.html">Journal</a></li></ul></nav>
<a class="cart" href="#cart">Cart (0)</a>
</header>
${crumbs}
<main>
${frame.main}
</main>
<footer class="site-footer">
<section class="service"><h2>Customer service</h2><ul><li>Free returns within 30 days</li><li>Delivery in 2–4 working days</li><li>Secure payment by card, PayPal or invoice</li></ul></section>
<section class="newsletter"><h2>Newsletter</h2><p>News about new arrivals and seasonal offers, about once a month. Unsubscribe at any time.</p></section>
<p class="legal">&copy; 2025 ${SHOP_NAME} Ltd. · All prices include VAT · <a href="/">Home</a></p>
</footer>
</body>
</html>
`;
}

export const SITE_CSS = `body{font-family:system-ui,sans-serif;margin:0;color:#222}
.site-header,.site-footer{background:#f4f1ec;padding:1rem 2rem}
.main-nav ul,.breadcrumbs ol{list-style:none;display:flex;gap:1rem;padding:0}
main{padding:1rem 2rem}.gallery img{max-width:320px;height:auto}
.price{font-size:1.5rem;font-weight:600}.visually-hidden{position:absolute;left:-9999px}
`;
