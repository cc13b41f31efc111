// Domain events: what happened, told after it committed. Services emit them inside a write
// (context.ts publishes them once the transaction is on disk); subscribers (the risk engine,
// detection, notices) react without the emitting code knowing they exist. Events are plain JSON
// with ids only — never content, never a token — so a bus between processes (NATS JetStream, the
// scale-out issue) can carry them as they are: `EventBus` is the seam.

export type DomainEvent =
  | { type: 'account.created'; at: number; accountId: string }
  | { type: 'group.created'; at: number; groupId: string; creatorAccountId: string }
  /** A commit brought other accounts' devices into a group (may start a conversation). */
  | { type: 'members.added'; at: number; groupId: string; byAccountId: string; accountIds: string[] }
  | {
      type: 'message.sent';
      at: number;
      groupId: string;
      messageId: string;
      senderAccountId: string;
      senderDeviceId: string;
    }
  | {
      type: 'contact.requested';
      at: number;
      fromAccountId: string;
      toAccountId: string;
      state: 'requested' | 'accepted';
    }
  | { type: 'block.created'; at: number; blockerAccountId: string; blockedAccountId: string }
  | {
      type: 'report.received';
      at: number;
      reportId: string;
      caseId: string;
      reporterAccountId: string;
      subjectAccountId: string;
    }
  /** Detection, a surface check or the risk engine opened or extended a case. */
  | { type: 'match.recorded'; at: number; caseId: string; subjectAccountId: string; source: string }
  | { type: 'case.decided'; at: number; caseId: string; subjectAccountId: string; decision: string };

export type DomainEventType = DomainEvent['type'];
export type EventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;
export type EventHandler<T extends DomainEventType> = (event: EventOf<T>) => Promise<void> | void;

export interface EventBus {
  /** Delivers committed events to subscribers; never throws into the publisher. */
  publish(events: readonly DomainEvent[]): void;
  /** Subscribes to one type; returns the unsubscribe function. */
  subscribe<T extends DomainEventType>(type: T, handler: EventHandler<T>): () => void;
  /** Whether anything subscribes to `type` (a publisher may skip building what nobody reads). */
  listened(type: DomainEventType): boolean;
  /** Resolves once every handler started so far has finished (tests, shutdown). */
  idle(): Promise<void>;
  /** Stops delivering; waits for running handlers. */
  close(): Promise<void>;
}

/**
 * The one-process bus: handlers run after the publisher's turn (setImmediate), one event after
 * another per publish call, each failure reported to `onError` and never to the publisher — a
 * committed write is never un-done by a subscriber.
 */
export class InProcessEventBus implements EventBus {
  private readonly handlers = new Map<DomainEventType, Set<(event: DomainEvent) => Promise<void> | void>>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly onError: (error: unknown, event: DomainEvent) => void) {}

  publish(events: readonly DomainEvent[]): void {
    if (this.closed || events.length === 0) return;
    if (!events.some((event) => this.listened(event.type))) return;
    const run = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      for (const event of events) {
        for (const handler of this.handlers.get(event.type) ?? []) {
          try {
            await handler(event);
          } catch (error) {
            this.onError(error, event);
          }
        }
      }
    });
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  subscribe<T extends DomainEventType>(type: T, handler: EventHandler<T>): () => void {
    let set = this.handlers.get(type);
    if (set === undefined) {
      set = new Set();
      this.handlers.set(type, set);
    }
    // The bus delivers only events of `type` to this handler (handlers are kept by type).
    const stored = (event: DomainEvent) => handler(event as EventOf<T>);
    set.add(stored);
    return () => set.delete(stored);
  }

  listened(type: DomainEventType): boolean {
    return (this.handlers.get(type)?.size ?? 0) > 0;
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
  }
}
