// PDQ-hashes an image in the browser before it is encrypted (client-match detection): decoded by
// the browser, read back from a canvas as RGBA, hashed by packages/pdq exactly as the Node side
// hashes sharp's pixels. Browser and libvips decoders may differ by a rounding step; PDQ's radius
// absorbs that (the browser test checks a browser hash matches the Node hash of the same file).
import { MIN_HASHABLE_DIMENSION, type PdqHash, PdqHasher } from '@safelight/pdq';

/** Refuse decompression bombs before allocating a canvas (same limit as packages/media). */
const MAX_PIXELS = 50_000_000;
const hasher = new PdqHasher();

export async function hashImageInBrowser(bytes: Uint8Array): Promise<{ pdq: PdqHash; quality: number }> {
  const bitmap = await createImageBitmap(new Blob([bytes as BlobPart]), {
    colorSpaceConversion: 'none',
    premultiplyAlpha: 'none',
  });
  try {
    const { width, height } = bitmap;
    if (width * height > MAX_PIXELS)
      throw new Error(`image is ${width}x${height}, over ${MAX_PIXELS} pixels`);
    if (width < MIN_HASHABLE_DIMENSION || height < MIN_HASHABLE_DIMENSION) {
      // Too small to hash meaningfully; PDQ gives quality 0, which every mode ignores.
      return { pdq: new Uint32Array(8) as PdqHash, quality: 0 };
    }
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('no 2D canvas to read the image');
    context.drawImage(bitmap, 0, 0);
    const { data } = context.getImageData(0, 0, width, height);
    const { hash, quality } = hasher.hash({ data, width, height, channels: 4 });
    return { pdq: hash, quality };
  } finally {
    bitmap.close();
  }
}
