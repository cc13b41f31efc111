/**
 * The migration runner: Kysely's Migrator over migrations that live in code, not in a folder
 * (Kysely's FileMigrationProvider imports files by path at run time, which breaks between tsx
 * (sources) and tsc output (dist)). The migrations themselves stay with their owner.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { SqlError } from './errors.js';

export type SqlFlavor = 'sqlite' | 'postgres';

/** One owner's migrations and the table that records which of them ran. */
export interface MigrationSet {
  /** Kysely's bookkeeping table, e.g. "delivery_migration"; its lock table is `${table}_lock`. */
  readonly table: string;
  /** By name; names sort in the order they apply. Never edit an applied migration, add a new one. */
  readonly migrations: Readonly<Record<string, Migration>>;
}

class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly migrations: Readonly<Record<string, Migration>>) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    return { ...this.migrations };
  }
}

/**
 * Brings the schema up to date. `schema` (PostgreSQL) is where the bookkeeping tables go; the
 * migrations' own tables follow the connection's search_path. Throws SQL_MIGRATION_FAILED naming
 * the migration that failed, with the database's error as the cause.
 */
export async function migrateToLatest(
  db: Kysely<unknown>,
  set: MigrationSet,
  schema?: string,
): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: new InCodeMigrationProvider(set.migrations),
    migrationTableName: set.table,
    migrationLockTableName: `${set.table}_lock`,
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'setup';
    throw new SqlError('SQL_MIGRATION_FAILED', `database migration ${failed} failed: ${String(error)}`, {
      cause: error,
    });
  }
}

/** Runs `set` on a freshly opened database; if it fails the database is closed before the error goes on. */
export async function migrateOrClose(db: Kysely<unknown>, set: MigrationSet, schema?: string): Promise<void> {
  try {
    await migrateToLatest(db, set, schema);
  } catch (error) {
    await db.destroy();
    throw error;
  }
}
