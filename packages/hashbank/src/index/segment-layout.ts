/**
 * How the 256 bits of a PDQ hash are cut into the segments that multi-index hashing keys on.
 *
 * Segments are contiguous bit ranges (bit k of a hash is bit k % 32 of word k >> 5). Wider segments
 * mean fewer hashes per bucket, so fewer candidates to verify, but more buckets to probe per bit of
 * segment radius and a bigger offset table (2^width entries per segment). Norouzi et al. show the
 * cost is lowest near width = log2(bank size); we take that, between 16 bits (the classic 16 x 16,
 * and FAISS's IndexBinaryMultiHash(256, 16, 16)) and 22 bits (past that the offset tables outgrow
 * the postings: 12 x 2^22 x 4 bytes is already 200 MB).
 */
import { PDQ_HASH_BITS } from '@safelight/pdq';
import { HashbankError } from '../bank/errors.js';

export const MIN_SEGMENT_BITS = 16;
export const MAX_SEGMENT_BITS = 22;

export interface SegmentLayout {
  /** Width in bits of each segment; they sum to 256. */
  readonly widths: readonly number[];
  /** First bit of each segment. */
  readonly starts: readonly number[];
}

/** Segments of `bits` bits (as near as 256 allows: the first ones one bit wider). */
export function layoutWithBits(bits: number): SegmentLayout {
  if (!Number.isInteger(bits) || bits < MIN_SEGMENT_BITS || bits > MAX_SEGMENT_BITS) {
    throw new HashbankError(
      'HASHBANK_INVALID_ARGUMENT',
      `segmentBits must be an integer from ${MIN_SEGMENT_BITS} to ${MAX_SEGMENT_BITS}, got ${bits}`,
    );
  }
  const count = Math.ceil(PDQ_HASH_BITS / bits);
  const base = Math.floor(PDQ_HASH_BITS / count);
  const wider = PDQ_HASH_BITS - base * count;
  return layoutFromWidths(Array.from({ length: count }, (_, i) => (i < wider ? base + 1 : base)));
}

/** The layout for a bank of about `size` hashes: width = log2(size), within 16..22 bits. */
export function layoutForSize(size: number): SegmentLayout {
  const bits = Math.round(Math.log2(Math.max(size, 2)));
  return layoutWithBits(Math.min(MAX_SEGMENT_BITS, Math.max(MIN_SEGMENT_BITS, bits)));
}

export function layoutFromWidths(widths: readonly number[]): SegmentLayout {
  let total = 0;
  const starts: number[] = [];
  for (const width of widths) {
    if (!Number.isInteger(width) || width < MIN_SEGMENT_BITS || width > MAX_SEGMENT_BITS + 1) {
      throw new HashbankError('HASHBANK_INVALID_ARGUMENT', `segment width ${width} is out of range`);
    }
    starts.push(total);
    total += width;
  }
  if (total !== PDQ_HASH_BITS) {
    throw new HashbankError(
      'HASHBANK_INVALID_ARGUMENT',
      `segment widths sum to ${total}, not ${PDQ_HASH_BITS}`,
    );
  }
  return { widths: [...widths], starts };
}

export function sameLayout(a: SegmentLayout, b: SegmentLayout): boolean {
  return a.widths.length === b.widths.length && a.widths.every((w, i) => w === b.widths[i]);
}

/** The `width`-bit value at bit `start` of the hash at `words[at..at+7]` (width <= 23). */
export function segmentValue(words: Uint32Array, at: number, start: number, width: number): number {
  const word = at + (start >>> 5);
  const shift = start & 31;
  let value = (words[word] as number) >>> shift;
  // A segment never runs past bit 255, so the next word exists whenever it is needed.
  if (shift + width > 32) value |= (words[word + 1] as number) << (32 - shift);
  return value & ((1 << width) - 1);
}
