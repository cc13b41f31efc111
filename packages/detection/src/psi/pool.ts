// PsiServerPool: the psi-threshold server with its per-voucher hot path (the outer-layer opening:
// L X25519 + HKDF + key checks) spread over worker threads. Until an account reaches t, vouchers
// are independent, so this is embarrassingly parallel; account state (replay set, stored
// vouchers, shares, reconstruction) stays on the calling thread, in the wrapped PsiServer, so the
// protocol logic exists once. Parsing and replay refusal happen synchronously before dispatch:
// bad input gets the same typed errors as PsiServer, and a replay is refused even while its first
// copy is still in a worker.

import { cpus } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { DetectionContext, DetectionVerdict, ServerEvaluator } from '../mode.js';
import { spawnWorker } from '../spawn-worker.js';
import type { X25519Secret } from './crypto.js';
import type { OpenRequest, OpenResponse } from './opener-worker.js';
import type { AdmittedVoucher, PsiAccountView, PsiServer } from './protocol.js';

export interface PsiServerPoolOptions {
  /** Worker threads (default: available cores). */
  readonly threads?: number;
  /** Vouchers per message to a worker: amortises the ~20-50 µs of a postMessage (default 32). */
  readonly batchSize?: number;
}

interface Pending {
  readonly admitted: AdmittedVoucher;
  readonly resolve: (verdicts: DetectionVerdict[] | undefined) => void;
  readonly reject: (error: unknown) => void;
}

interface Lane {
  readonly worker: Worker;
  readonly inFlight: Map<number, Pending[]>;
  load: number;
  /** A worker that crashed gets no more batches (its in-flight vouchers were rejected). */
  dead: boolean;
}

export class PsiServerPool implements ServerEvaluator {
  readonly mode = 'psi-threshold' as const;
  private readonly lanes: Lane[];
  private readonly batchSize: number;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private nextBatch = 0;

  constructor(
    private readonly server: PsiServer,
    serverKey: X25519Secret,
    slots: number,
    options: PsiServerPoolOptions = {},
  ) {
    const threads = options.threads ?? Math.max(1, cpus().length);
    this.batchSize = options.batchSize ?? 32;
    this.lanes = Array.from({ length: threads }, () => {
      const worker = spawnWorker(new URL('./opener-worker', import.meta.url), { serverKey, slots });
      const lane: Lane = { worker, inFlight: new Map(), load: 0, dead: false };
      worker.on('message', (response: OpenResponse) => this.onResponse(lane, response));
      worker.on('error', (error) => this.failLane(lane, error));
      worker.unref();
      return lane;
    });
  }

  /** Same contract as PsiServer.evaluate; the outer layer is tried on a worker thread. */
  evaluate(payload: Uint8Array, context: DetectionContext): Promise<DetectionVerdict[] | undefined> {
    let admitted: AdmittedVoucher;
    try {
      admitted = this.server.admit(payload, context);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ admitted, resolve, reject });
      if (this.queue.length >= this.batchSize) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  inspect(accountId: string): PsiAccountView {
    return this.server.inspect(accountId);
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.worker.terminate()));
  }

  private flush(): void {
    this.flushScheduled = false;
    const live = this.lanes.filter((lane) => !lane.dead);
    if (live.length === 0) {
      const error = new Error('PsiServerPool: every worker thread has failed');
      for (const pending of this.queue.splice(0)) pending.reject(error);
      return;
    }
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchSize);
      const lane = live.reduce((a, b) => (b.load < a.load ? b : a));
      const id = this.nextBatch++;
      lane.inFlight.set(id, batch);
      lane.load += batch.length;
      if (lane.inFlight.size === 1) lane.worker.ref();
      const request: OpenRequest = {
        batch: id,
        vouchers: batch.map((p) => ({ bytes: p.admitted.stored.bytes, tag: p.admitted.tag })),
      };
      lane.worker.postMessage(request);
    }
  }

  private onResponse(lane: Lane, response: OpenResponse): void {
    const batch = lane.inFlight.get(response.batch);
    if (!batch) return;
    lane.inFlight.delete(response.batch);
    lane.load -= batch.length;
    if (lane.inFlight.size === 0) lane.worker.unref();
    batch.forEach((pending, i) => {
      try {
        pending.resolve(this.server.settle(pending.admitted, response.shares[i] ?? undefined));
      } catch (error) {
        pending.reject(error);
      }
    });
  }

  private failLane(lane: Lane, error: unknown): void {
    lane.dead = true;
    for (const batch of lane.inFlight.values()) for (const p of batch) p.reject(error);
    lane.inFlight.clear();
    lane.load = 0;
  }
}
