// PDQ bit access, the bucket key, and uniform randomness modulo t from the OS CSPRNG.
import { randomInt } from 'node:crypto';
import type { PdqHash } from '@safelight/pdq';
import { HASH_BITS } from './params.js';

export function bitOf(hash: PdqHash, i: number): number {
  return ((hash[i >>> 5] ?? 0) >>> (i & 31)) & 1;
}

export function popcount(hash: PdqHash): number {
  let n = 0;
  for (let i = 0; i < HASH_BITS; i++) n += bitOf(hash, i);
  return n;
}

/** Bit positions read for the bucket key: 37·m + 11 mod 256 (distinct, spread over the hash). */
export function bucketPositions(bits: number): number[] {
  return Array.from({ length: bits }, (_, m) => (37 * m + 11) % HASH_BITS);
}

/** The k-bit bucket key the client reveals (k = 0 reveals nothing). */
export function bucketKey(hash: PdqHash, bits: number): number {
  let key = 0;
  for (const [m, p] of bucketPositions(bits).entries()) key |= bitOf(hash, p) << m;
  return key >>> 0;
}

/** n uniform values in [low, t) from crypto.randomInt (rejection sampling inside). */
export function uniformBelow(t: number, n: number, low = 0): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = randomInt(low, t);
  return out;
}

/** A uniformly random permutation of 0..n-1 (Fisher–Yates over crypto.randomInt). */
export function randomPermutation(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(0, i + 1);
    const tmp = out[i]!;
    out[i] = out[j]!;
    out[j] = tmp;
  }
  return out;
}
