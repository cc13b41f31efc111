// Worker-thread entry of the parallel table build: blinds bank keys (u(k·H(y)): RFC 9380
// hash-to-curve in @noble, then X25519) and makes the padding elements. Holds the
// server key, sees the bank's robust keys (the server's own data), returns group elements only;
// padding elements come from the server key's PRF (table.ts), so a rebuild reproduces them.

import { parentPort, workerData } from 'node:worker_threads';
import type { X25519Secret } from './crypto.js';
import { hashToGroupBatch, x25519 } from './crypto.js';
import { paddingElement } from './table.js';

export type TableRequest =
  | { readonly job: number; readonly kind: 'blind'; readonly keys: readonly Uint8Array[] }
  | {
      readonly job: number;
      readonly kind: 'padding';
      readonly seed: Uint8Array;
      readonly positions: readonly number[];
    };
export interface TableResponse {
  readonly job: number;
  /** count × 32 bytes; a blind job whose key hit a small-order point reports failed instead. */
  readonly elements: Uint8Array;
  readonly failed: boolean;
}

const { serverKey } = workerData as { serverKey: X25519Secret };

parentPort?.on('message', (request: TableRequest) => {
  const count = request.kind === 'blind' ? request.keys.length : request.positions.length;
  const elements = new Uint8Array(count * 32);
  let failed = false;
  if (request.kind === 'blind') {
    hashToGroupBatch(request.keys).forEach((hashed, i) => {
      const element = x25519(serverKey, hashed);
      if (element) elements.set(element, i * 32);
      else failed = true;
    });
  } else {
    request.positions.forEach((position, i) => {
      elements.set(paddingElement(serverKey, request.seed, position), i * 32);
    });
  }
  const response: TableResponse = { job: request.job, elements, failed };
  parentPort?.postMessage(response, [elements.buffer]);
});
