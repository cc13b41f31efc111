import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlurScratch, blurAndDecimate, blurSampled, decimationIndices, planeRowSource } from './blur.js';
import { lumaFromPixels } from './luma.js';

// A line-by-line port of the reference (pdqhashing.cpp: box1DFloat, boxAlongRowsFloat,
// boxAlongColsFloat, jaroszFilterFloat with two iterations, decimateFloat), with float32
// arithmetic by Math.fround and a real division, so that the optimised blur, which restructures
// all of this, is checked against the reference's own order of operations.
const fround = Math.fround;

function box1DFloat(
  invec: Float32Array,
  inBase: number,
  outvec: Float32Array,
  outBase: number,
  vectorLength: number,
  stride: number,
  fullWindowSize: number,
): void {
  const halfWindowSize = Math.trunc((fullWindowSize + 2) / 2);
  const phase1Nreps = halfWindowSize - 1;
  const phase2Nreps = fullWindowSize - halfWindowSize + 1;
  const phase3Nreps = vectorLength - fullWindowSize;
  const phase4Nreps = halfWindowSize - 1;
  let li = 0;
  let ri = 0;
  let oi = 0;
  let sum = 0;
  let currentWindowSize = 0;
  for (let i = 0; i < phase1Nreps; i++) {
    sum = fround(sum + (invec[inBase + ri] as number));
    currentWindowSize++;
    ri += stride;
  }
  for (let i = 0; i < phase2Nreps; i++) {
    sum = fround(sum + (invec[inBase + ri] as number));
    currentWindowSize++;
    outvec[outBase + oi] = fround(sum / currentWindowSize);
    ri += stride;
    oi += stride;
  }
  for (let i = 0; i < phase3Nreps; i++) {
    sum = fround(sum + (invec[inBase + ri] as number));
    sum = fround(sum - (invec[inBase + li] as number));
    outvec[outBase + oi] = fround(sum / currentWindowSize);
    li += stride;
    ri += stride;
    oi += stride;
  }
  for (let i = 0; i < phase4Nreps; i++) {
    sum = fround(sum - (invec[inBase + li] as number));
    currentWindowSize--;
    outvec[outBase + oi] = fround(sum / currentWindowSize);
    li += stride;
    oi += stride;
  }
}

function referenceBlur(
  input: Float32Array,
  rows: number,
  cols: number,
  windowAlongRows: number,
  windowAlongCols: number,
): Float32Array {
  const buffer1 = Float32Array.from(input);
  const buffer2 = new Float32Array(rows * cols);
  for (let k = 0; k < 2; k++) {
    for (let i = 0; i < rows; i++) box1DFloat(buffer1, i * cols, buffer2, i * cols, cols, 1, windowAlongRows);
    for (let j = 0; j < cols; j++) box1DFloat(buffer2, j, buffer1, j, rows, cols, windowAlongCols);
  }
  return buffer1;
}

function referenceDecimate(
  blurred: Float32Array,
  rows: number,
  cols: number,
  outRows: number,
  outCols: number,
): Float32Array {
  const out = new Float32Array(outRows * outCols);
  for (let i = 0; i < outRows; i++) {
    const ini = Math.trunc(((i + 0.5) * rows) / outRows);
    for (let j = 0; j < outCols; j++) {
      const inj = Math.trunc(((j + 0.5) * cols) / outCols);
      out[i * outCols + j] = blurred[ini * cols + inj] as number;
    }
  }
  return out;
}

/** Deterministic float32 plane: luma-like values, or signed ones of mixed magnitudes. */
function randomPlane(rows: number, cols: number, seed: number, signed: boolean): Float32Array {
  const plane = new Float32Array(rows * cols);
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  for (let i = 0; i < plane.length; i++) {
    plane[i] = signed ? (next() - 0.5) * 10 ** (next() * 6 - 2) : next() * 255;
  }
  return plane;
}

function allIndices(length: number): Int32Array {
  return Int32Array.from({ length }, (_, i) => i);
}

/** Bit patterns, so that +0 and -0 (or two NaNs) are told apart. */
function bits(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/** The luma plane of random 8-bit RGB pixels, as the hasher computes it. */
function randomLuma(rows: number, cols: number, seed: number): Float32Array {
  const data = new Uint8Array(rows * cols * 3);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    // Some runs of zeros, so that sums return to exactly 0.
    data[i] = (state >>> 0) % 7 === 0 ? 0 : (state >>> 8) & 255;
  }
  return lumaFromPixels({ data, width: cols, height: rows, channels: 3 });
}

/**
 * Window pairs to try on a rows x cols plane: all of 1..8 x 1..8 on small planes; on large ones
 * (where the line-by-line reference is slow) each window 1..8 along rows once with the same and
 * once with the mirrored window along columns. Windows longer than their line are left out: the
 * reference reads and writes past the line then.
 */
function windowPairs(rows: number, cols: number): Array<[alongRows: number, alongCols: number]> {
  const pairs: Array<[number, number]> = [];
  for (let alongRows = 1; alongRows <= 8; alongRows++) {
    for (let alongCols = 1; alongCols <= 8; alongCols++) {
      const wanted = rows * cols <= 50_000 || alongCols === alongRows || alongCols === 9 - alongRows;
      if (wanted && alongRows <= cols && alongCols <= rows) pairs.push([alongRows, alongCols]);
    }
  }
  return pairs;
}

const SIZES: Array<[rows: number, cols: number]> = [
  [5, 5],
  [7, 300],
  [300, 7],
  [129, 130],
  [255, 1001],
  [640, 480],
];

describe('optimised blur against a line-by-line port of the reference', () => {
  const scratch = new BlurScratch();

  /** The optimised blur of every pixel equals the reference's, bit for bit. */
  function checkEveryPixel(
    plane: Float32Array,
    rows: number,
    cols: number,
    windowAlongRows: number,
    windowAlongCols: number,
    pixelLuma: boolean,
  ): void {
    const expected = referenceBlur(plane, rows, cols, windowAlongRows, windowAlongCols);
    const actual = blurSampled(
      planeRowSource(plane, cols),
      rows,
      cols,
      windowAlongRows,
      windowAlongCols,
      allIndices(rows),
      allIndices(cols),
      scratch,
      pixelLuma,
    );
    const where = `windows ${windowAlongRows} along rows, ${windowAlongCols} along columns`;
    assert.deepEqual(bits(actual), bits(expected), where);
  }

  for (const [rows, cols] of SIZES) {
    it(`${rows}x${cols}: every pixel, random planes, windows 1..8`, () => {
      for (const [alongRows, alongCols] of windowPairs(rows, cols)) {
        const seed = rows * 7919 + cols * 31 + alongRows * 8 + alongCols;
        const signed = (alongRows + alongCols) % 2 === 1;
        checkEveryPixel(randomPlane(rows, cols, seed, signed), rows, cols, alongRows, alongCols, false);
      }
    });
    it(`${rows}x${cols}: every pixel, luma of random pixels (power-of-two averages unrounded)`, () => {
      for (const [alongRows, alongCols] of windowPairs(rows, cols)) {
        const seed = rows * 131 + cols + alongRows * 8 + alongCols;
        checkEveryPixel(randomLuma(rows, cols, seed), rows, cols, alongRows, alongCols, true);
      }
    });
  }

  const pdqSizes: Array<[rows: number, cols: number]> = [...SIZES, [1000, 1000], [769, 1023]];
  for (const [rows, cols] of pdqSizes) {
    it(`${rows}x${cols}: PDQ windows, 64x64 and other decimations`, () => {
      const windowAlongRows = Math.trunc((cols + 127) / 128);
      const windowAlongCols = Math.trunc((rows + 127) / 128);
      for (const pixelLuma of [false, true]) {
        const plane = pixelLuma
          ? randomLuma(rows, cols, rows + cols)
          : randomPlane(rows, cols, rows + cols, false);
        const blurred = referenceBlur(plane, rows, cols, windowAlongRows, windowAlongCols);
        if (!pixelLuma) {
          const decimated = blurAndDecimate(plane, rows, cols, scratch);
          assert.deepEqual(bits(decimated), bits(referenceDecimate(blurred, rows, cols, 64, 64)));
        }
        // The second passes output only at the sampled rows and columns: other samplings too.
        const subset = blurSampled(
          planeRowSource(plane, cols),
          rows,
          cols,
          windowAlongRows,
          windowAlongCols,
          decimationIndices(rows, 17),
          decimationIndices(cols, 9),
          scratch,
          pixelLuma,
        );
        assert.deepEqual(bits(subset), bits(referenceDecimate(blurred, rows, cols, 17, 9)));
      }
    });
  }
});
