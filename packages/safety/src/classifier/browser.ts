/**
 * Browser adapter (`@safelight/safety/classifier/browser`): decodes with createImageBitmap and an
 * OffscreenCanvas, and runs the bundled nsfwjs model (TensorFlow.js uses WebGL when available).
 */
import type { ImageDecoder, RgbaImage } from './index.js';
import { NsfwjsClassifier, type NsfwjsClassifierOptions } from './nsfwjs.js';

interface BitmapLike {
  readonly width: number;
  readonly height: number;
  close(): void;
}
interface BrowserGlobals {
  createImageBitmap(blob: Blob): Promise<BitmapLike>;
  OffscreenCanvas: new (
    width: number,
    height: number,
  ) => {
    getContext(kind: '2d'): {
      drawImage(image: BitmapLike, x: number, y: number, w: number, h: number): void;
      getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
    } | null;
  };
}

export const browserDecoder: ImageDecoder = async (bytes: Uint8Array): Promise<RgbaImage> => {
  const g = globalThis as unknown as BrowserGlobals;
  const bitmap = await g.createImageBitmap(new Blob([bytes]));
  try {
    const scale = Math.min(1, 448 / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const context = new g.OffscreenCanvas(width, height).getContext('2d');
    if (!context) throw new Error('no 2d canvas context');
    context.drawImage(bitmap, 0, 0, width, height);
    return { width, height, data: context.getImageData(0, 0, width, height).data };
  } finally {
    bitmap.close();
  }
};

export function createBrowserImageClassifier(
  options: Omit<NsfwjsClassifierOptions, 'decode'> = {},
): NsfwjsClassifier {
  return new NsfwjsClassifier({ ...options, decode: browserDecoder });
}
