import {
  asCallerError,
  type MigrationSet,
  migrateToLatest as runMigrations,
  type SqlErrorCode,
  type SqlFlavor,
} from '@safelight/sql';
import { type Kysely, type Migration, sql } from 'kysely';
import { HashbankError, type HashbankErrorCode } from '../bank/errors.js';

export type { SqlFlavor };

/**
 * Migrations live in code, not in a folder: Kysely's FileMigrationProvider imports files by
 * path at run time, which breaks between tsx (sources) and tsc output (dist). Names sort in
 * the order they apply; never edit an applied migration, add a new one. The runner is
 * @safelight/sql's, shared with the delivery server.
 */
export function hashbankMigrations(flavor: SqlFlavor): Record<string, Migration> {
  return {
    '0001_banks_entries_commitments': {
      async up(db: Kysely<unknown>) {
        // PostgreSQL compares text by the database's locale unless told otherwise; "C" makes
        // ORDER BY byte order, as in SQLite, so exports and commitments agree across dialects.
        const sortedText = flavor === 'postgres' ? sql`text collate "C"` : sql`text`;
        const id = flavor === 'postgres' ? 'bigint' : 'integer';
        await db.schema
          .createTable('banks')
          .addColumn('id', id, (c) =>
            flavor === 'postgres'
              ? c.primaryKey().generatedByDefaultAsIdentity()
              : c.primaryKey().autoIncrement(),
          )
          .addColumn('name', sortedText, (c) => c.notNull().unique())
          .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('match', 'allow')`))
          .addColumn('enabled', 'integer', (c) => c.notNull())
          .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('bank_entries')
          .addColumn('id', id, (c) =>
            flavor === 'postgres'
              ? c.primaryKey().generatedByDefaultAsIdentity()
              : c.primaryKey().autoIncrement(),
          )
          .addColumn('bank_id', id, (c) => c.notNull().references('banks.id').onDelete('cascade'))
          .addColumn('signal_type', sortedText, (c) => c.notNull())
          .addColumn('value', sortedText, (c) => c.notNull())
          .addColumn('source', 'text')
          .addColumn('external_id', 'text')
          .addColumn('added_at', 'text', (c) => c.notNull())
          .addColumn('removed_at', 'text')
          .addColumn('labels', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('metadata', 'text')
          // One entry per (bank, signal type, value): duplicates are refused by the database,
          // which is what lets a 10-million-line import detect them without holding a set.
          .addUniqueConstraint('bank_entries_unique_signal', ['bank_id', 'signal_type', 'value'])
          .execute();
        await db.schema
          .createTable('bank_commitments')
          .addColumn('id', id, (c) =>
            flavor === 'postgres'
              ? c.primaryKey().generatedByDefaultAsIdentity()
              : c.primaryKey().autoIncrement(),
          )
          .addColumn('bank_id', id, (c) => c.notNull().references('banks.id').onDelete('cascade'))
          .addColumn('root', 'text', (c) => c.notNull())
          .addColumn('tree_size', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('bank_commitments_by_bank')
          .on('bank_commitments')
          .columns(['bank_id', 'id'])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('bank_commitments').execute();
        await db.schema.dropTable('bank_entries').execute();
        await db.schema.dropTable('banks').execute();
      },
    },
  };
}

/** The hash bank's migrations as @safelight/sql's runner takes them (hashbank_migration, _lock). */
export function hashbankMigrationSet(flavor: SqlFlavor): MigrationSet {
  return { table: 'hashbank_migration', migrations: hashbankMigrations(flavor) };
}

/** @safelight/sql's error codes as the hash bank's (same message, same cause). */
const HASHBANK_CODES: Readonly<Record<SqlErrorCode, HashbankErrorCode>> = {
  SQL_INVALID_OPTION: 'BANK_INVALID_FIELD',
  SQL_UNAVAILABLE: 'BANK_STORAGE_UNAVAILABLE',
  SQL_MIGRATION_FAILED: 'BANK_STORAGE_FAILED',
};

/** A SqlError as a HashbankError (BANK_STORAGE_UNAVAILABLE, …); anything else unchanged. */
export function storageError(error: unknown): unknown {
  return asCallerError(
    error,
    (code, message, options) => new HashbankError(HASHBANK_CODES[code], message, options),
  );
}

/** Brings the schema up to date; throws BANK_STORAGE_FAILED naming the migration that failed. */
export async function migrateToLatest(
  db: Kysely<unknown>,
  flavor: SqlFlavor,
  schema?: string,
): Promise<void> {
  try {
    await runMigrations(db, hashbankMigrationSet(flavor), schema);
  } catch (error) {
    throw storageError(error);
  }
}
