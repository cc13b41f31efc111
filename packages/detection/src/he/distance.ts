// The encrypted Hamming-distance step of he-fuzzy: a 256-diagonal plaintext-matrix × encrypted-
// vector product (Halevi–Shoup diagonals, baby-step/giant-step 16 × 16). The server's thread and
// the worker threads (eval-worker.ts) both run these functions, so the circuit exists once; a
// worker computes a contiguous range of giant steps and the partial sums of the ranges add up.
import type { CipherText } from 'node-seal/implementation/cipher-text.js';
import type { GaloisKeys } from 'node-seal/implementation/galois-keys.js';
import type { Diagonals } from './diagonals.js';
import { BABY_STEPS, HASH_BITS, type HeRuntime } from './params.js';

export const GIANT_STEPS = HASH_BITS / BABY_STEPS;

/** rot_b(x) for b = 0..15, in NTT form (what every diagonal multiplies). The caller deletes them. */
export function babySteps(rt: HeRuntime, query: CipherText, galois: GaloisKeys): CipherText[] {
  const { evaluator } = rt;
  const rotated: CipherText[] = [];
  const ntt: CipherText[] = [];
  try {
    let previous = query;
    for (let b = 0; b < BABY_STEPS; b++) {
      if (b > 0) {
        previous = evaluator.rotateRows(previous, 1, galois) as CipherText;
        rotated.push(previous);
      }
      ntt.push(evaluator.cipherTransformToNtt(previous) as CipherText);
    }
    return ntt;
  } catch (error) {
    for (const ct of ntt) ct.delete();
    throw error;
  } finally {
    for (const ct of rotated) ct.delete();
  }
}

/**
 * Σ_{g ∈ [from, to)} rot_{16g}(Σ_b D_{g,b} · rot_b(x)), out of NTT form, for the giant steps of
 * `diagonals`: Horner over the range, then `from` more rotations by 16 so that partial sums of
 * disjoint ranges simply add up. The caller deletes the result.
 */
export function giantStepSum(
  rt: HeRuntime,
  babyNtt: readonly CipherText[],
  galois: GaloisKeys,
  diagonals: Diagonals,
): CipherText {
  const { seal, evaluator } = rt;
  const { from, to } = diagonals;
  // Reused across the 16·(to − from) products: no SEAL object is allocated per diagonal.
  const product = seal.CipherText();
  let acc: CipherText | undefined;
  let inner: CipherText | undefined;
  try {
    for (let g = to - 1; g >= from; g--) {
      for (let b = 0; b < BABY_STEPS; b++) {
        const plain = diagonals.plaintext(g, b);
        if (inner) {
          evaluator.multiplyPlain(babyNtt[b]!, plain, product);
          evaluator.add(inner, product, inner);
        } else inner = evaluator.multiplyPlain(babyNtt[b]!, plain) as CipherText;
      }
      evaluator.cipherTransformFromNtt(inner!, inner!);
      if (acc) {
        evaluator.rotateRows(acc, BABY_STEPS, galois, acc);
        evaluator.add(acc, inner!, acc);
        inner!.delete();
      } else acc = inner;
      inner = undefined;
    }
    for (let g = 0; g < from; g++) evaluator.rotateRows(acc!, BABY_STEPS, galois, acc!);
    const result = acc!;
    acc = undefined;
    return result;
  } finally {
    inner?.delete();
    acc?.delete();
    product.delete();
  }
}
