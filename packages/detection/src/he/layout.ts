// Where bank entries sit in a result ciphertext. Units (2·copies slots, one bank entry each) are
// fixed by the radius; which entry goes on which unit is drawn afresh for every query, so the
// position of a zero flag tells the client nothing about which entry matched.
import { randomPermutation } from './bits.js';
import { HASH_BITS, POLY_MODULUS_DEGREE } from './params.js';

/** 32-bit words per PDQ hash. */
export const HASH_WORDS = HASH_BITS / 32;

/** The unit index of every slot (-1: a leftover slot at the end of a row, in no unit). */
export function slotUnits(bases: readonly number[], copies: number): Int32Array {
  const units = new Int32Array(POLY_MODULUS_DEGREE).fill(-1);
  bases.forEach((base, u) => {
    units.fill(u, base, base + 2 * copies);
  });
  return units;
}

/** One query's placement of up to `unitCount` bank entries. */
export interface Placement {
  /** Bank entry index on each unit (-1: dummy unit). */
  readonly unitEntry: Int32Array;
  /**
   * The 256 bits of each unit's entry, HASH_WORDS words a unit. Dummy units are all zero, i.e.
   * sign +1 on every bit: their "distance" is |x| and their factors never vanish.
   */
  readonly unitWords: Uint32Array;
}

/** Puts `chunk` (bank entry indexes) on randomly chosen units; `words` holds the bank's hashes. */
export function placeEntries(chunk: readonly number[], unitCount: number, words: Uint32Array): Placement {
  const unitEntry = new Int32Array(unitCount).fill(-1);
  const unitWords = new Uint32Array(unitCount * HASH_WORDS);
  const order = randomPermutation(unitCount);
  chunk.forEach((entry, i) => {
    const unit = order[i]!;
    unitEntry[unit] = entry;
    unitWords.set(words.subarray(entry * HASH_WORDS, (entry + 1) * HASH_WORDS), unit * HASH_WORDS);
  });
  return { unitEntry, unitWords };
}
