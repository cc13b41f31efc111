// The plaintext diagonals of the distance product for one placement, as NTT-form SEAL plaintexts
// (slot values → batch encode → NTT under the query's primes: ~0.8 ms each, ~60 % of a diagonal's
// cost). They depend on the placement only, not on the query ciphertext, so a worker that waits
// for another worker's baby steps encodes its diagonals ahead in the meantime.
import type { PlainText } from 'node-seal/implementation/plain-text.js';
import { HASH_WORDS } from './layout.js';
import { BABY_STEPS, HASH_BITS, type HeRuntime, POLY_MODULUS_DEGREE, ROW_SLOTS } from './params.js';

export class Diagonals {
  private readonly values = new Int32Array(POLY_MODULUS_DEGREE);
  private readonly plain: PlainText;
  private readonly scratch: PlainText;
  /** Diagonals encoded ahead, by g · BABY_STEPS + b. */
  private readonly ready = new Map<number, PlainText>();
  /** A prepared plaintext handed out by the last plaintext() call, freed at the next. */
  private lent: PlainText | undefined;

  /** Giant steps [from, to) of the placement `unitWords` (see fillDiagonal). */
  constructor(
    private readonly rt: HeRuntime,
    private readonly slotUnit: Int32Array,
    private readonly unitWords: Uint32Array,
    readonly from: number,
    readonly to: number,
  ) {
    this.plain = rt.seal.PlainText();
    this.scratch = rt.seal.PlainText();
  }

  /** Encodes up to `limit` diagonals ahead, in the order giantStepSum uses them; returns how many. */
  prepare(limit: number): number {
    let count = 0;
    for (let g = this.to - 1; g >= this.from && count < limit; g--) {
      for (let b = 0; b < BABY_STEPS && count < limit; b++) {
        const key = g * BABY_STEPS + b;
        if (this.ready.has(key)) continue;
        const ntt = this.rt.seal.PlainText();
        this.encode(g, b, ntt);
        this.ready.set(key, ntt);
        count++;
      }
    }
    return count;
  }

  /** The NTT-form plaintext of diagonal (g, b); valid until the next call. */
  plaintext(g: number, b: number): PlainText {
    this.lent?.delete();
    this.lent = undefined;
    const key = g * BABY_STEPS + b;
    const prepared = this.ready.get(key);
    if (prepared) {
      this.ready.delete(key);
      this.lent = prepared;
      return prepared;
    }
    this.encode(g, b, this.scratch);
    return this.scratch;
  }

  delete(): void {
    this.lent?.delete();
    this.lent = undefined;
    for (const plain of this.ready.values()) plain.delete();
    this.ready.clear();
    this.scratch.delete();
    this.plain.delete();
  }

  private encode(g: number, b: number, ntt: PlainText): void {
    const { encoder, evaluator, context } = this.rt;
    fillDiagonal(this.values, this.slotUnit, this.unitWords, g, b);
    encoder.encode(this.values, this.plain);
    evaluator.plainTransformToNtt(this.plain, context.firstParmsId, ntt);
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
