import { asCallerError, type MigrationSet, type SqlErrorCode, type SqlFlavor } from '@safelight/sql';
import type { Kysely, Migration } from 'kysely';
import { ServerError, type ServerErrorCode } from '../errors.js';

export type { SqlFlavor };

/**
 * Migrations live in code (as in packages/hashbank): names sort in the order they apply; never
 * edit an applied migration, add a new one.
 */
export function deliveryMigrations(flavor: SqlFlavor): Record<string, Migration> {
  const bytes = flavor === 'postgres' ? 'bytea' : 'blob';
  const int = flavor === 'postgres' ? 'bigint' : 'integer';
  return {
    '0001_delivery': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('accounts')
          .addColumn('account_id', 'text', (c) => c.primaryKey())
          .addColumn('handle', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', int, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('devices')
          .addColumn('device_id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
          .addColumn('public_key', bytes, (c) => c.notNull())
          .addColumn('created_at', int, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('devices_by_account').on('devices').column('account_id').execute();
        await db.schema
          .createTable('auth_challenges')
          .addColumn('challenge', 'text', (c) => c.primaryKey())
          .addColumn('expires_at', int, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('sessions')
          .addColumn('token_hash', bytes, (c) => c.primaryKey())
          .addColumn('device_id', 'text', (c) => c.notNull().references('devices.device_id'))
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('expires_at', int, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('key_packages')
          .addColumn('id', int, (c) =>
            flavor === 'postgres'
              ? c.primaryKey().generatedByDefaultAsIdentity()
              : c.primaryKey().autoIncrement(),
          )
          .addColumn('device_id', 'text', (c) => c.notNull().references('devices.device_id'))
          .addColumn('key_package', bytes, (c) => c.notNull())
          .addColumn('created_at', int, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('key_packages_by_device')
          .on('key_packages')
          .columns(['device_id', 'id'])
          .execute();
        await db.schema
          .createTable('groups')
          .addColumn('group_id', 'text', (c) => c.primaryKey())
          .addColumn('epoch', int, (c) => c.notNull())
          .addColumn('next_seq', int, (c) => c.notNull())
          .addColumn('created_at', int, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('group_members')
          .addColumn('group_id', 'text', (c) => c.notNull().references('groups.group_id'))
          .addColumn('device_id', 'text', (c) => c.notNull().references('devices.device_id'))
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'device_id'])
          .execute();
        await db.schema
          .createTable('messages')
          .addColumn('group_id', 'text', (c) => c.notNull())
          .addColumn('message_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('sender_device_id', 'text', (c) => c.notNull())
          .addColumn('digest', bytes, (c) => c.notNull())
          .addColumn('answer', 'text', (c) => c.notNull())
          .addColumn('received_at', int, (c) => c.notNull())
          .addPrimaryKeyConstraint('messages_pk', ['group_id', 'message_id'])
          .execute();
        await db.schema
          .createTable('inbox')
          // AUTOINCREMENT / identity: a seq is never reused, even after every item was acknowledged.
          .addColumn('seq', int, (c) =>
            flavor === 'postgres'
              ? c.primaryKey().generatedByDefaultAsIdentity()
              : c.primaryKey().autoIncrement(),
          )
          .addColumn('device_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('group_id', 'text', (c) => c.notNull())
          .addColumn('message_id', 'text', (c) => c.notNull())
          .addColumn('sender_account_id', 'text', (c) => c.notNull())
          .addColumn('sender_device_id', 'text', (c) => c.notNull())
          .addColumn('payload', bytes, (c) => c.notNull())
          .addColumn('received_at', int, (c) => c.notNull())
          .addColumn('frank', bytes)
          .execute();
        await db.schema.createIndex('inbox_by_device').on('inbox').columns(['device_id', 'seq']).execute();
      },
    },
    // Safety by design (docs/safety.md): declared ages, settings, contacts, blocks, parent links
    // and the approvals a linked parent gives. Metadata only: nothing here is message content.
    '0002_safety': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('safety_profiles')
          .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.account_id'))
          .addColumn('birth_date', 'text', (c) => c.notNull())
          .addColumn('assured_method', 'text')
          .addColumn('settings', 'text', (c) => c.notNull())
          .addColumn('created_at', int, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('safety_contacts')
          .addColumn('owner_id', 'text', (c) => c.notNull())
          .addColumn('other_id', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('created_at', int, (c) => c.notNull())
          .addPrimaryKeyConstraint('safety_contacts_pk', ['owner_id', 'other_id'])
          .execute();
        await db.schema
          .createIndex('safety_contacts_by_other')
          .on('safety_contacts')
          .columns(['other_id', 'state'])
          .execute();
        await db.schema
          .createTable('safety_blocks')
          .addColumn('blocker_id', 'text', (c) => c.notNull())
          .addColumn('blocked_id', 'text', (c) => c.notNull())
          .addColumn('created_at', int, (c) => c.notNull())
          .addPrimaryKeyConstraint('safety_blocks_pk', ['blocker_id', 'blocked_id'])
          .execute();
        await db.schema
          .createTable('safety_parent_links')
          .addColumn('parent_id', 'text', (c) => c.notNull())
          .addColumn('child_id', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('created_at', int, (c) => c.notNull())
          .addPrimaryKeyConstraint('safety_parent_links_pk', ['parent_id', 'child_id'])
          .execute();
        await db.schema
          .createTable('safety_approvals')
          .addColumn('approval_id', 'text', (c) => c.primaryKey())
          .addColumn('child_id', 'text', (c) => c.notNull())
          .addColumn('setting_key', 'text', (c) => c.notNull())
          .addColumn('setting_value', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('created_at', int, (c) => c.notNull())
          .addColumn('decided_by', 'text')
          .addColumn('decided_at', int)
          .execute();
        await db.schema
          .createIndex('safety_approvals_by_child')
          .on('safety_approvals')
          .columns(['child_id', 'state'])
          .execute();
      },
    },
    // Reports and moderation (docs/reporting.md): cases, their event logs, the reports users
    // made (what they chose to reveal, with which parts verified) and the hash-chained audit log.
    '0003_reporting': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('mod_cases')
          .addColumn('case_id', 'text', (c) => c.primaryKey())
          .addColumn('subject_account_id', 'text', (c) => c.notNull())
          .addColumn('created_at', int, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('mod_cases_by_subject')
          .on('mod_cases')
          .columns(['subject_account_id'])
          .execute();
        await db.schema
          .createTable('mod_case_events')
          .addColumn('case_id', 'text', (c) => c.notNull().references('mod_cases.case_id'))
          .addColumn('seq', int, (c) => c.notNull())
          .addColumn('at', int, (c) => c.notNull())
          .addColumn('event', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('mod_case_events_pk', ['case_id', 'seq'])
          .execute();
        await db.schema
          .createTable('mod_reports')
          .addColumn('report_id', 'text', (c) => c.primaryKey())
          .addColumn('case_id', 'text', (c) => c.notNull().references('mod_cases.case_id'))
          .addColumn('reporter_account_id', 'text', (c) => c.notNull())
          .addColumn('created_at', int, (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('mod_audit')
          .addColumn('seq', int, (c) => c.primaryKey())
          .addColumn('entry', 'text', (c) => c.notNull())
          .execute();
      },
    },
    // CyberTipline submissions per case (routes/ncmec.ts): the exactly-once flow's durable record.
    '0004_ncmec': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('mod_ncmec')
          .addColumn('case_id', 'text', (c) => c.primaryKey())
          .addColumn('record', 'text', (c) => c.notNull())
          .execute();
      },
    },
    // Unencrypted surfaces (services/surfaces.ts): public display names, descriptions and avatars.
    '0005_surfaces': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('surface_profiles')
          .addColumn('subject', 'text', (c) => c.primaryKey())
          .addColumn('profile', 'text', (c) => c.notNull())
          .addColumn('updated_at', int, (c) => c.notNull())
          .execute();
      },
    },
    // The metadata risk engine's latest verdict per account (services/risk.ts, docs/safety.md).
    '0006_risk': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('risk_state')
          .addColumn('account_id', 'text', (c) => c.primaryKey())
          .addColumn('score', 'text', (c) => c.notNull())
          .addColumn('updated_at', int, (c) => c.notNull())
          .execute();
      },
    },
    // Who starts conversations (storage/conversation-repository.ts): group creation and the
    // accounts commits bring in, metadata the server already sees; feeds the burst signals.
    '0007_conversations': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('conversation_origins')
          .addColumn('group_id', 'text', (c) => c.primaryKey())
          .addColumn('creator_account_id', 'text', (c) => c.notNull())
          .addColumn('created_at', int, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('conversation_origins_by_creator')
          .on('conversation_origins')
          .columns(['creator_account_id', 'created_at'])
          .execute();
        await db.schema
          .createTable('conversation_adds')
          .addColumn('group_id', 'text', (c) => c.notNull())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('added_by', 'text', (c) => c.notNull())
          .addColumn('added_at', int, (c) => c.notNull())
          .addPrimaryKeyConstraint('conversation_adds_pk', ['group_id', 'account_id'])
          .execute();
        await db.schema
          .createIndex('conversation_adds_by_adder')
          .on('conversation_adds')
          .columns(['added_by', 'added_at'])
          .execute();
      },
    },
    // Pending challenges of round-trip detection modes (he-fuzzy), so any server process can finish
    // what another started (detection/challenge-store.ts, storage/schema.ts).
    '0008_detection_challenges': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('detection_challenges')
          .addColumn('challenge_id', 'text', (c) => c.primaryKey())
          .addColumn('device_id', 'text', (c) => c.notNull())
          .addColumn('state', bytes)
          .addColumn('expires_at', int, (c) => c.notNull())
          .addColumn('answered_at', int)
          .execute();
        await db.schema
          .createIndex('detection_challenges_by_expiry')
          .on('detection_challenges')
          .column('expires_at')
          .execute();
      },
    },
  };
}

/**
 * The delivery migrations as @safelight/sql's runner takes them (bookkeeping in delivery_migration
 * and delivery_migration_lock, as before the runner moved there).
 */
export function deliveryMigrationSet(flavor: SqlFlavor): MigrationSet {
  return { table: 'delivery_migration', migrations: deliveryMigrations(flavor) };
}

/** @safelight/sql's error codes as the server's (same message, same cause). */
const SERVER_CODES: Readonly<Record<SqlErrorCode, ServerErrorCode>> = {
  SQL_INVALID_OPTION: 'VALIDATION_FAILED',
  SQL_UNAVAILABLE: 'STORAGE_UNAVAILABLE',
  SQL_MIGRATION_FAILED: 'STORAGE_FAILED',
};

/** A SqlError as a ServerError (STORAGE_UNAVAILABLE, STORAGE_FAILED, …); anything else unchanged. */
export function storageError(error: unknown): unknown {
  return asCallerError(
    error,
    (code, message, options) => new ServerError(SERVER_CODES[code], message, {}, options),
  );
}
