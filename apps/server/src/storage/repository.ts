/**
 * The delivery server's storage contract, implemented once over Kysely (kysely-repository.ts) for
 * SQLite and PostgreSQL, and tested by one shared suite against both (repository.suite.ts).
 *
 * Decisions about what may happen (epochs, membership, idempotency) are made by the server's
 * single writer (writer.ts), which runs each batch of operations in one `transaction()`; the
 * queries below only read and write rows.
 */
import type { Db } from './schema.js';

export interface AccountRow {
  accountId: string;
  handle: string;
  createdAt: number;
}

export interface DeviceRow {
  deviceId: string;
  accountId: string;
  publicKey: Uint8Array;
  createdAt: number;
}

export interface SessionRow {
  deviceId: string;
  accountId: string;
  expiresAt: number;
}

export interface GroupRow {
  groupId: string;
  epoch: number;
  nextSeq: number;
}

export interface MemberRow {
  deviceId: string;
  accountId: string;
}

export interface MessageRecord {
  groupId: string;
  messageId: string;
  kind: InboxKind;
  senderDeviceId: string;
  digest: Uint8Array;
  answer: string;
  receivedAt: number;
}

export type InboxKind = 'commit' | 'welcome' | 'application';

export interface NewInboxItem {
  deviceId: string;
  kind: InboxKind;
  groupId: string;
  messageId: string;
  senderAccountId: string;
  senderDeviceId: string;
  payload: Uint8Array;
  receivedAt: number;
  frank: Uint8Array | null;
}

export interface InboxItem extends NewInboxItem {
  seq: number;
}

export interface DeliveryQueries {
  /**
   * The typed Kysely handle these queries run on (the database or the open transaction): the
   * other query modules (safety, reporting, conversations...) are built over it, so everything a
   * service does in one write shares one transaction.
   */
  readonly db: Db;

  insertChallenge(challenge: string, expiresAt: number): Promise<void>;
  /** Deletes the challenge; true when it existed and had not expired at `now`. */
  consumeChallenge(challenge: string, now: number): Promise<boolean>;
  deleteExpired(now: number): Promise<void>;

  insertAccount(account: AccountRow): Promise<void>;
  accountById(accountId: string): Promise<AccountRow | undefined>;
  accountByHandle(handle: string): Promise<AccountRow | undefined>;

  insertDevice(device: DeviceRow): Promise<void>;
  device(deviceId: string): Promise<DeviceRow | undefined>;
  devicesOfAccount(accountId: string): Promise<DeviceRow[]>;

  insertSession(tokenHash: Uint8Array, session: SessionRow): Promise<void>;
  session(tokenHash: Uint8Array): Promise<SessionRow | undefined>;

  countKeyPackages(deviceId: string): Promise<number>;
  insertKeyPackages(deviceId: string, keyPackages: Uint8Array[], createdAt: number): Promise<void>;
  /** Removes and returns the device's oldest key package. */
  takeKeyPackage(deviceId: string): Promise<Uint8Array | undefined>;

  insertGroup(group: GroupRow, createdAt: number): Promise<void>;
  group(groupId: string): Promise<GroupRow | undefined>;
  updateGroup(group: GroupRow): Promise<void>;
  members(groupId: string): Promise<MemberRow[]>;
  addMembers(groupId: string, members: MemberRow[]): Promise<void>;
  removeMembers(groupId: string, deviceIds: string[]): Promise<void>;

  message(groupId: string, messageId: string): Promise<MessageRecord | undefined>;
  insertMessage(message: MessageRecord): Promise<void>;
  /** Inserts unless (groupId, messageId) exists; true when inserted. Nothing is written otherwise. */
  insertMessageIfNew(message: MessageRecord): Promise<boolean>;

  /** Appends items; returns their seqs in order (never reused, ascending per call). */
  appendInbox(items: NewInboxItem[]): Promise<number[]>;
  inbox(deviceId: string, after: number, limit: number): Promise<InboxItem[]>;
  /** Deletes the device's items with seq <= upTo; returns how many. */
  ack(deviceId: string, upTo: number): Promise<number>;
}

export interface DeliveryRepository extends DeliveryQueries {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: DeliveryQueries) => Promise<T>): Promise<T>;
  /** Throws when the database cannot answer (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
