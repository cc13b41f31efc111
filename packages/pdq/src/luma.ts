import { PdqError } from './errors.js';

/**
 * Decoded pixels as the hasher takes them: 8-bit interleaved channels, row-major, no padding.
 * channels: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA (a browser canvas's ImageData is RGBA).
 * Alpha is ignored and grey is treated as R = G = B, as the full-resolution reference pipeline
 * (decode -> RGB, alpha dropped, grey replicated) does.
 */
export interface PixelBuffer {
  readonly data: Uint8Array | Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
}

// The reference keeps the coefficients as C++ floats and computes in float32; every product and
// sum below is rounded to float32 in the same order so the luma plane is bit-identical.
const fround = Math.fround;
const LUMA_R = fround(0.299);
const LUMA_G = fround(0.587);
const LUMA_B = fround(0.114);

// One float32 product per channel value, precomputed: 3 x 256 lookups instead of 3 multiplies.
const TABLE_R = new Float64Array(256);
const TABLE_G = new Float64Array(256);
const TABLE_B = new Float64Array(256);
for (let v = 0; v < 256; v++) {
  TABLE_R[v] = fround(LUMA_R * v);
  TABLE_G[v] = fround(LUMA_G * v);
  TABLE_B[v] = fround(LUMA_B * v);
}

// fround(R[r] + G[g]) for every (r, g): one lookup replaces two lookups and a rounding add.
let tableRedGreen: Float32Array | undefined;
function redGreenTable(): Float32Array {
  if (!tableRedGreen) {
    tableRedGreen = new Float32Array(65536);
    for (let r = 0; r < 256; r++) {
      for (let g = 0; g < 256; g++)
        tableRedGreen[(r << 8) | g] = (TABLE_R[r] as number) + (TABLE_G[g] as number);
    }
  }
  return tableRedGreen;
}

let tableGrey: Float32Array | undefined;
function greyTable(): Float32Array {
  if (!tableGrey) {
    tableGrey = new Float32Array(256);
    const redGreen = redGreenTable();
    for (let v = 0; v < 256; v++) tableGrey[v] = (redGreen[(v << 8) | v] as number) + (TABLE_B[v] as number);
  }
  return tableGrey;
}

/**
 * Computes luma for `count` rows starting at `firstRow` into `out` (from index 0). Rows are
 * produced on demand so the hasher never holds a full-size luma plane next to the pixels.
 */
export function fillLumaRows(image: PixelBuffer, firstRow: number, count: number, out: Float32Array): void {
  const { data, width, channels } = image;
  const start = firstRow * width;
  const end = start + count * width;
  if (channels >= 3) {
    const redGreen = redGreenTable();
    for (let p = start, s = start * channels, o = 0; p < end; p++, s += channels, o++) {
      out[o] =
        (redGreen[((data[s] as number) << 8) | (data[s + 1] as number)] as number) +
        (TABLE_B[data[s + 2] as number] as number);
    }
  } else {
    const grey = greyTable();
    for (let p = start, s = start * channels, o = 0; p < end; p++, s += channels, o++) {
      out[o] = grey[data[s] as number] as number;
    }
  }
}

export function validatePixelBuffer(image: PixelBuffer): void {
  const { data, width, height, channels } = image;
  if (!Number.isInteger(width) || width < 0) {
    throw new PdqError('PDQ_INVALID_IMAGE', `width must be a non-negative integer, got ${width}`);
  }
  if (!Number.isInteger(height) || height < 0) {
    throw new PdqError('PDQ_INVALID_IMAGE', `height must be a non-negative integer, got ${height}`);
  }
  if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) {
    throw new PdqError('PDQ_INVALID_IMAGE', `channels must be 1, 2, 3 or 4, got ${channels}`);
  }
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    throw new PdqError('PDQ_INVALID_IMAGE', 'data must be a Uint8Array or Uint8ClampedArray');
  }
  const expected = width * height * channels;
  if (data.length !== expected) {
    throw new PdqError(
      'PDQ_INVALID_IMAGE',
      `data has ${data.length} bytes but ${width}x${height}x${channels} needs ${expected}`,
    );
  }
}

/** Float32 luma plane (Y = 0.299 R + 0.587 G + 0.114 B), row-major, as the reference computes it. */
export function lumaFromPixels(image: PixelBuffer, out?: Float32Array): Float32Array {
  validatePixelBuffer(image);
  const count = image.width * image.height;
  const luma = out && out.length >= count ? out : new Float32Array(count);
  fillLumaRows(image, 0, image.height, luma);
  return luma;
}
