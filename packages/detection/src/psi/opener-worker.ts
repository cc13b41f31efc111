// Worker-thread entry of PsiServerPool: opens outer layers, nothing else. It holds the server's
// X25519 key (same process, so no new exposure) but no account state, no bank and no payload key:
// it returns the share bytes of vouchers that open and null for the rest.

import { parentPort, workerData } from 'node:worker_threads';
import type { X25519Secret } from './crypto.js';
import { openOuterLayer } from './opener.js';
import { decodeVoucher } from './voucher.js';

export interface OpenRequest {
  readonly batch: number;
  readonly vouchers: ReadonlyArray<{ readonly bytes: Uint8Array; readonly tag: Uint8Array }>;
}
export interface OpenResponse {
  readonly batch: number;
  readonly shares: ReadonlyArray<Uint8Array | null>;
}

const { serverKey, slots } = workerData as { serverKey: X25519Secret; slots: number };

parentPort?.on('message', (request: OpenRequest) => {
  const shares = request.vouchers.map(({ bytes, tag }) => {
    try {
      return openOuterLayer(serverKey, decodeVoucher(bytes, slots), tag) ?? null;
    } catch {
      return null; // already validated by the main thread; a failure here can only mean "not open"
    }
  });
  const response: OpenResponse = { batch: request.batch, shares };
  parentPort?.postMessage(response);
});
