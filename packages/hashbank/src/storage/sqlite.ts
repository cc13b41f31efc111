import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { HashbankError } from '../bank/errors.js';
import { KyselyBankRepository, type RepositoryOptions } from './kysely-repository.js';
import { migrateToLatest } from './migrations.js';
import type { HashbankDatabase } from './schema.js';

export interface SqliteRepositoryOptions extends RepositoryOptions {
  /** A database file (its folder is created) or ':memory:'. */
  file: string;
}

/** The embedded default: one SQLite file through better-sqlite3, migrated on open. */
export async function openSqliteRepository(options: SqliteRepositoryOptions): Promise<KyselyBankRepository> {
  let database: Database.Database;
  try {
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
    database = new Database(options.file);
  } catch (error) {
    throw new HashbankError(
      'BANK_STORAGE_UNAVAILABLE',
      `cannot open SQLite database ${options.file}: ${String(error)}`,
      {
        cause: error,
      },
    );
  }
  // WAL lets readers (a matcher loading a bank) run while an import writes; NORMAL sync is
  // durable across application crashes, which is what an embedded server needs.
  if (options.file !== ':memory:') database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // 64 MiB of page cache instead of SQLite's 2 MiB: imports insert random hashes all over the
  // unique index, and with a small cache every insert reads pages back from the OS.
  database.pragma('cache_size = -65536');
  const db = new Kysely<HashbankDatabase>({ dialect: new SqliteDialect({ database }) });
  try {
    await migrateToLatest(db as Kysely<unknown>, 'sqlite');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new KyselyBankRepository(db, 'sqlite', options);
}
