// After the distance: every unit's d turned into zero tests r·Π(d − j) over the offsets
// j = 0..radius (split over `copies` slots of depth-2 products, offset groups shuffled per entry
// and query), masked by fresh uniform nonzero r, with a fresh token τ beside each flag that
// survives only when the flag is zero. Runs on the server's thread: all of its randomness is drawn
// here, next to the tokens it has to remember.
import type { CipherText } from 'node-seal/implementation/cipher-text.js';
import type { RelinKeys } from 'node-seal/implementation/relin-keys.js';
import { randomPermutation, uniformBelow } from './bits.js';
import type { Placement } from './layout.js';
import { FACTORS_PER_COPY, type HeRuntime } from './params.js';

export interface ZeroTestShape {
  readonly radius: number;
  readonly copies: number;
  /** Start slot of every unit. */
  readonly bases: readonly number[];
  /** |y| of every bank entry. */
  readonly weights: Uint16Array;
}

export interface MaskedResult {
  readonly ciphertext: CipherText;
  /** The token expected in each token slot. */
  readonly tokens: Uint32Array;
  /** Which bank entry each token slot stands for (-1: none). */
  readonly entries: Int32Array;
}

/** Consumes `distance` (Σ w·x per slot, not in NTT form); the caller deletes the result. */
export function zeroTestAndMask(
  rt: HeRuntime,
  distance: CipherText,
  relin: RelinKeys,
  placement: Placement,
  shape: ZeroTestShape,
): MaskedResult {
  const { seal, evaluator, encoder, t, slots } = rt;
  const { radius, copies, bases, weights } = shape;
  // The factor l of copy k is d − j = acc − (j − |y|).
  const groups = bases.map(() => randomPermutation(copies));
  let level: CipherText[] = [];
  try {
    const offsets = new Uint32Array(slots);
    for (let l = 0; l < FACTORS_PER_COPY; l++) {
      offsets.fill(t - 1); // dummies and leftover slots: acc − (−1) = |x| + 1 ≠ 0
      bases.forEach((base, u) => {
        const entry = placement.unitEntry[u]!;
        if (entry < 0) return;
        const weight = weights[entry]!;
        for (let k = 0; k < copies; k++) {
          const j = groups[u]![k]! * FACTORS_PER_COPY + l;
          const offset = j <= radius ? j : -1; // −1: padding factor d + 1, never zero
          const value = (((offset - weight) % t) + t) % t;
          offsets[base + k] = value;
          offsets[base + copies + k] = value;
        }
      });
      const plain = encoder.encode(offsets) as ReturnType<typeof seal.PlainText>;
      try {
        level.push(evaluator.subPlain(distance, plain) as CipherText);
      } finally {
        plain.delete();
      }
    }
  } catch (error) {
    for (const ct of level) ct.delete();
    throw error;
  } finally {
    distance.delete();
  }
  let next: CipherText[] = [];
  try {
    while (level.length > 1) {
      for (let i = 0; i < level.length; i += 2) {
        const product = evaluator.multiply(level[i]!, level[i + 1]!) as CipherText;
        next.push(product);
        evaluator.relinearize(product, relin, product);
      }
      for (const ct of level) ct.delete();
      level = next;
      next = [];
    }
  } catch (error) {
    for (const ct of [...level, ...next]) ct.delete();
    throw error;
  }
  const result = level[0]!;
  // Masks: every slot times a fresh uniform nonzero r; token slots get a fresh τ added.
  const masks = uniformBelow(t, slots, 1);
  const tokenValues = uniformBelow(t, slots);
  const addend = new Uint32Array(slots);
  const tokens = new Uint32Array(slots);
  const entries = new Int32Array(slots).fill(-1);
  bases.forEach((base, u) => {
    for (let k = 0; k < copies; k++) {
      const slot = base + copies + k;
      addend[slot] = tokenValues[slot]!;
      tokens[slot] = tokenValues[slot]!;
      entries[slot] = placement.unitEntry[u]!;
    }
  });
  const maskPlain = encoder.encode(masks) as ReturnType<typeof seal.PlainText>;
  const addPlain = encoder.encode(addend) as ReturnType<typeof seal.PlainText>;
  try {
    evaluator.multiplyPlain(result, maskPlain, result);
    evaluator.addPlain(result, addPlain, result);
  } catch (error) {
    result.delete();
    throw error;
  } finally {
    maskPlain.delete();
    addPlain.delete();
  }
  return { ciphertext: result, tokens, entries };
}
