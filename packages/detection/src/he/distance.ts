// The encrypted Hamming-distance step of he-fuzzy: a 256-diagonal plaintext-matrix × encrypted-
// vector product (Halevi–Shoup diagonals, baby-step/giant-step 16 × 16). The server's thread and
// the worker threads (eval-worker.ts) both run these functions, so the circuit exists once; a
// worker computes a contiguous range of giant steps and the partial sums of the ranges add up.
import type { CipherText } from 'node-seal/implementation/cipher-text.js';
import type { GaloisKeys } from 'node-seal/implementation/galois-keys.js';
import { HASH_WORDS } from './layout.js';
import { BABY_STEPS, HASH_BITS, type HeRuntime, POLY_MODULUS_DEGREE, ROW_SLOTS } from './params.js';

export const GIANT_STEPS = HASH_BITS / BABY_STEPS;

/**
 * What one rotation costs in diagonal products (encode + NTT + multiplyPlain + add), measured
 * with node-seal 6.0.3 at N = 8192: ~5.8 ms against ~1.35 ms. Only used to balance the split.
 */
const ROTATION_COST_IN_DIAGONALS = 4;

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
 * Σ_{g ∈ [from, to)} rot_{16g}(Σ_b D_{g,b} · rot_b(x)), out of NTT form: Horner over the range,
 * then `from` more rotations by 16 so that partial sums of disjoint ranges simply add up.
 * D_{g,b} is the sign diagonal of `unitWords` (see fillDiagonal). The caller deletes the result.
 */
export function giantStepSum(
  rt: HeRuntime,
  babyNtt: readonly CipherText[],
  galois: GaloisKeys,
  slotUnit: Int32Array,
  unitWords: Uint32Array,
  from: number,
  to: number,
): CipherText {
  const { seal, evaluator, encoder, context } = rt;
  const values = new Int32Array(POLY_MODULUS_DEGREE);
  // Reused across the 16·(to − from) diagonals: no SEAL object is allocated per diagonal.
  const plain = seal.PlainText();
  const plainNtt = seal.PlainText();
  const product = seal.CipherText();
  let acc: CipherText | undefined;
  let inner: CipherText | undefined;
  try {
    for (let g = to - 1; g >= from; g--) {
      for (let b = 0; b < BABY_STEPS; b++) {
        fillDiagonal(values, slotUnit, unitWords, g, b);
        encoder.encode(values, plain);
        evaluator.plainTransformToNtt(plain, context.firstParmsId, plainNtt);
        if (inner) {
          evaluator.multiplyPlain(babyNtt[b]!, plainNtt, product);
          evaluator.add(inner, product, inner);
        } else inner = evaluator.multiplyPlain(babyNtt[b]!, plainNtt) as CipherText;
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
    plainNtt.delete();
    plain.delete();
  }
}

/**
 * Diagonal (g, b) as slot values: slot (row, col) multiplies bit (col + b) mod 256 of the query
 * (rot_b(x), the bits repeat every 256 slots) by that bit's sign w = 1 − 2y for the entry of the
 * unit the giant rotation by 16g will move it to, i.e. the unit of slot (row, col − 16g). Dummy
 * units and leftover slots use +1 (the all-zero row: never a transparent product).
 * Σ w·x + |y| is the Hamming distance.
 */
export function fillDiagonal(
  out: Int32Array,
  slotUnit: Int32Array,
  unitWords: Uint32Array,
  g: number,
  b: number,
): void {
  const shift = ROW_SLOTS - BABY_STEPS * g;
  for (let row = 0; row < POLY_MODULUS_DEGREE; row += ROW_SLOTS) {
    for (let col = 0; col < ROW_SLOTS; col++) {
      const unit = slotUnit[row + ((col + shift) % ROW_SLOTS)]!;
      const bit = (col + b) % HASH_BITS;
      out[row + col] =
        unit < 0 ? 1 : 1 - 2 * ((unitWords[unit * HASH_WORDS + (bit >>> 5)]! >>> (bit & 31)) & 1);
    }
  }
}

/**
 * Contiguous giant-step ranges for `lanes` workers. A range [a, b) costs 16·(b − a) diagonals and
 * b − 1 rotations (Horner inside the range, then a to put it in place), so later ranges get fewer
 * giant steps; the split minimises the most expensive range (dynamic programme over 16 steps).
 */
export function splitGiantSteps(lanes: number): Array<[number, number]> {
  const n = Math.max(1, Math.min(lanes, GIANT_STEPS));
  const cost = (a: number, b: number) => BABY_STEPS * (b - a) + ROTATION_COST_IN_DIAGONALS * (b - 1);
  // best[k][b]: the least maximum cost of covering [0, b) with k ranges; cut[k][b]: where the last starts.
  const best = Array.from({ length: n + 1 }, () => new Array<number>(GIANT_STEPS + 1).fill(Infinity));
  const cut = Array.from({ length: n + 1 }, () => new Array<number>(GIANT_STEPS + 1).fill(0));
  best[0]![0] = 0;
  for (let k = 1; k <= n; k++) {
    for (let b = k; b <= GIANT_STEPS; b++) {
      for (let a = k - 1; a < b; a++) {
        const value = Math.max(best[k - 1]![a]!, cost(a, b));
        if (value < best[k]![b]!) {
          best[k]![b] = value;
          cut[k]![b] = a;
        }
      }
    }
  }
  const ranges: Array<[number, number]> = [];
  for (let k = n, b = GIANT_STEPS; k > 0; k--) {
    const a = cut[k]![b]!;
    ranges.unshift([a, b]);
    b = a;
  }
  return ranges;
}
