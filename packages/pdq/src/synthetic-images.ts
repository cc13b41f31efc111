import type { PixelBuffer } from './luma.js';

/**
 * The integer-formula test images of the reference data set (x = column, y = row, integer
 * division). They let tests and benchmarks make exact inputs without shipping image files.
 */
export type SyntheticKind = 'gradient' | 'checker' | 'rings' | 'flat' | 'noise';

export function syntheticImage(kind: SyntheticKind, width: number, height: number): PixelBuffer {
  const data = new Uint8Array(width * height * 3);
  let seed = 2463534242;
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0; x < width; x++, p += 3) {
      let r: number;
      let g: number;
      let b: number;
      switch (kind) {
        case 'gradient':
          r = Math.trunc((x * 255) / (width - 1));
          g = Math.trunc((y * 255) / (height - 1));
          b = Math.trunc(((x + y) * 255) / (width + height - 2));
          break;
        case 'checker': {
          const on = ((Math.trunc(x / 8) + Math.trunc(y / 8)) & 1) === 1;
          [r, g, b] = on ? [240, 200, 30] : [16, 40, 220];
          break;
        }
        case 'rings': {
          const dx = x - Math.trunc(width / 2);
          const dy = y - Math.trunc(height / 2);
          const v = Math.trunc((dx * dx + dy * dy) / 37) & 255;
          [r, g, b] = [v, 255 - v, (v * 3) & 255];
          break;
        }
        case 'flat':
          r = g = b = 128;
          break;
        case 'noise': {
          const next = (): number => {
            seed ^= seed << 13;
            seed >>>= 0;
            seed ^= seed >>> 17;
            seed ^= seed << 5;
            seed >>>= 0;
            return seed & 255;
          };
          r = next();
          g = next();
          b = next();
          break;
        }
      }
      data[p] = r;
      data[p + 1] = g;
      data[p + 2] = b;
    }
  }
  return { data, width, height, channels: 3 };
}
