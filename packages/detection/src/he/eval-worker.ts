// Worker-thread entry of HeWorkerPool: the encrypted distance over one range of giant steps. It
// holds its own SEAL runtime and the Galois keys of every registered client (public material; no
// relinearisation keys, no secret), receives the query ciphertext and the query's unit layout
// (entries already placed by the server's thread), and returns its partial sum. Masks, offsets,
// tokens and every other random choice stay on the server's thread.

import { parentPort, workerData } from 'node:worker_threads';
import type { GaloisKeys } from 'node-seal/implementation/galois-keys.js';
import { babySteps, giantStepSum } from './distance.js';
import { slotUnits } from './layout.js';
import { heRuntime, unitBases } from './params.js';

export type HeWorkerRequest =
  /** A client's Galois keys (zstd, as in its registration), loaded once per key id. */
  | { readonly kind: 'keys'; readonly keyId: string; readonly galois: Uint8Array }
  | {
      readonly kind: 'distance';
      readonly job: number;
      readonly keyId: string;
      /** The query ciphertext as the client sent it (already checked by the server's thread). */
      readonly query: Uint8Array;
      readonly copies: number;
      /** One unit layout per result ciphertext (Placement.unitWords). */
      readonly unitWords: readonly Uint32Array[];
    };

export type HeWorkerResponse =
  /** Per result ciphertext: the partial sum of this worker's giant steps (uncompressed). */
  | { readonly job: number; readonly partials: Uint8Array[] }
  | { readonly job: number; readonly error: string };

const { from, to } = workerData as { from: number; to: number };
const keys = new Map<string, GaloisKeys>();
const layouts = new Map<number, Int32Array>();
const port = parentPort!;
// Messages are handled one at a time, in order: a key registration completes before any query
// that names it.
let queue: Promise<void> = Promise.resolve();
port.on('message', (request: HeWorkerRequest) => {
  queue = queue.then(() => handle(request));
});

async function handle(request: HeWorkerRequest): Promise<void> {
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
    let slotUnit = layouts.get(request.copies);
    if (!slotUnit) {
      slotUnit = slotUnits(unitBases(request.copies), request.copies);
      layouts.set(request.copies, slotUnit);
    }
    const query = rt.seal.CipherText();
    let baby: ReturnType<typeof babySteps> = [];
    const partials: Uint8Array[] = [];
    try {
      query.loadArray(rt.context, request.query);
      baby = babySteps(rt, query, galois);
      for (const words of request.unitWords) {
        const sum = giantStepSum(rt, baby, galois, slotUnit, words, from, to);
        try {
          partials.push(sum.saveArray(rt.seal.ComprModeType.none));
        } finally {
          sum.delete();
        }
      }
    } finally {
      for (const ct of baby) ct.delete();
      query.delete();
    }
    const response: HeWorkerResponse = { job: request.job, partials };
    port.postMessage(
      response,
      partials.map((p) => p.buffer as ArrayBuffer),
    );
  } catch (error) {
    const response: HeWorkerResponse = {
      job: request.job,
      error: error instanceof Error ? error.message : String(error),
    };
    port.postMessage(response);
  }
}
