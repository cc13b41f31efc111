import type { DomainEvent } from '../events.js';
import type { DeliveryQueries } from '../storage/repository.js';

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
