// The blinded table: every distinct robust key y of the bank, stored as u(k·H(y)) in a two-choice
// cuckoo table (positions from SHA-256(tableSeed, y)); empty slots hold padding elements u(p·B) of
// the same group, so the table is a list of indistinguishable group elements. The client learns
// its size (hence roughly the number of distinct keys = bank size × L) and nothing about entries
// (DDH: k·H(y) is pseudorandom without k).
//
// The build is reproducible from (bank hashes, key parameters, seed, k): keys are placed in sorted
// order and padding scalars come from a PRF keyed by k, not from randomness. That is what lets an
// auditor holding the bank and, under audit, the server key rebuild the table and check that the
// digest the platform published beside the bank's Merkle commitment is the digest of THIS bank's
// table (publication.ts), while the padding still looks random to anyone without k.

import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { sha256 } from '@noble/hashes/sha2.js';
import { spawnWorker } from '../spawn-worker.js';
import {
  hashToGroupBatch,
  keyedBlake2b,
  type X25519Secret,
  x25519,
  x25519Base,
  x25519PrivateKey,
} from './crypto.js';
import { PsiError } from './errors.js';
import type { TableRequest, TableResponse } from './table-worker.js';

export const ELEMENT_BYTES = 32;
/** Table slots per distinct key: two-choice cuckoo hashing needs load < 1/2. */
export const CUCKOO_SLOTS_PER_KEY = 2.2;
const MAX_KICKS = 1000;
const MAX_ATTEMPTS = 8;
const BATCH = 1024;

export interface BlindedTable {
  readonly seed: Uint8Array;
  readonly size: number;
  /** size × 32 bytes. */
  readonly elements: Uint8Array;
}

export function cuckooPositions(seed: Uint8Array, key: Uint8Array, size: number): [number, number] {
  const h = sha256.create().update(seed).update(key).digest();
  const view = new DataView(h.buffer, h.byteOffset, h.byteLength);
  const a = view.getUint32(0) % size;
  let b = view.getUint32(4) % size;
  if (b === a) b = (a + 1) % size;
  return [a, b];
}

export function tableElement(table: BlindedTable, position: number): Uint8Array {
  return table.elements.subarray(position * ELEMENT_BYTES, (position + 1) * ELEMENT_BYTES);
}

/** Places keys (indices into `keys`) in a cuckoo table; undefined on failure (caller reseeds). */
function place(keys: Uint8Array[], seed: Uint8Array, size: number): Int32Array | undefined {
  const slots = new Int32Array(size).fill(-1);
  for (let i = 0; i < keys.length; i++) {
    let current = i;
    let position = cuckooPositions(seed, keys[i] as Uint8Array, size)[0];
    let placed = false;
    for (let kick = 0; kick < MAX_KICKS; kick++) {
      const evicted = slots[position] as number;
      slots[position] = current;
      if (evicted === -1) {
        placed = true;
        break;
      }
      current = evicted;
      const [a, b] = cuckooPositions(seed, keys[current] as Uint8Array, size);
      position = position === a ? b : a;
    }
    if (!placed) return undefined;
  }
  return slots;
}

const PADDING_DOMAIN = new TextEncoder().encode('safelight-psi padding|');

/** Padding slot `position`: u(p·B) with p = BLAKE2b_k(domain ‖ seed ‖ position), k the server key. */
export function paddingElement(serverKey: X25519Secret, seed: Uint8Array, position: number): Uint8Array {
  const message = new Uint8Array(PADDING_DOMAIN.length + seed.length + 4);
  message.set(PADDING_DOMAIN, 0);
  message.set(seed, PADDING_DOMAIN.length);
  new DataView(message.buffer).setUint32(PADDING_DOMAIN.length + seed.length, position);
  return x25519Base(x25519PrivateKey(keyedBlake2b(serverKey, message, 32)));
}

/** Keys in the canonical (byte-wise) order placement uses, so a rebuild places them identically. */
export function canonicalKeyOrder(keys: readonly Uint8Array[]): Uint8Array[] {
  return [...keys].sort((a, b) => Buffer.compare(a, b));
}

export interface TableBuildOptions {
  /** Rebuild with this seed (an audit); default: fresh random seeds until cuckoo placement fits. */
  readonly seed?: Uint8Array;
}

/** The seed and the cuckoo placement (slot → index into the sorted keys, or -1). */
function placeKeys(
  sorted: Uint8Array[],
  size: number,
  options: TableBuildOptions,
): { seed: Uint8Array; slots: Int32Array } {
  if (options.seed) {
    const slots = place(sorted, options.seed, size);
    if (!slots)
      throw new PsiError(
        'PSI_TABLE_BUILD_FAILED',
        'these keys do not fit a cuckoo table under the given seed',
      );
    return { seed: new Uint8Array(options.seed), slots };
  }
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const seed = new Uint8Array(randomBytes(16));
    const slots = place(sorted, seed, size);
    if (slots) return { seed, slots };
  }
  throw new PsiError('PSI_TABLE_BUILD_FAILED', `cuckoo insertion failed ${MAX_ATTEMPTS} times`);
}

export const tableSizeFor = (distinctKeys: number): number =>
  Math.max(8, Math.ceil(distinctKeys * CUCKOO_SLOTS_PER_KEY));

export function buildBlindedTable(
  keys: readonly Uint8Array[],
  serverKey: X25519Secret,
  options: TableBuildOptions = {},
): BlindedTable {
  const sorted = canonicalKeyOrder(keys);
  const size = tableSizeFor(sorted.length);
  const { seed, slots } = placeKeys(sorted, size, options);
  const elements = new Uint8Array(size * ELEMENT_BYTES);
  for (let start = 0; start < size; start += BATCH) {
    const positions: number[] = [];
    for (let p = start; p < Math.min(size, start + BATCH); p++) {
      if ((slots[p] as number) === -1) elements.set(paddingElement(serverKey, seed, p), p * ELEMENT_BYTES);
      else positions.push(p);
    }
    const hashed = hashToGroupBatch(positions.map((p) => sorted[slots[p] as number] as Uint8Array));
    positions.forEach((position, i) => {
      const element = x25519(serverKey, hashed[i] as Uint8Array);
      if (!element) throw new PsiError('PSI_TABLE_BUILD_FAILED', 'a key hashed to a small-order point');
      elements.set(element, position * ELEMENT_BYTES);
    });
  }
  return { seed, size, elements };
}

export interface ParallelBuildOptions {
  /** Worker threads (default: available cores). */
  readonly threads?: number;
  /** Keys per job sent to a worker (default 2048). */
  readonly jobSize?: number;
  /** Called after each finished job with table slots done and in all (a 1M build takes ~1 h). */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * buildBlindedTable over worker threads: the cuckoo placement (SHA-256 only) stays here, the
 * expensive part — hash-to-curve (pure-JS bigint, ~0.5 ms per key) + X25519 per bank key, and one
 * X25519 per random padding slot — is split into jobs over `threads` workers. Same table
 * distribution as the one-thread build.
 */
export async function buildBlindedTableParallel(
  keys: readonly Uint8Array[],
  serverKey: X25519Secret,
  options: ParallelBuildOptions & TableBuildOptions = {},
): Promise<BlindedTable> {
  const sorted = canonicalKeyOrder(keys);
  const size = tableSizeFor(sorted.length);
  const { seed, slots } = placeKeys(sorted, size, options);
  const filled: number[] = [];
  const empty: number[] = [];
  for (let p = 0; p < size; p++) ((slots[p] as number) === -1 ? empty : filled).push(p);
  const jobSize = options.jobSize ?? 2048;
  const jobs: Array<{ request: TableRequest; positions: number[] }> = [];
  for (let i = 0; i < filled.length; i += jobSize) {
    const positions = filled.slice(i, i + jobSize);
    const jobKeys = positions.map((p) => sorted[slots[p] as number] as Uint8Array);
    jobs.push({ request: { job: jobs.length, kind: 'blind', keys: jobKeys }, positions });
  }
  for (let i = 0; i < empty.length; i += jobSize) {
    const positions = empty.slice(i, i + jobSize);
    jobs.push({ request: { job: jobs.length, kind: 'padding', seed, positions }, positions });
  }
  const elements = new Uint8Array(size * ELEMENT_BYTES);
  const threads = Math.max(1, options.threads ?? cpus().length);
  const workers = Array.from({ length: Math.min(threads, jobs.length) }, () =>
    spawnWorker(new URL('./table-worker', import.meta.url), { serverKey }),
  );
  let done = 0;
  try {
    let next = 0;
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              const job = jobs[next++];
              if (!job) return resolve();
              worker.postMessage(job.request);
            };
            worker.on('error', reject);
            worker.on('message', (response: TableResponse) => {
              if (response.failed) {
                reject(new PsiError('PSI_TABLE_BUILD_FAILED', 'a key hashed to a small-order point'));
                return;
              }
              const job = jobs[response.job] as (typeof jobs)[number];
              job.positions.forEach((position, i) => {
                elements.set(
                  response.elements.subarray(i * ELEMENT_BYTES, (i + 1) * ELEMENT_BYTES),
                  position * ELEMENT_BYTES,
                );
              });
              done += job.positions.length;
              options.onProgress?.(done, size);
              send();
            });
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return { seed, size, elements };
}
