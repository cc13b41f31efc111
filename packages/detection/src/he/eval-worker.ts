// Worker-thread entry of HeWorkerPool: the encrypted distance over one range of giant steps. It
// holds its own SEAL runtime and the Galois keys of every registered client (public material; no
// relinearisation keys, no secret), receives the query (or the first worker's baby steps) and
// the query's unit layout (entries already placed by the server's thread), and returns its
// partial sum. Masks, offsets, tokens and every other random choice stay on the server's thread.

import { parentPort, workerData } from 'node:worker_threads';
import type { CipherText } from 'node-seal/implementation/cipher-text.js';
import type { GaloisKeys } from 'node-seal/implementation/galois-keys.js';
import { Diagonals } from './diagonals.js';
import { babySteps, giantStepSum } from './distance.js';
import { slotUnits } from './layout.js';
import { type HeRuntime, heRuntime, unitBases } from './params.js';
import type { BabyStepRole } from './split.js';

export type HeWorkerRequest =
  /** A client's Galois keys (zstd, as in its registration), loaded once per key id. */
  | { readonly kind: 'keys'; readonly keyId: string; readonly galois: Uint8Array }
  | {
      readonly kind: 'distance';
      readonly job: number;
      readonly keyId: string;
      readonly role: BabyStepRole;
      /** The query ciphertext as the client sent it (checked by the server's thread); not for 'receive'. */
      readonly query: Uint8Array | undefined;
      readonly copies: number;
      /** One unit layout per result ciphertext (Placement.unitWords). */
      readonly unitWords: readonly Uint32Array[];
    }
  /** The first worker's baby steps for `job` (NTT form, uncompressed), forwarded by the pool. */
  | { readonly kind: 'babies'; readonly job: number; readonly babies: Uint8Array[] }
  /** `job` failed elsewhere: stop waiting for its baby steps. */
  | { readonly kind: 'cancel'; readonly job: number };

export type HeWorkerResponse =
  /** Per result ciphertext: the partial sum of this worker's giant steps (uncompressed). */
  | { readonly kind: 'partials'; readonly job: number; readonly partials: Uint8Array[] }
  /** A 'share' worker's baby steps, for the pool to forward. */
  | { readonly kind: 'babies'; readonly job: number; readonly babies: Uint8Array[] }
  | { readonly kind: 'error'; readonly job: number; readonly error: string };

/**
 * Diagonals a waiting worker encodes ahead, at most (~200 KB each): enough for its share of one
 * result ciphertext; with several, the rest are encoded as they are used.
 */
const PREPARE_LIMIT = 160;

const { from, to } = workerData as { from: number; to: number };
const keys = new Map<string, GaloisKeys>();
const layouts = new Map<number, Int32Array>();
const port = parentPort!;

/** Baby steps shared by the first worker, per job; they may arrive before the job starts. */
const shared = new Map<
  number,
  { promise: Promise<Uint8Array[]>; settle: (babies: Uint8Array[] | Error) => void }
>();
function sharedBabies(job: number) {
  let entry = shared.get(job);
  if (!entry) {
    let settle!: (babies: Uint8Array[] | Error) => void;
    const promise = new Promise<Uint8Array[]>((resolve, reject) => {
      settle = (babies) => (babies instanceof Error ? reject(babies) : resolve(babies));
    });
    promise.catch(() => undefined); // a cancel may come before anyone awaits
    entry = { promise, settle };
    shared.set(job, entry);
  }
  return entry;
}

// Keys and jobs are handled one at a time, in order (a key registration completes before any
// query that names it); baby steps and cancellations at once, since a waiting job needs them.
// Job ids only grow, so anything for a job at or below `finished` is late and dropped.
let queue: Promise<void> = Promise.resolve();
let finished = -1;
port.on('message', (request: HeWorkerRequest) => {
  if (request.kind === 'babies') {
    if (request.job > finished) sharedBabies(request.job).settle(request.babies);
  } else if (request.kind === 'cancel') {
    if (request.job > finished)
      sharedBabies(request.job).settle(new Error('cancelled: the job failed elsewhere'));
  } else queue = queue.then(() => handle(request));
});

async function handle(request: Exclude<HeWorkerRequest, { kind: 'babies' | 'cancel' }>): Promise<void> {
  const rt = await heRuntime();
  if (request.kind === 'keys') {
    const galois = rt.seal.GaloisKeys();
    // The server's thread loaded these same bytes before sending them: a failure here is a bug,
    // and crashing the worker (the pool then rejects and respawns) is the right outcome.
    galois.loadArray(rt.context, request.galois);
    keys.get(request.keyId)?.delete();
    keys.set(request.keyId, galois);
    return;
  }
  try {
    const galois = keys.get(request.keyId);
    if (!galois) throw new Error('no Galois keys registered under this id');
    const partials = await distance(rt, request, galois);
    const response: HeWorkerResponse = { kind: 'partials', job: request.job, partials };
    port.postMessage(response, transferable(partials));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const response: HeWorkerResponse = { kind: 'error', job: request.job, error: message };
    port.postMessage(response);
  } finally {
    shared.delete(request.job);
    finished = request.job;
  }
}

async function distance(
  rt: HeRuntime,
  request: Extract<HeWorkerRequest, { kind: 'distance' }>,
  galois: GaloisKeys,
): Promise<Uint8Array[]> {
  let slotUnit = layouts.get(request.copies);
  if (!slotUnit) {
    slotUnit = slotUnits(unitBases(request.copies), request.copies);
    layouts.set(request.copies, slotUnit);
  }
  const diagonals = request.unitWords.map((words) => new Diagonals(rt, slotUnit, words, from, to));
  let baby: CipherText[] = [];
  try {
    if (request.role === 'receive') {
      let budget = PREPARE_LIMIT;
      for (const d of diagonals) budget -= d.prepare(budget);
      baby = loadAll(rt, await sharedBabies(request.job).promise);
    } else {
      const query = rt.seal.CipherText();
      try {
        query.loadArray(rt.context, request.query!);
        baby = babySteps(rt, query, galois);
      } finally {
        query.delete();
      }
      if (request.role === 'share') {
        const babies = baby.map((ct) => ct.saveArray(rt.seal.ComprModeType.none));
        const response: HeWorkerResponse = { kind: 'babies', job: request.job, babies };
        port.postMessage(response, transferable(babies));
      }
    }
    return diagonals.map((d) => {
      const sum = giantStepSum(rt, baby, galois, d);
      try {
        return sum.saveArray(rt.seal.ComprModeType.none);
      } finally {
        sum.delete();
      }
    });
  } finally {
    for (const ct of baby) ct.delete();
    for (const d of diagonals) d.delete();
  }
}

function loadAll(rt: HeRuntime, bytes: readonly Uint8Array[]): CipherText[] {
  const out: CipherText[] = [];
  try {
    for (const b of bytes) {
      const ct = rt.seal.CipherText();
      out.push(ct);
      ct.loadArray(rt.context, b);
    }
    return out;
  } catch (error) {
    for (const ct of out) ct.delete();
    throw error;
  }
}

/** SEAL's saveArray returns arrays over their own buffers: safe to move, not copy. */
function transferable(arrays: readonly Uint8Array[]): ArrayBuffer[] {
  return arrays.map((a) => a.buffer as ArrayBuffer);
}
