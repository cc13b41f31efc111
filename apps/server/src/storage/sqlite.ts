import { openSqlite } from '@safelight/sql';
import { KyselyDeliveryRepository } from './kysely-repository.js';
import { deliveryMigrationSet, storageError } from './migrations.js';
import type { Database } from './schema.js';

export const SQLITE_FILE_NAME = 'delivery.sqlite';

/**
 * The embedded default: one SQLite file through better-sqlite3 (opened by @safelight/sql). WAL
 * with synchronous=FULL: a commit is on disk (the WAL is fsynced) before it returns, so an
 * acknowledged message survives a power cut, and group commit (writer.ts) spreads that one fsync
 * over every message in a batch. The hot queries reuse their prepared statements.
 */
export async function openSqliteRepository(file: string): Promise<KyselyDeliveryRepository> {
  try {
    const db = await openSqlite<Database>({
      file,
      synchronous: 'FULL',
      statementCache: true,
      migrations: deliveryMigrationSet('sqlite'),
    });
    return new KyselyDeliveryRepository(db, 'sqlite');
  } catch (error) {
    throw storageError(error);
  }
}
