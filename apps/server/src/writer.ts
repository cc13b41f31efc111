import { ServerError } from './errors.js';
import type { DeliveryQueries, DeliveryRepository } from './storage/repository.js';

/** What an operation may register to run once its batch has committed (e.g. WebSocket pushes). */
export interface OperationContext {
  afterCommit(fn: () => void): void;
}

/**
 * One write: reads and writes through `tx`, inside the batch's transaction. An operation that
 * refuses (throws a ServerError) must do so before it writes anything: the batch goes on without
 * it. Any other error rolls the batch back, and its operations are retried one per transaction
 * so one bad operation cannot fail its neighbours.
 */
export type Operation<T> = (tx: DeliveryQueries, ctx: OperationContext) => Promise<T>;

interface Pending {
  op: Operation<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface WriterOptions {
  /** Most operations in one transaction (default 2000). */
  maxBatch?: number;
  /** Called after every committed batch with its size and duration (metrics). */
  onBatch?: (size: number, seconds: number) => void;
}

/**
 * Group commit. Every state change goes through this single writer: operations submitted in the
 * same tick, or while a commit is in flight, are run one after another in ONE transaction, which
 * is committed (one fsync) before any of them is answered. Operations see each other's writes in
 * submission order, so the writer is also what serialises epochs, sequence numbers and
 * idempotency checks: there is exactly one writer per database.
 */
export class GroupCommitWriter {
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private running = false;
  private closing = false;
  private idle: Array<() => void> = [];
  private readonly maxBatch: number;

  constructor(
    private readonly repository: DeliveryRepository,
    private readonly options: WriterOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 2000;
  }

  /** Operations waiting or being written (the queue-depth gauge). */
  get depth(): number {
    return this.queue.length + this.inFlight;
  }

  submit<T>(op: Operation<T>): Promise<T> {
    if (this.closing) {
      return Promise.reject(new ServerError('SHUTTING_DOWN', 'the server is shutting down'));
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op: op as Operation<unknown>, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Refuses new operations and resolves once everything submitted has been written. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.depth === 0 && !this.running) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    // setImmediate: everything that arrives in this turn of the event loop joins the batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        this.inFlight = batch.length;
        const started = process.hrtime.bigint();
        await this.writeBatch(batch);
        this.inFlight = 0;
        this.options.onBatch?.(batch.length, Number(process.hrtime.bigint() - started) / 1e9);
      }
    } finally {
      this.running = false;
      this.inFlight = 0;
      if (this.queue.length > 0) this.schedule();
      else for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    type Outcome = { ok: true; value: unknown; after: Array<() => void> } | { ok: false; error: unknown };
    const run = async (items: Pending[]): Promise<Outcome[]> =>
      this.repository.transaction(async (tx) => {
        const outcomes: Outcome[] = [];
        for (const item of items) {
          const after: Array<() => void> = [];
          try {
            const value = await item.op(tx, { afterCommit: (fn) => after.push(fn) });
            outcomes.push({ ok: true, value, after });
          } catch (error) {
            if (!(error instanceof ServerError)) throw error;
            outcomes.push({ ok: false, error });
          }
        }
        return outcomes;
      });
    const settle = (items: Pending[], outcomes: Outcome[]) => {
      items.forEach((item, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) {
          item.resolve(outcome.value);
          for (const fn of outcome.after) {
            try {
              fn();
            } catch {
              // A failed push never un-acknowledges a committed write; the client fetches instead.
            }
          }
        } else item.reject(outcome.error);
      });
    };
    try {
      settle(batch, await run(batch));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(storageFailure(error));
        return;
      }
      // Isolate the failing operation: retry each alone.
      for (const item of batch) {
        try {
          settle([item], await run([item]));
        } catch (single) {
          item.reject(storageFailure(single));
        }
      }
    }
  }
}

function storageFailure(error: unknown): ServerError {
  return new ServerError('STORAGE_FAILED', 'the write could not be committed', {}, { cause: error });
}
