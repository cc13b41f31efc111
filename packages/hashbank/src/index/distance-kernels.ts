/**
 * The two loops every query ends in: verify candidate slots from the multi-index, or scan every
 * slot. Both compute the exact 256-bit Hamming distance of each hash that can still be within the
 * radius, so recall never depends on which one runs. Hashes live 8 words per slot in a base
 * array and a tail array (slot-store.ts); removed slots are skipped only when they pass (rare),
 * keeping their flag out of the hot path.
 */
import type { PdqHash } from '@safelight/pdq';
import type { SlotStore } from './slot-store.js';

/** Candidates touched ahead of their verification: their cache lines (16 KiB) stay in L1/L2. */
const BATCH = 256;

/** Where loads made only to warm the cache go, so the JIT cannot drop them as dead code. */
export const warmingSink = { value: 0 };

/**
 * Appends (slot, distance) for each live candidate within `radius`. A candidate can appear more
 * than once (it may sit in probed buckets of several segments); the caller dedupes the matches.
 *
 * Candidates are random slots in a bank of up to hundreds of MB, so each first read is a cache and
 * TLB miss. Each batch is first touched by a loop of nothing but independent loads, so the CPU
 * keeps many misses in flight; the distance loop then reads lines already in cache. Verifying
 * straight away stalls the reorder buffer on the arithmetic waiting for each miss: measured about
 * 2x slower at 10M hashes (copying the words to a scratch array first: 1.6x slower).
 */
export function verifyCandidates(
  store: SlotStore,
  candidates: Uint32Array,
  count: number,
  query: PdqHash,
  radius: number,
  found: number[],
): void {
  const { baseHashes, tailHashes, baseCount } = store;
  const q0 = (query[0] as number) | 0;
  const q1 = (query[1] as number) | 0;
  const q2 = (query[2] as number) | 0;
  const q3 = (query[3] as number) | 0;
  const q4 = (query[4] as number) | 0;
  const q5 = (query[5] as number) | 0;
  const q6 = (query[6] as number) | 0;
  const q7 = (query[7] as number) | 0;
  let sink = 0;
  for (let first = 0; first < count; first += BATCH) {
    const end = Math.min(count, first + BATCH);
    for (let k = first; k < end; k++) {
      const slot = candidates[k] as number;
      sink ^= (slot < baseCount ? baseHashes[slot << 3] : tailHashes[(slot - baseCount) << 3]) as number;
    }
    for (let k = first; k < end; k++) {
      const slot = candidates[k] as number;
      let words = baseHashes;
      let at = slot << 3;
      if (slot >= baseCount) {
        words = tailHashes;
        at = (slot - baseCount) << 3;
      }
      let d = popcount128(
        (words[at] as number) ^ q0,
        (words[at + 1] as number) ^ q1,
        (words[at + 2] as number) ^ q2,
        (words[at + 3] as number) ^ q3,
      );
      // Random hashes differ in 64 +- 6 of 128 bits: this branch almost always goes one way, so it
      // is predicted (a test after 64 bits, 32 +- 4 against 31, would mispredict half the time).
      if (d > radius) continue;
      d += popcount128(
        (words[at + 4] as number) ^ q4,
        (words[at + 5] as number) ^ q5,
        (words[at + 6] as number) ^ q6,
        (words[at + 7] as number) ^ q7,
      );
      if (d <= radius && !store.isDead(slot)) found.push(slot, d);
    }
  }
  warmingSink.value ^= sink;
}

/** Radius from which a scan computes every distance in full instead of stopping half-way. */
export const FULL_DISTANCE_FROM = 48;

/** Appends (slot, distance) for every live slot within `radius`, in slot order. */
export function scanAll(store: SlotStore, query: PdqHash, radius: number, found: number[]): void {
  for (const part of store.parts())
    scanPart(part.words, part.dead, part.count, part.first, query, radius, found);
}

function scanPart(
  words: Uint32Array,
  dead: Uint8Array,
  count: number,
  first: number,
  query: PdqHash,
  radius: number,
  found: number[],
): void {
  const q0 = (query[0] as number) | 0;
  const q1 = (query[1] as number) | 0;
  const q2 = (query[2] as number) | 0;
  const q3 = (query[3] as number) | 0;
  const q4 = (query[4] as number) | 0;
  const q5 = (query[5] as number) | 0;
  const q6 = (query[6] as number) | 0;
  const q7 = (query[7] as number) | 0;
  // Near 64 bits the half-way test stops being predictable (64 +- 6 against the radius); from
  // FULL_DISTANCE_FROM on, the full distance without it is cheaper.
  const earlyExit = radius < FULL_DISTANCE_FROM;
  for (let i = 0, at = 0; i < count; i++, at += 8) {
    let d = popcount128(
      (words[at] as number) ^ q0,
      (words[at + 1] as number) ^ q1,
      (words[at + 2] as number) ^ q2,
      (words[at + 3] as number) ^ q3,
    );
    if (earlyExit && d > radius) continue;
    d += popcount128(
      (words[at + 4] as number) ^ q4,
      (words[at + 5] as number) ^ q5,
      (words[at + 6] as number) ^ q6,
      (words[at + 7] as number) ^ q7,
    );
    if (d <= radius && dead[i] === 0) found.push(first + i, d);
  }
}

/**
 * Set bits in four 32-bit words: SWAR like popcount32, sharing the last steps. Per-nibble counts of
 * two words stay <= 8 and per-byte counts of four <= 32, so no field overflows; the total <= 128
 * fits the top byte of the final multiply.
 */
export function popcount128(a: number, b: number, c: number, d: number): number {
  // `| 0` keeps every intermediate a wrapping int32 in V8 (sums may pass 2^31; only bits matter).
  a = (a - ((a >>> 1) & 0x55555555)) | 0;
  b = (b - ((b >>> 1) & 0x55555555)) | 0;
  c = (c - ((c >>> 1) & 0x55555555)) | 0;
  d = (d - ((d >>> 1) & 0x55555555)) | 0;
  const ab = ((a & 0x33333333) + ((a >>> 2) & 0x33333333) + (b & 0x33333333) + ((b >>> 2) & 0x33333333)) | 0;
  const cd = ((c & 0x33333333) + ((c >>> 2) & 0x33333333) + (d & 0x33333333) + ((d >>> 2) & 0x33333333)) | 0;
  const bytes = (ab & 0x0f0f0f0f) + ((ab >>> 4) & 0x0f0f0f0f) + (cd & 0x0f0f0f0f) + ((cd >>> 4) & 0x0f0f0f0f);
  return Math.imul(bytes, 0x01010101) >>> 24;
}
