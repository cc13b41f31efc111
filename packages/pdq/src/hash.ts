import { PdqError } from './errors.js';

/**
 * A 256-bit PDQ hash as eight 32-bit words, least significant word first: bit k of the hash
 * (k = 0..255) is bit (k % 32) of word (k >> 5). Bit k is set when DCT coefficient
 * (row k >> 4, column k & 15) is strictly above the median — the reference's bit order.
 */
export type PdqHash = Uint32Array;

export const PDQ_HASH_BITS = 256;
export const PDQ_HASH_WORDS = 8;
export const PDQ_HEX_LENGTH = 64;

/** The distance at or below which two PDQ hashes are a match, as the reference recommends. */
export const PDQ_MATCH_THRESHOLD = 31;
/** Hashes with quality below this carry too little signal to match on (python-threatexchange). */
export const PDQ_QUALITY_THRESHOLD = 50;

const HEX_PATTERN = /^[0-9a-f]{64}$/i;

export function emptyHash(): PdqHash {
  return new Uint32Array(PDQ_HASH_WORDS);
}

export function isPdqHex(text: string): boolean {
  return HEX_PATTERN.test(text);
}

/**
 * Parses the reference's 64-hex-character text form (a big-endian 256-bit integer; upper or
 * lower case). Throws PDQ_INVALID_HEX naming what is wrong.
 */
export function parsePdqHex(text: string): PdqHash {
  if (typeof text !== 'string') {
    throw new PdqError('PDQ_INVALID_HEX', `PDQ hash must be a string, got ${typeof text}`);
  }
  if (text.length !== PDQ_HEX_LENGTH) {
    throw new PdqError(
      'PDQ_INVALID_HEX',
      `PDQ hash must be ${PDQ_HEX_LENGTH} hex characters, got ${text.length}`,
    );
  }
  const bad = text.search(/[^0-9a-fA-F]/);
  if (bad >= 0) {
    throw new PdqError(
      'PDQ_INVALID_HEX',
      `PDQ hash has a non-hex character ${JSON.stringify(text[bad])} at position ${bad + 1}`,
    );
  }
  const hash = emptyHash();
  for (let word = 0; word < PDQ_HASH_WORDS; word++) {
    const start = (PDQ_HASH_WORDS - 1 - word) * 8;
    hash[word] = Number.parseInt(text.slice(start, start + 8), 16) >>> 0;
  }
  return hash;
}

/** Formats a hash as 64 lowercase hex characters, most significant word first. */
export function formatPdqHex(hash: PdqHash): string {
  assertHash(hash, 'hash');
  let out = '';
  for (let word = PDQ_HASH_WORDS - 1; word >= 0; word--) {
    out += (hash[word] as number).toString(16).padStart(8, '0');
  }
  return out;
}

/** Number of set bits in a 32-bit word (SWAR popcount). */
export function popcount32(value: number): number {
  let v = value >>> 0;
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  v = (v + (v >>> 4)) & 0x0f0f0f0f;
  return Math.imul(v, 0x01010101) >>> 24;
}

/** Number of differing bits between two hashes (0..256). */
export function hammingDistance(a: PdqHash, b: PdqHash): number {
  assertHash(a, 'a');
  assertHash(b, 'b');
  let distance = 0;
  for (let word = 0; word < PDQ_HASH_WORDS; word++) {
    distance += popcount32((a[word] as number) ^ (b[word] as number));
  }
  return distance;
}

/** Number of set bits in a hash; a good PDQ hash has about 128. */
export function hashWeight(hash: PdqHash): number {
  assertHash(hash, 'hash');
  let weight = 0;
  for (let word = 0; word < PDQ_HASH_WORDS; word++) weight += popcount32(hash[word] as number);
  return weight;
}

export function hashesEqual(a: PdqHash, b: PdqHash): boolean {
  return hammingDistance(a, b) === 0;
}

export function getBit(hash: PdqHash, bit: number): boolean {
  return (((hash[bit >> 5] as number) >>> (bit & 31)) & 1) === 1;
}

function assertHash(value: unknown, name: string): asserts value is PdqHash {
  if (!(value instanceof Uint32Array) || value.length !== PDQ_HASH_WORDS) {
    throw new PdqError(
      'PDQ_INVALID_ARGUMENT',
      `${name} must be a PdqHash (Uint32Array of ${PDQ_HASH_WORDS} words)`,
    );
  }
}
