// Worker-thread entry of the parallel table build: blinds bank keys (u(k·H(y)): RFC 9380
// hash-to-curve in @noble, then native X25519) and makes random padding elements. Holds the
// server key, sees the bank's robust keys (the server's own data), returns group elements only.
import type { KeyObject } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { hashToGroupBatch, randomGroupElement, x25519 } from './crypto.js';

export type TableRequest =
  | { readonly job: number; readonly kind: 'blind'; readonly keys: readonly Uint8Array[] }
  | { readonly job: number; readonly kind: 'random'; readonly count: number };
export interface TableResponse {
  readonly job: number;
  /** count × 32 bytes; a blind job whose key hit a small-order point reports failed instead. */
  readonly elements: Uint8Array;
  readonly failed: boolean;
}

const { serverKey } = workerData as { serverKey: KeyObject };

parentPort?.on('message', (request: TableRequest) => {
  const count = request.kind === 'blind' ? request.keys.length : request.count;
  const elements = new Uint8Array(count * 32);
  let failed = false;
  if (request.kind === 'blind') {
    hashToGroupBatch(request.keys).forEach((hashed, i) => {
      const element = x25519(serverKey, hashed);
      if (element) elements.set(element, i * 32);
      else failed = true;
    });
  } else {
    for (let i = 0; i < count; i++) elements.set(randomGroupElement(), i * 32);
  }
  const response: TableResponse = { job: request.job, elements, failed };
  parentPort?.postMessage(response, [elements.buffer]);
});
