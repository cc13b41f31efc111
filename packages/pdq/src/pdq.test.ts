import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DIHEDRAL_NAMES,
  formatPdqHex,
  hammingDistance,
  PdqHasher,
  pdqHash,
  pdqHashWithDihedrals,
  syntheticImage,
} from './index.js';

// Expected values are facts from the PDQ reference (C++ core at full resolution, see
// ../shared/data/pdq/README.txt); the images are regenerated here from their formulas.
const ROBUST: Array<
  [kind: 'noise' | 'gradient' | 'checker' | 'flat', w: number, h: number, hash: string, quality: number]
> = [
  ['flat', 4, 4, '0'.repeat(64), 0],
  ['gradient', 4, 4, '0'.repeat(64), 0],
  ['noise', 5, 5, '61d8348d9e27ca726e5bca736c5b318c91a4348d61d8308d9e27ca726e5bce73', 100],
  ['noise', 64, 64, '6844289d5e398626437f499d0233f3ecfda1176efd1271b055704d603e83fc9d', 100],
  ['gradient', 63, 65, '3aeb6e1ed080675f8dd97a100ceb519acf40689d8a3379e8cd3351468f3c79e2', 44],
  ['noise', 100, 75, 'b6247fa02b9f0092fdcee7d4a747d69bcb4282cf0cf5b31cb1082ae2338ea615', 100],
  ['noise', 512, 512, '803a87c9d65f3821a37d84d6f4bc831b77f057596428b7a9aceae0c397aa0745', 100],
  ['checker', 1000, 333, '0002dbed0bac5bac0bac5bac5bacfbed002cdbec00025bac0002dbedfbfddbac', 100],
  ['noise', 1023, 769, '1a9d531ebc4203f256ad89ae387f14d137b2c315c5992278fabe86f7ce008769', 100],
];

// Symmetric images whose DCT has many coefficients near the median: only quality is stable
// across float implementations, so only quality is asserted (as the data README advises).
const FRAGILE: Array<
  [kind: 'gradient' | 'checker' | 'rings' | 'flat', w: number, h: number, quality: number]
> = [
  ['gradient', 5, 5, 67],
  ['gradient', 64, 64, 44],
  ['checker', 64, 64, 100],
  ['rings', 64, 64, 0],
  ['checker', 127, 300, 100],
  ['rings', 511, 257, 100],
  ['gradient', 512, 512, 43],
  ['rings', 640, 480, 100],
  ['flat', 128, 128, 0],
  ['gradient', 7, 300, 57],
];

describe('PDQ on the reference formula images', () => {
  for (const [kind, w, h, hash, quality] of ROBUST) {
    it(`${kind}-${w}x${h}: hash and quality are bit-exact`, () => {
      const result = pdqHash(syntheticImage(kind, w, h));
      assert.equal(formatPdqHex(result.hash), hash);
      assert.equal(result.quality, quality);
    });
  }
  for (const [kind, w, h, quality] of FRAGILE) {
    it(`${kind}-${w}x${h}: quality is exact`, () => {
      assert.equal(pdqHash(syntheticImage(kind, w, h)).quality, quality);
    });
  }
});

describe('PDQ input handling', () => {
  it('treats RGBA, grey and grey+alpha as the RGB the reference pipeline would see', () => {
    const rgb = syntheticImage('noise', 40, 30);
    const rgba = new Uint8Array(40 * 30 * 4);
    for (let p = 0; p < 40 * 30; p++) {
      rgba.set(rgb.data.subarray(p * 3, p * 3 + 3), p * 4);
      rgba[p * 4 + 3] = p % 256; // alpha must not matter
    }
    const fromRgb = pdqHash(rgb);
    const fromRgba = pdqHash({ data: rgba, width: 40, height: 30, channels: 4 });
    assert.equal(formatPdqHex(fromRgba.hash), formatPdqHex(fromRgb.hash));

    const grey = new Uint8Array(40 * 30);
    const greyRgb = new Uint8Array(40 * 30 * 3);
    const greyAlpha = new Uint8Array(40 * 30 * 2);
    for (let p = 0; p < grey.length; p++) {
      grey[p] = rgb.data[p * 3] as number;
      greyRgb.fill(grey[p] as number, p * 3, p * 3 + 3);
      greyAlpha[p * 2] = grey[p] as number;
    }
    const expected = formatPdqHex(pdqHash({ data: greyRgb, width: 40, height: 30, channels: 3 }).hash);
    assert.equal(formatPdqHex(pdqHash({ data: grey, width: 40, height: 30, channels: 1 }).hash), expected);
    assert.equal(
      formatPdqHex(pdqHash({ data: greyAlpha, width: 40, height: 30, channels: 2 }).hash),
      expected,
    );
  });

  it('rejects a buffer whose size does not match its dimensions, naming both', () => {
    assert.throws(
      () => pdqHash({ data: new Uint8Array(10), width: 4, height: 4, channels: 3 }),
      (error: Error & { code?: string }) =>
        error.code === 'PDQ_INVALID_IMAGE' &&
        /10 bytes/.test(error.message) &&
        /4x4x3 needs 48/.test(error.message),
    );
    assert.throws(() => pdqHash({ data: new Uint8Array(0), width: -1, height: 0, channels: 3 }), /width/);
    assert.throws(
      () => pdqHash({ data: new Uint8Array(9), width: 3, height: 1, channels: 5 as 3 }),
      /channels must be 1, 2, 3 or 4/,
    );
  });

  it('a reused hasher gives the same results as fresh hashing, across sizes', () => {
    const hasher = new PdqHasher();
    for (const [w, h] of [
      [300, 200],
      [64, 64],
      [700, 90],
      [5, 9],
    ] as const) {
      const image = syntheticImage('noise', w, h);
      assert.equal(formatPdqHex(hasher.hash(image).hash), formatPdqHex(new PdqHasher().hash(image).hash));
    }
  });

  it('reads any byte offset, Buffer and Uint8ClampedArray data the same (fast and byte-wise paths)', () => {
    // Widths that are and are not multiples of 4 and 8: rows start at every word alignment.
    for (const [w, h] of [
      [257, 129],
      [38, 50],
      [67, 9],
      [64, 8],
    ] as const) {
      const rgb = syntheticImage('noise', w, h);
      const rgba = new Uint8Array(w * h * 4);
      for (let p = 0; p < w * h; p++) rgba.set(rgb.data.subarray(p * 3, p * 3 + 3), p * 4);
      for (const [image, channels] of [
        [rgb, 3],
        [{ data: rgba, width: w, height: h, channels: 4 as const }, 4],
      ] as const) {
        const expected = pdqHash(image);
        // Copies at byte offsets 0..3 of a larger buffer (offset 0 takes the 32-bit word path).
        for (let offset = 0; offset < 4; offset++) {
          const backing = new Uint8Array(image.data.length + offset);
          backing.set(image.data, offset);
          for (const data of [
            backing.subarray(offset),
            new Uint8ClampedArray(backing.buffer, offset, image.data.length),
            Buffer.from(backing.buffer, offset, image.data.length),
          ]) {
            const result = pdqHash({ data, width: w, height: h, channels });
            assert.equal(
              formatPdqHex(result.hash),
              formatPdqHex(expected.hash),
              `${w}x${h}x${channels}+${offset}`,
            );
            assert.equal(result.quality, expected.quality);
          }
        }
      }
    }
  });
});

describe('PDQ dihedral hashes', () => {
  // Pixel-level transforms of an image; the hash of each must equal the DCT-derived dihedral.
  function transform(
    w: number,
    h: number,
    data: Uint8Array,
    map: (x: number, y: number) => [number, number],
    ow: number,
    oh: number,
  ) {
    const out = new Uint8Array(ow * oh * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const [nx, ny] = map(x, y);
        out.set(data.subarray((y * w + x) * 3, (y * w + x) * 3 + 3), (ny * ow + nx) * 3);
      }
    }
    return { data: out, width: ow, height: oh, channels: 3 as const };
  }

  it('equal the hashes of the actually rotated and flipped pixels', () => {
    const n = 64;
    const img = syntheticImage('noise', n, n);
    const { dihedrals } = pdqHashWithDihedrals(img);
    const pixelTransforms = {
      original: (x: number, y: number): [number, number] => [x, y],
      rotate90: (x: number, y: number): [number, number] => [y, n - 1 - x], // counter-clockwise
      rotate180: (x: number, y: number): [number, number] => [n - 1 - x, n - 1 - y],
      rotate270: (x: number, y: number): [number, number] => [n - 1 - y, x], // clockwise
      flipX: (x: number, y: number): [number, number] => [x, n - 1 - y], // mirror across the x axis
      flipY: (x: number, y: number): [number, number] => [n - 1 - x, y],
      flipPlus1: (x: number, y: number): [number, number] => [y, x],
      flipMinus1: (x: number, y: number): [number, number] => [n - 1 - y, n - 1 - x],
    };
    for (const name of DIHEDRAL_NAMES) {
      const direct = pdqHash(transform(n, n, img.data as Uint8Array, pixelTransforms[name], n, n));
      // 64x64 with window 1 samples every pixel, so the transform commutes exactly with hashing.
      assert.equal(
        hammingDistance(direct.hash, dihedrals[name]),
        0,
        `${name} differs from the transformed image`,
      );
    }
  });
});
