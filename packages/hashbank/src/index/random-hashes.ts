/**
 * Seeded random PDQ-shaped hashes for tests and benchmarks (benign by construction: no image is
 * involved). Real PDQ bits are balanced by the median threshold, as uniform random bits are.
 */
import { PDQ_HASH_BITS, PDQ_HASH_WORDS, type PdqHash } from '@safelight/pdq';

/** A small fast PRNG (splitmix32): the same seed gives the same sequence everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** `count` random hashes as one array of 8 words each. */
export function randomHashWords(count: number, random: () => number): Uint32Array {
  const words = new Uint32Array(count * PDQ_HASH_WORDS);
  for (let i = 0; i < words.length; i++) words[i] = random();
  return words;
}

export function randomHash(random: () => number): PdqHash {
  return randomHashWords(1, random);
}

/** A copy of `hash` with exactly `distance` distinct bits flipped, chosen at random. */
export function flipRandomBits(hash: PdqHash, distance: number, random: () => number): PdqHash {
  const bits = Array.from({ length: PDQ_HASH_BITS }, (_, k) => k);
  for (let i = 0; i < distance; i++) {
    const j = i + (random() % (PDQ_HASH_BITS - i));
    [bits[i], bits[j]] = [bits[j] as number, bits[i] as number];
  }
  return flipBits(hash, bits.slice(0, distance));
}

/** A copy of `hash` with the given bit positions flipped. */
export function flipBits(hash: PdqHash, bits: readonly number[]): PdqHash {
  const copy = hash.slice();
  for (const bit of bits) copy[bit >> 5] = (copy[bit >> 5] as number) ^ (1 << (bit & 31));
  return copy;
}
