/**
 * Node adapter (`@safelight/safety/classifier/node`): decodes JPEG, PNG and WebP with sharp
 * (scaled down to at most 448 px on the longer side first: the model looks at 224x224) and runs
 * the bundled nsfwjs model.
 */
import sharp from 'sharp';
import type { ImageDecoder, RgbaImage } from './index.js';
import { NsfwjsClassifier, type NsfwjsClassifierOptions } from './nsfwjs.js';

export const sharpDecoder: ImageDecoder = async (bytes: Uint8Array): Promise<RgbaImage> => {
  const { data, info } = await sharp(bytes, { limitInputPixels: 50_000_000 })
    .rotate()
    .resize(448, 448, { fit: 'inside', withoutEnlargement: true })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
};

export function createNodeImageClassifier(
  options: Omit<NsfwjsClassifierOptions, 'decode'> = {},
): NsfwjsClassifier {
  return new NsfwjsClassifier({ ...options, decode: sharpDecoder });
}
