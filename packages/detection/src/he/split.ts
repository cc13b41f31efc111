// How the distance product is divided among worker threads: contiguous giant-step ranges, and
// who computes the baby steps. With several workers the first computes the 16 baby steps and
// shares them (saving + loading 16 ciphertexts costs ~30 ms, recomputing them ~100 ms per
// worker); the others encode their diagonals while they wait.
import { BABY_STEPS, HASH_BITS } from './params.js';

export const GIANT_STEPS = HASH_BITS / BABY_STEPS;

/** compute: baby steps for itself; share: for the other workers too; receive: from the first. */
export type BabyStepRole = 'compute' | 'share' | 'receive';

export function babyStepRole(lane: number, lanes: number): BabyStepRole {
  if (lanes === 1) return 'compute';
  return lane === 0 ? 'share' : 'receive';
}

/**
 * Costs in diagonal products (encode + NTT + multiplyPlain + add, ~1.36 ms), measured with
 * node-seal 6.0.3 at N = 8192 (bench/he/profile.ts). Only used to balance the split.
 */
const COST = {
  /** Batch encode + NTT of one diagonal: what a waiting worker does ahead. */
  encode: 0.6,
  /** multiplyPlain + add of one diagonal. */
  multiply: 0.4,
  /** One rotation (key switching). */
  rotation: 3.6,
  /** Leaving NTT form once per giant step. */
  fromNtt: 0.8,
  /** 15 rotations by 1 and 16 NTTs. */
  babySteps: 67,
  /** Saving the 16 baby steps for the other workers. */
  share: 17,
  /** Loading them. */
  receive: 5,
} as const;

/** Cost of giant steps [a, b) on a worker with this role: b − 1 rotations (Horner, then a to place). */
function rangeCost(role: BabyStepRole, a: number, b: number): number {
  const diagonals = BABY_STEPS * (b - a);
  const tail = COST.fromNtt * (b - a) + COST.rotation * (b - 1);
  switch (role) {
    case 'compute':
      return COST.babySteps + diagonals * (COST.encode + COST.multiply) + tail;
    case 'share':
      return COST.babySteps + COST.share + diagonals * (COST.encode + COST.multiply) + tail;
    case 'receive':
      return (
        Math.max(COST.babySteps + COST.share, diagonals * COST.encode) +
        COST.receive +
        diagonals * COST.multiply +
        tail
      );
  }
}

/**
 * Contiguous giant-step ranges for `lanes` workers (at most 16), minimising the most expensive
 * one: later ranges rotate more, the first also computes the baby steps (dynamic programme).
 */
export function splitGiantSteps(lanes: number): Array<[number, number]> {
  const n = Math.max(1, Math.min(lanes, GIANT_STEPS));
  // best[k][b]: the least maximum cost of covering [0, b) with k ranges; cut[k][b]: where the last starts.
  const best = Array.from({ length: n + 1 }, () => new Array<number>(GIANT_STEPS + 1).fill(Infinity));
  const cut = Array.from({ length: n + 1 }, () => new Array<number>(GIANT_STEPS + 1).fill(0));
  best[0]![0] = 0;
  for (let k = 1; k <= n; k++) {
    const role = babyStepRole(k - 1, n);
    for (let b = k; b <= GIANT_STEPS; b++) {
      for (let a = k - 1; a < b; a++) {
        const value = Math.max(best[k - 1]![a]!, rangeCost(role, a, b));
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
