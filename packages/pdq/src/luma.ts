import type { LumaRowSource } from './blur.js';
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

// One table for the hot loops (one array, so one shape check per loop iteration):
// - [0, 65536): fround(R[r] + G[g]) at index r | (g << 8), one lookup instead of two lookups and
//   a rounding add. That index is also the low 16 bits of a little-endian word holding r, g;
// - [BLUE, BLUE + 256): B[b];
// - [GREY, GREY + 256): the luma of grey v (r = g = b = v).
// Float64Array so that a load needs no float32 -> double conversion (every value is
// float32-exact). Built on first use: 512 KiB is not worth allocating at import time.
const BLUE = 65536;
const GREY = BLUE + 256;
let tableLuma: Float64Array | undefined;
function lumaTable(): Float64Array {
  if (!tableLuma) {
    const table = new Float64Array(GREY + 256);
    for (let r = 0; r < 256; r++) {
      for (let g = 0; g < 256; g++)
        table[r | (g << 8)] = fround((TABLE_R[r] as number) + (TABLE_G[g] as number));
    }
    for (let v = 0; v < 256; v++) {
      table[BLUE + v] = TABLE_B[v] as number;
      table[GREY + v] = fround((table[v | (v << 8)] as number) + (TABLE_B[v] as number));
    }
    tableLuma = table;
  }
  return tableLuma;
}

/**
 * Computes luma for `count` rows starting at `firstRow` into `out` (from index 0), row-major.
 */
export function fillLumaRows(image: PixelBuffer, firstRow: number, count: number, out: Float32Array): void {
  const { data, width, channels } = image;
  const table = lumaTable();
  const start = firstRow * width;
  const end = start + count * width;
  if (channels >= 3) {
    for (let p = start, s = start * channels, o = 0; p < end; p++, s += channels, o++) {
      out[o] =
        (table[(data[s] as number) | ((data[s + 1] as number) << 8)] as number) +
        (table[BLUE + (data[s + 2] as number)] as number);
    }
  } else {
    for (let p = start, s = start * channels, o = 0; p < end; p++, s += channels, o++) {
      out[o] = table[GREY + (data[s] as number)] as number;
    }
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Word and output indices stay below this (2^28); see lumaRowRgbWords. */
const INDEX = 0x0fffffff;

// The row functions below write into a Float64Array, so each luma value is rounded with
// Math.fround (called directly, as in blur.ts).

/** Luma of `count` pixels of 3 or 4 (alpha ignored) channels from bytes[s...] into out[o...]. */
function lumaRowBytes(
  bytes: Uint8Array,
  s: number,
  channels: number,
  count: number,
  out: Float64Array,
  o: number,
  table: Float64Array,
): void {
  for (let end = o + count; o < end; o++, s += channels) {
    out[o] = Math.fround(
      (table[(bytes[s] as number) | ((bytes[s + 1] as number) << 8)] as number) +
        (table[BLUE + (bytes[s + 2] as number)] as number),
    );
  }
}

/**
 * Luma of the RGB pixels p .. p + count - 1 into out[o...]. Runs of eight pixels whose first
 * index is a multiple of 4 are read as six little-endian 32-bit words (r0 g0 b0 r1 | g1 b1 r2
 * g2 | b2 r3 g3 b3 | ...): six loads instead of 24, and the red-green index r | (g << 8) is a
 * shift and mask of a word. Eight pixels per iteration rather than four spread the loop's fixed
 * cost further (measured ~12% faster). Indices are masked with INDEX (no-ops, see
 * pixelRowSource) so that V8 can drop its overflow checks on them.
 */
function lumaRowRgbWords(
  words: Int32Array,
  bytes: Uint8Array,
  p: number,
  count: number,
  out: Float64Array,
  o: number,
  table: Float64Array,
): void {
  const end = p + count;
  const head = Math.min(end, (p + 3) & ~3);
  lumaRowBytes(bytes, p * 3, 3, head - p, out, o, table);
  o += head - p;
  p = head;
  // Fewer than 2^24 runs (the word path needs data.length <= INDEX), so 8 * i stays an int32.
  const runs = ((end - p) >> 3) & (INDEX >> 4);
  const firstWord = ((p >> 2) * 3) & INDEX;
  const firstOut = o & INDEX;
  for (let i = 0; i < runs; i++) {
    const w = firstWord + 6 * i;
    const q = firstOut + 8 * i;
    const w0 = words[w] as number;
    const w1 = words[w + 1] as number;
    const w2 = words[w + 2] as number;
    const w3 = words[w + 3] as number;
    const w4 = words[w + 4] as number;
    const w5 = words[w + 5] as number;
    out[q] = Math.fround((table[w0 & 0xffff] as number) + (table[BLUE + ((w0 >>> 16) & 0xff)] as number));
    out[q + 1] = Math.fround(
      (table[(w0 >>> 24) | ((w1 & 0xff) << 8)] as number) + (table[BLUE + ((w1 >>> 8) & 0xff)] as number),
    );
    out[q + 2] = Math.fround((table[w1 >>> 16] as number) + (table[BLUE + (w2 & 0xff)] as number));
    out[q + 3] = Math.fround((table[(w2 >>> 8) & 0xffff] as number) + (table[BLUE + (w2 >>> 24)] as number));
    out[q + 4] = Math.fround((table[w3 & 0xffff] as number) + (table[BLUE + ((w3 >>> 16) & 0xff)] as number));
    out[q + 5] = Math.fround(
      (table[(w3 >>> 24) | ((w4 & 0xff) << 8)] as number) + (table[BLUE + ((w4 >>> 8) & 0xff)] as number),
    );
    out[q + 6] = Math.fround((table[w4 >>> 16] as number) + (table[BLUE + (w5 & 0xff)] as number));
    out[q + 7] = Math.fround((table[(w5 >>> 8) & 0xffff] as number) + (table[BLUE + (w5 >>> 24)] as number));
  }
  p += 8 * runs;
  o += 8 * runs;
  lumaRowBytes(bytes, p * 3, 3, end - p, out, o, table);
}

/** Luma of the RGBA pixels p .. p + count - 1 into out[o...], one little-endian word each. */
function lumaRowRgbaWords(
  words: Int32Array,
  p: number,
  count: number,
  out: Float64Array,
  o: number,
  table: Float64Array,
): void {
  const end = p + count;
  const runs = (count >> 2) & INDEX;
  const first = p & INDEX;
  const firstOut = o & INDEX;
  for (let i = 0; i < runs; i++) {
    const w = first + 4 * i;
    const q = firstOut + 4 * i;
    const w0 = words[w] as number;
    const w1 = words[w + 1] as number;
    const w2 = words[w + 2] as number;
    const w3 = words[w + 3] as number;
    out[q] = Math.fround((table[w0 & 0xffff] as number) + (table[BLUE + ((w0 >>> 16) & 0xff)] as number));
    out[q + 1] = Math.fround((table[w1 & 0xffff] as number) + (table[BLUE + ((w1 >>> 16) & 0xff)] as number));
    out[q + 2] = Math.fround((table[w2 & 0xffff] as number) + (table[BLUE + ((w2 >>> 16) & 0xff)] as number));
    out[q + 3] = Math.fround((table[w3 & 0xffff] as number) + (table[BLUE + ((w3 >>> 16) & 0xff)] as number));
  }
  for (p += 4 * runs, o += 4 * runs; p < end; p++, o++) {
    const w = words[p] as number;
    out[o] = Math.fround((table[w & 0xffff] as number) + (table[BLUE + ((w >>> 16) & 0xff)] as number));
  }
}

/** Luma of `count` grey pixels (1 or 2 channels, the second ignored) from bytes[s...]. */
function lumaRowGrey(
  bytes: Uint8Array,
  s: number,
  channels: number,
  count: number,
  out: Float64Array,
  o: number,
  table: Float64Array,
): void {
  for (let end = o + count; o < end; o++, s += channels)
    out[o] = table[GREY + (bytes[s] as number)] as number;
}

/**
 * A LumaRowSource over decoded pixels, for the blur: row k of the request goes to
 * out[base + k*stride + x]. The pixels are read through views created here (a plain Uint8Array,
 * and an Int32Array when the data is 4-byte aligned on a little-endian machine): the caller's
 * array may be a Node Buffer, a Uint8Array or a Uint8ClampedArray, which V8 treats as different
 * shapes, and a single shape keeps the element loads monomorphic.
 */
export function pixelRowSource(image: PixelBuffer): LumaRowSource {
  const { data, width, channels } = image;
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.length);
  const words =
    channels >= 3 && LITTLE_ENDIAN && data.byteOffset % 4 === 0 && data.length <= INDEX
      ? new Int32Array(data.buffer, data.byteOffset, data.length >> 2)
      : undefined;
  const table = lumaTable();
  return (firstRow, count, out, base, stride) => {
    for (let k = 0; k < count; k++) {
      const p = (firstRow + k) * width;
      const o = base + k * stride;
      if (channels === 3 && words) lumaRowRgbWords(words, bytes, p, width, out, o, table);
      else if (channels === 4 && words) lumaRowRgbaWords(words, p, width, out, o, table);
      else if (channels >= 3) lumaRowBytes(bytes, p * channels, channels, width, out, o, table);
      else lumaRowGrey(bytes, p * channels, channels, width, out, o, table);
    }
  };
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
