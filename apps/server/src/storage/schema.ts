import type { Generated } from 'kysely';

/**
 * Table shapes as both dialects store them. Times are integer milliseconds since the Unix epoch
 * (bigint in PostgreSQL, parsed to number), bytes are BLOB / bytea (never JSON or base64), ids are
 * text. Booleans do not occur.
 */
export interface AccountsTable {
  account_id: string;
  handle: string;
  created_at: number;
}

export interface DevicesTable {
  device_id: string;
  account_id: string;
  public_key: Uint8Array;
  created_at: number;
}

export interface AuthChallengesTable {
  challenge: string;
  expires_at: number;
}

export interface SessionsTable {
  /** SHA-256 of the bearer token; the token itself is never stored. */
  token_hash: Uint8Array;
  device_id: string;
  account_id: string;
  expires_at: number;
}

export interface KeyPackagesTable {
  id: Generated<number>;
  device_id: string;
  key_package: Uint8Array;
  created_at: number;
}

export interface GroupsTable {
  group_id: string;
  epoch: number;
  next_seq: number;
  created_at: number;
}

export interface GroupMembersTable {
  group_id: string;
  device_id: string;
  account_id: string;
}

export interface MessagesTable {
  group_id: string;
  message_id: string;
  kind: string;
  sender_device_id: string;
  /** SHA-256 of what was posted, to tell an idempotent retry from a reused id. */
  digest: Uint8Array;
  /** The JSON answer given the first time (small: seq, epoch, receivedAt, frank). */
  answer: string;
  received_at: number;
}

export interface InboxTable {
  seq: Generated<number>;
  device_id: string;
  kind: string;
  group_id: string;
  message_id: string;
  sender_account_id: string;
  sender_device_id: string;
  payload: Uint8Array;
  received_at: number;
  frank: Uint8Array | null;
}

export interface DeliveryDatabase {
  accounts: AccountsTable;
  devices: DevicesTable;
  auth_challenges: AuthChallengesTable;
  sessions: SessionsTable;
  key_packages: KeyPackagesTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  messages: MessagesTable;
  inbox: InboxTable;
}
