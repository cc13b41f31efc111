import type { delivery } from '@safelight/api';
import type { WebSocket } from 'ws';
import { toB64u } from './encoding.js';
import { sendBatched } from './socket-batching.js';
import type { DeliveryRepository, InboxItem } from './storage/repository.js';

/** An inbox item as JSON: the API contract's shape (docs/delivery.md). */
export type InboxItemJson = delivery.InboxItem;

/**
 * Base64url of payloads and franks, per byte array: a fan-out pushes the same message to every
 * member device, and the items share one payload array, so it is encoded once, not 99 times.
 */
const encoded = new WeakMap<Uint8Array, string>();
function b64uOnce(bytes: Uint8Array): string {
  let text = encoded.get(bytes);
  if (text === undefined) {
    text = toB64u(bytes);
    encoded.set(bytes, text);
  }
  return text;
}

export function itemJson(item: InboxItem): InboxItemJson {
  const json: InboxItemJson = {
    seq: item.seq,
    kind: item.kind,
    groupId: item.groupId,
    messageId: item.messageId,
    senderAccountId: item.senderAccountId,
    senderDeviceId: item.senderDeviceId,
    payload: b64uOnce(item.payload),
    receivedAt: item.receivedAt,
  };
  if (item.frank !== null) json.frank = b64uOnce(item.frank);
  return json;
}

interface Subscriber {
  socket: WebSocket;
  deviceId: string;
  /** Highest seq sent on this socket. */
  lastSent: number;
  /** new: no subscribe yet; catching-up: reading the backlog; live: pushed from memory. */
  state: 'new' | 'catching-up' | 'live';
  /** Something was committed for this device while the backlog was being read. */
  dirty: boolean;
}

/**
 * WebSocket push. A subscriber first reads its backlog from the database (pages of `pageSize`),
 * then goes live: items committed afterwards are pushed from memory by the writer's after-commit
 * hook, in commit order, to every socket of the recipient device. Commits that land while the
 * backlog is read mark it dirty and the backlog is read again, so nothing falls between the two.
 */
export class PushHub {
  private readonly byDevice = new Map<string, Set<Subscriber>>();
  private count = 0;

  constructor(
    private readonly repository: DeliveryRepository,
    private readonly pageSize: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  get connections(): number {
    return this.count;
  }

  add(deviceId: string, socket: WebSocket): Subscriber {
    const sub: Subscriber = { socket, deviceId, lastSent: 0, state: 'new', dirty: false };
    let set = this.byDevice.get(deviceId);
    if (set === undefined) {
      set = new Set();
      this.byDevice.set(deviceId, set);
    }
    set.add(sub);
    this.count++;
    return sub;
  }

  remove(sub: Subscriber): void {
    const set = this.byDevice.get(sub.deviceId);
    if (set?.delete(sub)) {
      this.count--;
      if (set.size === 0) this.byDevice.delete(sub.deviceId);
    }
  }

  subscribe(sub: Subscriber, after: number): void {
    sub.lastSent = after;
    if (sub.state === 'catching-up') {
      sub.dirty = true;
      return;
    }
    void this.catchUp(sub);
  }

  /** Called after a commit with the items it added, grouped by device, in seq order. */
  notify(items: InboxItem[]): void {
    for (const item of items) {
      const set = this.byDevice.get(item.deviceId);
      if (set === undefined) continue;
      for (const sub of set) {
        if (sub.state === 'catching-up') sub.dirty = true;
        else if (sub.state === 'live' && item.seq > sub.lastSent) {
          this.send(sub, [itemJson(item)]);
          sub.lastSent = item.seq;
        }
      }
    }
  }

  closeAll(): void {
    for (const set of this.byDevice.values()) for (const sub of set) sub.socket.close(1001, 'server closing');
  }

  private async catchUp(sub: Subscriber): Promise<void> {
    sub.state = 'catching-up';
    try {
      for (;;) {
        sub.dirty = false;
        const items = await this.repository.inbox(sub.deviceId, sub.lastSent, this.pageSize);
        if (sub.socket.readyState !== sub.socket.OPEN) return;
        if (items.length > 0) {
          this.send(sub, items.map(itemJson));
          sub.lastSent = items[items.length - 1]!.seq;
        }
        if (items.length < this.pageSize && !sub.dirty) break;
      }
      sub.state = 'live';
    } catch (error) {
      sub.state = 'new';
      this.onError(error);
      sub.socket.close(1011, 'inbox read failed');
    }
  }

  private send(sub: Subscriber, items: InboxItemJson[]): void {
    if (sub.socket.readyState === sub.socket.OPEN)
      sendBatched(sub.socket, JSON.stringify({ type: 'items', items }));
  }
}
