// Robust keys: locality-sensitive keys derived from a PDQ hash so that a near-duplicate shares at
// least one key with its original with high probability, while an unrelated hash rarely shares
// any. Key j is the hash's bits at `bitsPerKey` positions sampled (from a public seed) for table j;
// a hash at Hamming distance d keeps key j with probability C(256-d, b)/C(256, b) ≈ (1-d/256)^b,
// and a uniformly random hash hits one given key with probability 2^-b. Pure pigeonhole keys
// (32 segments of 8 bits, exact for r=31) would put 2^-8 per key: far too unselective.

import { sha256 } from '@noble/hashes/sha2.js';
import type { PdqHash } from '@safelight/pdq';
import { PsiError } from './errors.js';

export interface RobustKeyParameters {
  /** L: keys per hash (= slots per voucher). */
  readonly keysPerImage: number;
  /** b: sampled bits per key. */
  readonly bitsPerKey: number;
  /** Public seed choosing the sampled positions (part of the published parameters). */
  readonly seed: string;
}

// L = 12: the largest L whose voucher stays under 1 KB (64 bytes per slot; 959 B with typical
// conversation/message ids). L = 16 recalled more at large distances (docs/detection-psi.md has
// the measured cost) but its vouchers were 1,215 B.
export const DEFAULT_KEY_PARAMETERS: RobustKeyParameters = {
  keysPerImage: 12,
  bitsPerKey: 16,
  seed: 'safelight-psi-robust-keys-v1',
};

const samplingCache = new Map<string, number[][]>();

/** The bit positions of each table, deterministic from the parameters. */
export function sampledPositions(params: RobustKeyParameters): number[][] {
  validateKeyParameters(params);
  const id = `${params.seed}/${params.keysPerImage}/${params.bitsPerKey}`;
  const cached = samplingCache.get(id);
  if (cached) return cached;
  const tables: number[][] = [];
  const enc = new TextEncoder();
  for (let j = 0; j < params.keysPerImage; j++) {
    // Fisher–Yates over 0..255 driven by SHA-256(seed, j, counter) bytes.
    const order = Array.from({ length: 256 }, (_, i) => i);
    let stream = new Uint8Array(0);
    let cursor = 0;
    let counter = 0;
    const nextByte = (): number => {
      if (cursor >= stream.length) {
        stream = sha256(enc.encode(`${params.seed}|table ${j}|block ${counter++}`));
        cursor = 0;
      }
      return stream[cursor++] ?? 0;
    };
    for (let i = 255; i > 0; i--) {
      // rejection sampling for an unbiased index in 0..i
      const bound = 256 - (256 % (i + 1));
      let r = nextByte();
      while (r >= bound) r = nextByte();
      const k = r % (i + 1);
      const tmp = order[i] as number;
      order[i] = order[k] as number;
      order[k] = tmp;
    }
    tables.push(order.slice(0, params.bitsPerKey).sort((a, b) => a - b));
  }
  samplingCache.set(id, tables);
  return tables;
}

export function validateKeyParameters(params: RobustKeyParameters): void {
  const { keysPerImage, bitsPerKey } = params;
  if (!Number.isInteger(keysPerImage) || keysPerImage < 1 || keysPerImage > 64)
    throw new PsiError('PSI_INVALID_KEY_PARAMETERS', 'keysPerImage must be an integer in 1..64');
  if (!Number.isInteger(bitsPerKey) || bitsPerKey < 8 || bitsPerKey > 128)
    throw new PsiError('PSI_INVALID_KEY_PARAMETERS', 'bitsPerKey must be an integer in 8..128');
}

const bit = (hash: PdqHash, i: number): number => ((hash[i >>> 5] ?? 0) >>> (i & 31)) & 1;

/** The L robust keys of a hash: [table index, sampled bits packed], as bytes. */
export function robustKeys(hash: PdqHash, params: RobustKeyParameters): Uint8Array[] {
  const tables = sampledPositions(params);
  const keyBytes = Math.ceil(params.bitsPerKey / 8);
  return tables.map((positions, j) => {
    const key = new Uint8Array(1 + keyBytes);
    key[0] = j;
    positions.forEach((p, i) => {
      if (bit(hash, p)) key[1 + (i >>> 3)] = (key[1 + (i >>> 3)] ?? 0) | (1 << (i & 7));
    });
    return key;
  });
}

/** Default share of unrelated images allowed to open their outer layer (robust-key collisions). */
export const DEFAULT_TARGET_FALSE_OPEN_RATE = 0.01;

/**
 * Bits per key for a bank of n entries so that a uniformly random image opens its outer layer
 * (shares ≥ 1 of L keys with some entry) with probability ≈ ε: L·n·2^-b ≤ ε, i.e.
 * b = ceil(log2(L·n/ε)), at least 16. Selectivity is bought with recall at large distances
 * (see modelRecall); docs/detection-psi.md has the table.
 */
export function bitsPerKeyFor(
  bankSize: number,
  keysPerImage: number,
  targetFalseOpenRate = DEFAULT_TARGET_FALSE_OPEN_RATE,
): number {
  if (!(targetFalseOpenRate > 0 && targetFalseOpenRate < 1))
    throw new PsiError('PSI_INVALID_KEY_PARAMETERS', 'targetFalseOpenRate must be in (0, 1)');
  const b = Math.ceil(Math.log2((Math.max(1, bankSize) * keysPerImage) / targetFalseOpenRate));
  return Math.min(128, Math.max(16, b));
}

/** Probability a hash at distance d keeps one given key: C(256-d, b)/C(256, b). */
export function keySurvival(distance: number, bitsPerKey: number): number {
  let p = 1;
  for (let i = 0; i < bitsPerKey; i++) p *= Math.max(0, 256 - distance - i) / (256 - i);
  return p;
}

/** Model recall: probability at least one of L independent-ish keys survives d flipped bits. */
export function modelRecall(distance: number, params: RobustKeyParameters): number {
  return 1 - (1 - keySurvival(distance, params.bitsPerKey)) ** params.keysPerImage;
}
