import type { Generated, Kysely, Transaction } from 'kysely';

/**
 * Every table of the server, as both dialects store them (migrations.ts creates them). One
 * `Database` type covers them all, so every service reaches its tables through the same typed
 * Kysely handle (context.ts) and no module declares a private copy of a table.
 *
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

// ---- safety by design (migration 0002_safety, services/safety/) ----
// A contact request A -> B is the row (A, B, 'requested'); accepted contacts are two rows (A, B) and
// (B, A) in state 'accepted'. Settings are one JSON object per account.
export interface SafetyProfilesTable {
  account_id: string;
  birth_date: string;
  assured_method: string | null;
  settings: string;
  created_at: number;
}
export interface SafetyContactsTable {
  owner_id: string;
  other_id: string;
  state: 'requested' | 'accepted';
  created_at: number;
}
export interface SafetyBlocksTable {
  blocker_id: string;
  blocked_id: string;
  created_at: number;
}
export interface SafetyParentLinksTable {
  parent_id: string;
  child_id: string;
  state: 'invited' | 'active';
  created_at: number;
}
export interface SafetyApprovalsTable {
  approval_id: string;
  child_id: string;
  setting_key: string;
  setting_value: string;
  state: 'pending' | 'approved' | 'declined';
  created_at: number;
  decided_by: string | null;
  decided_at: number | null;
}

// ---- reports and moderation (migrations 0003_reporting, 0004_ncmec) ----
// Events and audit entries are canonical JSON: the reducer (packages/reporting) interprets them.
export interface ModCasesTable {
  case_id: string;
  subject_account_id: string;
  created_at: number;
}
export interface ModCaseEventsTable {
  case_id: string;
  seq: number;
  at: number;
  event: string;
}
export interface ModReportsTable {
  report_id: string;
  case_id: string;
  reporter_account_id: string;
  created_at: number;
  /** Sealed evidence (evidence.ts), or '' once deleted at the end of the retention period. */
  body: string;
}
export interface ModAuditTable {
  seq: number;
  entry: string;
}
export interface ModNcmecTable {
  case_id: string;
  record: string;
}

// ---- unencrypted surfaces (0005_surfaces), risk (0006_risk), conversations (0007) ----
export interface SurfaceProfilesTable {
  /** An account id or `group:<groupId>`. */
  subject: string;
  profile: string;
  updated_at: number;
}
export interface RiskStateTable {
  account_id: string;
  score: string;
  updated_at: number;
}
/** Who created a group (metadata the server sees anyway under MLS). */
export interface ConversationOriginsTable {
  group_id: string;
  creator_account_id: string;
  created_at: number;
}
/** The first time each account was brought into a group, and by whom. */
export interface ConversationAddsTable {
  group_id: string;
  account_id: string;
  added_by: string;
  added_at: number;
}

// ---- detection (0008_detection_challenges, detection/challenge-store.ts) ----
/**
 * A round-trip mode's challenge (he-fuzzy) between evaluate and the device's answer. The row
 * outlives its state: once answered or expired the state is dropped and the row stays as a marker
 * (answered / expired, for 409 / 410 instead of 404) until swept.
 */
export interface DetectionChallengeTable {
  /** Random, 16 bytes base64url (not the mode's own query id). */
  challenge_id: string;
  /** Only this device can answer it. */
  device_id: string;
  /** The mode's pending state (sealed); null once answered or expired. */
  state: Uint8Array | null;
  expires_at: number;
  /** When it was answered; null while pending or when it expired unanswered. */
  answered_at: number | null;
}

/** The delivery service's own tables (migration 0001_delivery). */
export interface DeliveryTables {
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

export interface Database extends DeliveryTables {
  safety_profiles: SafetyProfilesTable;
  safety_contacts: SafetyContactsTable;
  safety_blocks: SafetyBlocksTable;
  safety_parent_links: SafetyParentLinksTable;
  safety_approvals: SafetyApprovalsTable;
  mod_cases: ModCasesTable;
  mod_case_events: ModCaseEventsTable;
  mod_reports: ModReportsTable;
  mod_audit: ModAuditTable;
  mod_ncmec: ModNcmecTable;
  surface_profiles: SurfaceProfilesTable;
  risk_state: RiskStateTable;
  conversation_origins: ConversationOriginsTable;
  conversation_adds: ConversationAddsTable;
  detection_challenges: DetectionChallengeTable;
}

/** The database itself or one open transaction: what every query module is built over. */
export type Db = Kysely<Database> | Transaction<Database>;
