import type { DomainEvent, EventBus } from '../events.js';
import type { DeliveryQueries } from '../storage/repository.js';
import type { OperationContext } from '../writer.js';

/**
 * What a service is bound to: the queries of one open write transaction (context.ts `write`), or
 * of the database itself for reads (`read`). Every service made for one write shares its scope,
 * so whatever they do commits or rolls back together.
 *
 * The writer batches writes: a service that refuses (throws a ServerError) must refuse before it
 * writes anything, or its partial writes would commit with the batch. Any other error rolls the
 * whole batch back (writer.ts).
 */
export interface Scope {
  readonly tx: DeliveryQueries;
  /** True inside a write; reads may not write or emit. */
  readonly writable: boolean;
  /** Queues a domain event, published once the transaction has committed. */
  emit(event: DomainEvent): void;
  /** Runs once the transaction has committed (WebSocket pushes, metrics). */
  afterCommit(fn: () => void): void;
}

/** The scope of a read: the database outside any write transaction. */
export function readScope(tx: DeliveryQueries): Scope {
  const refuse = () => {
    throw new Error('a read scope cannot emit events or run after a commit: use context.write');
  };
  return { tx, writable: false, emit: refuse, afterCommit: refuse };
}

/**
 * The scope of one write: the writer's transaction, the events it emits (only those someone
 * subscribes to are kept; a message send's usually has no listener) and what runs after the
 * commit. A class, not an object of closures: one is made per write, on the message path.
 */
export class WriteScope implements Scope {
  readonly writable = true;
  private emitted: DomainEvent[] | undefined;

  constructor(
    readonly tx: DeliveryQueries,
    private readonly operation: OperationContext,
    private readonly events: EventBus,
  ) {}

  emit(event: DomainEvent): void {
    if (!this.events.listened(event.type)) return;
    this.emitted ??= [];
    this.emitted.push(event);
  }

  afterCommit(fn: () => void): void {
    this.operation.afterCommit(fn);
  }

  /** Publishes the kept events once the transaction has committed. */
  publishAfterCommit(): void {
    const emitted = this.emitted;
    if (emitted !== undefined) this.operation.afterCommit(() => this.events.publish(emitted));
  }
}
