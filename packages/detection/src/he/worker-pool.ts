// HeWorkerPool: the encrypted distance of he-fuzzy (~85 % of the server's time, all of it inside
// SEAL's single-threaded WebAssembly) split by giant steps over worker threads, one SEAL runtime
// each (split.ts). The first worker computes the baby steps from the query and shares them through
// the pool; the others encode their diagonals meanwhile. Each returns its partial sum already
// rotated into place, so the server's thread only adds them.
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../spawn-worker.js';
import { HeError } from './errors.js';
import type { HeWorkerRequest, HeWorkerResponse } from './eval-worker.js';
import { type BabyStepRole, babyStepRole, splitGiantSteps } from './split.js';

interface Job {
  readonly resolve: (partials: Uint8Array[]) => void;
  readonly reject: (error: HeError) => void;
}

interface Lane {
  readonly range: readonly [number, number];
  readonly role: BabyStepRole;
  worker: Worker;
  readonly inFlight: Map<number, Job>;
  /** Crashed or exited: respawned (keys re-sent) before its next job. */
  dead: boolean;
}

export class HeWorkerPool {
  private readonly lanes: Lane[];
  /** Galois keys per key id as registered (zstd), for workers that start later. */
  private readonly keys = new Map<string, Uint8Array>();
  private nextJob = 0;
  private closed = false;

  constructor(threads: number) {
    const ranges = splitGiantSteps(threads);
    this.lanes = ranges.map((range, i) => {
      const role = babyStepRole(i, ranges.length);
      const lane: Lane = { range, role, worker: spawnEvaluator(range), inFlight: new Map(), dead: false };
      this.watch(lane);
      return lane;
    });
  }

  /** Test hook: the worker threads. */
  workersForTest(): readonly Worker[] {
    return this.lanes.map((lane) => lane.worker);
  }

  register(keyId: string, galois: Uint8Array): void {
    this.keys.set(keyId, galois);
    for (const lane of this.lanes) if (!lane.dead) this.send(lane, { kind: 'keys', keyId, galois });
  }

  /** Per worker, per result ciphertext: its partial distance sum (uncompressed SEAL bytes). */
  distances(
    keyId: string,
    query: Uint8Array,
    copies: number,
    unitWords: readonly Uint32Array[],
  ): Promise<Uint8Array[][]> {
    if (this.closed) return Promise.reject(new HeError('HE_CLOSED', 'he-fuzzy server is closed'));
    const job = this.nextJob++;
    return Promise.all(
      this.lanes.map((lane) => {
        if (lane.dead) this.start(lane);
        return new Promise<Uint8Array[]>((resolve, reject) => {
          lane.inFlight.set(job, { resolve, reject });
          if (lane.inFlight.size === 1) lane.worker.ref();
          const forQuery = lane.role === 'receive' ? undefined : query;
          this.send(lane, {
            kind: 'distance',
            job,
            keyId,
            role: lane.role,
            query: forQuery,
            copies,
            unitWords,
          });
        });
      }),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.lanes.map((lane) => lane.worker.terminate()));
  }

  /** Replaces a dead lane's worker and hands it every registered key. */
  private start(lane: Lane): void {
    lane.worker = spawnEvaluator(lane.range);
    lane.dead = false;
    this.watch(lane);
    for (const [keyId, galois] of this.keys) this.send(lane, { kind: 'keys', keyId, galois });
  }

  private watch(lane: Lane): void {
    const worker = lane.worker;
    // Events of a worker that was already replaced are ignored.
    const current = () => lane.worker === worker && !lane.dead;
    worker.on('message', (response: HeWorkerResponse) => {
      if (current()) this.settle(lane, response);
    });
    worker.on('error', (error) => {
      if (current())
        this.fail(lane, 'HE_WORKER_FAILED', `he-fuzzy worker thread failed: ${error.message}`, error);
    });
    worker.on('messageerror', (error) => {
      if (current())
        this.fail(lane, 'HE_WORKER_FAILED', 'he-fuzzy worker thread sent an unreadable message', error);
    });
    worker.on('exit', (code) => {
      if (!current()) return;
      if (this.closed) this.fail(lane, 'HE_CLOSED', 'he-fuzzy server was closed during an evaluation');
      else
        this.fail(
          lane,
          'HE_WORKER_FAILED',
          `he-fuzzy worker thread exited (code ${code}) during an evaluation`,
        );
    });
    // Idle workers do not keep the process alive; a worker with a job in flight does.
    worker.unref();
  }

  private send(lane: Lane, request: HeWorkerRequest, transfer: ArrayBuffer[] = []): void {
    lane.worker.postMessage(request, transfer);
  }

  private settle(lane: Lane, response: HeWorkerResponse): void {
    if (response.kind === 'babies') {
      const waiting = this.lanes.filter(
        (l) => l.role === 'receive' && !l.dead && l.inFlight.has(response.job),
      );
      waiting.forEach((l, i) => {
        // Moved to the last receiver, copied (by postMessage) to the others.
        const transfer = i === waiting.length - 1 ? response.babies.map((b) => b.buffer as ArrayBuffer) : [];
        this.send(l, { kind: 'babies', job: response.job, babies: response.babies }, transfer);
      });
      return;
    }
    const job = lane.inFlight.get(response.job);
    if (!job) return;
    this.finish(lane, response.job);
    if (response.kind === 'partials') job.resolve(response.partials);
    else {
      job.reject(new HeError('HE_WORKER_FAILED', `he-fuzzy worker: ${response.error}`));
      this.cancel(response.job);
    }
  }

  private finish(lane: Lane, job: number): void {
    lane.inFlight.delete(job);
    if (lane.inFlight.size === 0) lane.worker.unref();
  }

  /** A job failed on one worker: workers waiting for its baby steps stop waiting. */
  private cancel(job: number): void {
    for (const lane of this.lanes) {
      if (lane.role === 'receive' && !lane.dead && lane.inFlight.has(job))
        this.send(lane, { kind: 'cancel', job });
    }
  }

  private fail(lane: Lane, code: 'HE_WORKER_FAILED' | 'HE_CLOSED', message: string, cause?: unknown): void {
    lane.dead = true;
    const jobs = [...lane.inFlight];
    lane.inFlight.clear();
    for (const [id, job] of jobs) {
      job.reject(new HeError(code, message, cause === undefined ? undefined : { cause }));
      if (!this.closed) this.cancel(id);
    }
    // After an 'error' the thread ends by itself; terminate() covers a worker that is still up.
    void lane.worker.terminate();
  }
}

function spawnEvaluator([from, to]: readonly [number, number]): Worker {
  return spawnWorker(new URL('./eval-worker', import.meta.url), { from, to });
}
