import { openSqlite } from '@safelight/sql';
import { KyselyBankRepository, type RepositoryOptions } from './kysely-repository.js';
import { hashbankMigrationSet, storageError } from './migrations.js';
import type { HashbankDatabase } from './schema.js';

export interface SqliteRepositoryOptions extends RepositoryOptions {
  /** A database file (its folder is created) or ':memory:'. */
  file: string;
}

/**
 * The embedded default: one SQLite file through better-sqlite3 (opened by @safelight/sql),
 * migrated on open. WAL lets readers (a matcher loading a bank) run while an import writes;
 * NORMAL sync is durable across application crashes, which is what an embedded server needs.
 */
export async function openSqliteRepository(options: SqliteRepositoryOptions): Promise<KyselyBankRepository> {
  try {
    const db = await openSqlite<HashbankDatabase>({
      file: options.file,
      synchronous: 'NORMAL',
      migrations: hashbankMigrationSet('sqlite'),
    });
    return new KyselyBankRepository(db, 'sqlite', options);
  } catch (error) {
    throw storageError(error);
  }
}
