// What the client keeps beside its MLS state: its registration, the inbox cursor, the ids it has
// already processed (at-least-once delivery means duplicates arrive), and the message history a
// user can later report from. Everything lives in the device's DeviceStateStore under "client.".
import { type DeviceStateStore, fromBase64Url, toBase64Url } from '@safelight/e2ee';
import type { Nudge } from '@safelight/safety';
import type { AttachmentRef } from './content.js';

export interface Registration {
  readonly serverUrl: string;
  readonly accountId: string;
  readonly deviceId: string;
  readonly handle: string;
}

/** One message as this device saw it, with everything needed to report it verifiably. */
export interface StoredMessage {
  readonly conversationId: string;
  readonly messageId: string;
  readonly direction: 'in' | 'out';
  readonly senderAccountId: string;
  readonly senderDeviceId: string;
  readonly text: string;
  readonly contentType?: string | undefined;
  readonly attachments: readonly StoredAttachment[];
  readonly frankingKey: Uint8Array;
  readonly tag: Uint8Array;
  /** The server's frank (encoded), binding tag, sender, conversation, id and time. */
  readonly frank: Uint8Array;
  readonly receivedAt: number;
  /**
   * Grooming-risk nudges for a protected minor (received messages only). Computed and kept on this
   * device; never sent anywhere.
   */
  readonly nudges?: readonly Nudge[] | undefined;
}

/** An attachment as stored: `blur` is the device's own decision at receipt (minors' safeguards). */
export type StoredAttachment = AttachmentRef & { readonly blur?: boolean | undefined };

/** How many processed ids to remember for dedupe; older duplicates are also stopped by MLS itself. */
const SEEN_LIMIT = 20_000;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

export class LocalState {
  private seenOrder: string[] = [];
  private seenSet = new Set<string>();
  private histories = new Map<string, StoredMessage[]>();

  private constructor(
    private readonly store: DeviceStateStore,
    public registration: Registration | undefined,
    public cursor: number,
  ) {}

  static async load(store: DeviceStateStore): Promise<LocalState> {
    const registration = await readJson<Registration>(store, 'client.registration');
    const cursor = (await readJson<number>(store, 'client.cursor')) ?? 0;
    const state = new LocalState(store, registration, cursor);
    for (const id of (await readJson<string[]>(store, 'client.seen')) ?? []) state.remember(id);
    for (const conversationId of (await readJson<string[]>(store, 'client.conversations')) ?? []) {
      const raw = (await readJson<SerializedMessage[]>(store, `client.history.${conversationId}`)) ?? [];
      state.histories.set(conversationId, raw.map(deserializeMessage));
    }
    return state;
  }

  async saveRegistration(registration: Registration): Promise<void> {
    this.registration = registration;
    await writeJson(this.store, 'client.registration', registration);
  }

  hasSeen(conversationId: string, messageId: string): boolean {
    return this.seenSet.has(`${conversationId}:${messageId}`);
  }

  /** Records a processed item: its message (if any), the dedupe id and the cursor, then persists. */
  async recordProcessed(
    item: { seq: number; conversationId: string; messageId: string },
    message?: StoredMessage,
  ) {
    if (message) await this.appendMessage(message);
    this.remember(`${item.conversationId}:${item.messageId}`);
    this.cursor = Math.max(this.cursor, item.seq);
    await writeJson(this.store, 'client.seen', this.seenOrder);
    await writeJson(this.store, 'client.cursor', this.cursor);
  }

  async appendMessage(message: StoredMessage): Promise<void> {
    const isNew = !this.histories.has(message.conversationId);
    const history = this.histories.get(message.conversationId) ?? [];
    history.push(message);
    this.histories.set(message.conversationId, history);
    await writeJson(this.store, `client.history.${message.conversationId}`, history.map(serializeMessage));
    if (isNew) await writeJson(this.store, 'client.conversations', [...this.histories.keys()]);
  }

  async ensureConversation(conversationId: string): Promise<void> {
    if (this.histories.has(conversationId)) return;
    this.histories.set(conversationId, []);
    await writeJson(this.store, 'client.conversations', [...this.histories.keys()]);
  }

  history(conversationId: string): readonly StoredMessage[] {
    return this.histories.get(conversationId) ?? [];
  }

  private remember(id: string): void {
    if (this.seenSet.has(id)) return;
    this.seenSet.add(id);
    this.seenOrder.push(id);
    if (this.seenOrder.length > SEEN_LIMIT) {
      const dropped = this.seenOrder.shift();
      if (dropped !== undefined) this.seenSet.delete(dropped);
    }
  }
}

type SerializedMessage = Omit<StoredMessage, 'frankingKey' | 'tag' | 'frank' | 'attachments'> & {
  frankingKey: string;
  tag: string;
  frank: string;
  attachments: Array<Omit<AttachmentRef, 'key' | 'digest'> & { key: string; digest: string }>;
};

function serializeMessage(m: StoredMessage): SerializedMessage {
  return {
    ...m,
    frankingKey: toBase64Url(m.frankingKey),
    tag: toBase64Url(m.tag),
    frank: toBase64Url(m.frank),
    attachments: m.attachments.map((a) => ({ ...a, key: toBase64Url(a.key), digest: toBase64Url(a.digest) })),
  };
}

function deserializeMessage(m: SerializedMessage): StoredMessage {
  return {
    ...m,
    frankingKey: fromBase64Url(m.frankingKey),
    tag: fromBase64Url(m.tag),
    frank: fromBase64Url(m.frank),
    attachments: m.attachments.map((a) => ({
      ...a,
      key: fromBase64Url(a.key),
      digest: fromBase64Url(a.digest),
    })),
  };
}

async function readJson<T>(store: DeviceStateStore, key: string): Promise<T | undefined> {
  const bytes = await store.get(key);
  return bytes === undefined ? undefined : (JSON.parse(utf8Decoder.decode(bytes)) as T);
}

async function writeJson(store: DeviceStateStore, key: string, value: unknown): Promise<void> {
  await store.set(key, utf8.encode(JSON.stringify(value)));
}
