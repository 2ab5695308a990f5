// Product images of the sample shop: real JPEG/PNG files of the declared sizes, drawn with sharp
// (a solid colour derived from the file name, with a lighter block in the middle) once per
// process and kept in memory.
import sharp from 'sharp';
import { curatedProducts } from './catalog';
import { generatedImage } from './generated';
import { imageFormat, imagePath, type ProductImage } from './products';

export interface ShopImage {
  /** e.g. /img/trail-runner-1.jpg */
  path: string;
  width: number;
  height: number;
  format: 'jpeg' | 'png';
}

function registry(): ShopImage[] {
  const byPath = new Map<string, ShopImage>();
  const add = (image: ProductImage) => {
    if (image.missing) return;
    const entry: ShopImage = { path: imagePath(image), width: image.width, height: image.height, format: imageFormat(image) };
    const known = byPath.get(entry.path);
    if (known && (known.width !== entry.width || known.height !== entry.height)) throw new Error(`sample shop: ${entry.path} declared with two sizes`);
    byPath.set(entry.path, entry);
  };
  curatedProducts.forEach((product) => product.images.forEach(add));
  for (let n = 0; n < 10; n += 1) add(generatedImage(n));
  return [...byPath.values()];
}

/** Every image the shop serves (images a page references but the shop 404s are not here). */
export const sampleShopImages: readonly ShopImage[] = registry();

function colourOf(name: string): { r: number; g: number; b: number } {
  let hash = 0x811c9dc5;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return { r: 40 + (hash & 0x9f), g: 40 + ((hash >>> 8) & 0x9f), b: 40 + ((hash >>> 16) & 0x9f) };
}

async function draw(image: ShopImage): Promise<Buffer> {
  const background = colourOf(image.path);
  const block = { r: 255 - (background.r >> 2), g: 255 - (background.g >> 2), b: 255 - (background.b >> 2) };
  const width = Math.max(1, Math.round(image.width / 2));
  const height = Math.max(1, Math.round(image.height / 2));
  const canvas = sharp({ create: { width: image.width, height: image.height, channels: 3, background } }).composite([
    { input: { create: { width, height, channels: 3, background: block } }, left: Math.round(image.width / 4), top: Math.round(image.height / 4) },
  ]);
  return image.format === 'png' ? canvas.png().toBuffer() : canvas.jpeg({ quality: 80 }).toBuffer();
}

let drawn: Promise<Map<string, Buffer>> | undefined;

/** Bytes of every image by path; drawn on the first call, shared by every shop in the process. */
export function loadImages(): Promise<Map<string, Buffer>> {
  drawn ??= Promise.all(sampleShopImages.map(async (image) => [image.path, await draw(image)] as const)).then(
    (entries) => new Map(entries),
    (error: unknown) => {
      drawn = undefined;
      throw error;
    },
  );
  return drawn;
}
