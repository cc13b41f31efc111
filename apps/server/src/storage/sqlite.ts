import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { ServerError } from '../errors.js';
import { KyselyDeliveryRepository } from './kysely-repository.js';
import { migrateToLatest } from './migrations.js';
import type { DeliveryDatabase } from './schema.js';

export const SQLITE_FILE_NAME = 'delivery.sqlite';

/**
 * The embedded default: one SQLite file through better-sqlite3. WAL with synchronous=FULL: a
 * commit is on disk (the WAL is fsynced) before it returns, so an acknowledged message survives
 * a power cut, and group commit (writer.ts) spreads that one fsync over every message in a batch.
 */
export async function openSqliteRepository(file: string): Promise<KyselyDeliveryRepository> {
  let database: Database.Database;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    database = new Database(file);
  } catch (error) {
    throw new ServerError(
      'STORAGE_UNAVAILABLE',
      `cannot open SQLite database ${file}: ${String(error)}`,
      {},
      {
        cause: error,
      },
    );
  }
  if (file !== ':memory:') database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  database.pragma('cache_size = -65536');
  const db = new Kysely<DeliveryDatabase>({
    dialect: new SqliteDialect({ database: withStatementCache(database) }),
  });
  try {
    await migrateToLatest(db as Kysely<unknown>, 'sqlite');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new KyselyDeliveryRepository(db, 'sqlite');
}

/**
 * Kysely's SQLite driver prepares every query afresh; preparing costs about as much as running
 * a small statement. The hot queries have fixed SQL text, so reuse their prepared statements
 * (better-sqlite3 statements are reusable once a run has finished, and the driver never keeps
 * iterators open across queries). Bounded, since IN-lists make some SQL text vary.
 */
function withStatementCache(database: Database.Database): Database.Database {
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = database.prepare(sql);
      if (statements.size >= 512) statements.clear();
      statements.set(sql, statement);
    }
    return statement;
  };
  return new Proxy(database, {
    get(target, property) {
      if (property === 'prepare') return prepare;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
