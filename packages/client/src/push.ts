// The WebSocket push channel (docs/delivery.md, "Inbox"): subscribe after the last processed seq,
// hand each pushed batch to the client, acknowledge what it processed. Reconnects with backoff
// until closed; anything missed while disconnected is redelivered on the next subscribe because
// unacknowledged items stay queued on the server.
import type { InboxItem } from './server-api.js';

/**
 * The subset of the WHATWG WebSocket that both browsers and the `ws` package provide. Handler
 * parameters are typed `never` so either implementation's event types fit; our handlers only
 * read `data` from message events.
 */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface PushOptions {
  readonly url: string;
  readonly WebSocket: WebSocketConstructor;
  /** The seq after which the server should start (re)sending. */
  readonly after: () => number;
  /** Processes a batch; resolves to the highest seq processed (acknowledged to the server). */
  readonly onItems: (items: InboxItem[]) => Promise<number>;
}

const OPEN = 1;
const MAX_BACKOFF_MS = 5_000;

export class PushConnection {
  private socket: WebSocketLike | undefined;
  private closed = false;
  private backoffMs = 100;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: PushOptions) {}

  /** Resolves once the first connection is open and subscribed. */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.connect(resolve, reject);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      if (socket.readyState > OPEN) return resolve();
      socket.onclose = () => resolve();
      socket.close(1000, 'client closing');
      setTimeout(resolve, 1_000); // never hang shutdown on a peer that does not answer the close
    });
  }

  private connect(onFirstOpen?: () => void, onFirstError?: (error: Error) => void): void {
    const socket = new this.options.WebSocket(this.options.url);
    this.socket = socket;
    socket.onopen = () => {
      this.backoffMs = 100;
      socket.send(JSON.stringify({ type: 'subscribe', after: this.options.after() }));
      onFirstOpen?.();
      onFirstOpen = undefined;
      onFirstError = undefined;
    };
    socket.onmessage = (event: { data: unknown }) => {
      const frame = parseFrame(event.data);
      if (frame?.type !== 'items' || !Array.isArray(frame.items)) return;
      void this.options.onItems(frame.items as InboxItem[]).then(
        (upTo) => {
          if (socket.readyState === OPEN && upTo > 0) socket.send(JSON.stringify({ type: 'ack', upTo }));
        },
        () => {
          // Processing failures are reported by the client's own events; the items stay queued.
        },
      );
    };
    socket.onerror = () => {
      if (onFirstError) {
        onFirstError(new Error(`WebSocket connection to push endpoint failed`));
        onFirstError = undefined;
        onFirstOpen = undefined;
        this.closed = true;
      }
    };
    socket.onclose = () => {
      if (this.closed || this.socket !== socket) return;
      this.reconnectTimer = setTimeout(() => this.connect(), this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    };
  }
}

function parseFrame(data: unknown): { type?: string; items?: unknown } | undefined {
  try {
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data as Uint8Array);
    return JSON.parse(text) as { type?: string; items?: unknown };
  } catch {
    return undefined;
  }
}
