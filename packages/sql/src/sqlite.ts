/**
 * SQLite connection setup: one file through better-sqlite3 (its folder created), WAL, foreign
 * keys, a busy timeout and a 64 MiB page cache, optionally a prepared-statement cache, then the
 * caller's migrations.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { SqlError } from './errors.js';
import { type MigrationSet, migrateOrClose } from './migrations.js';

export interface SqliteOptions {
  /** A database file (its folder is created) or ':memory:'. */
  readonly file: string;
  /**
   * PRAGMA synchronous. FULL: a commit is on disk (the WAL fsynced) before it returns, so an
   * acknowledged write survives a power cut (the delivery server, which spreads that fsync over a
   * group commit). NORMAL: durable across application crashes (the hash bank's imports).
   */
  readonly synchronous: 'FULL' | 'NORMAL';
  /** Reuse prepared statements by SQL text (see withStatementCache); default false. */
  readonly statementCache?: boolean;
  /** Run before the database is handed out; it is closed if they fail. */
  readonly migrations?: MigrationSet;
}

/** Opens (creating if missing) the database file, sets it up and migrates. */
export async function openSqlite<DB>(options: SqliteOptions): Promise<Kysely<DB>> {
  const { file } = options;
  let database: Database.Database;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    database = new Database(file);
  } catch (error) {
    throw new SqlError('SQL_UNAVAILABLE', `cannot open SQLite database ${file}: ${String(error)}`, {
      cause: error,
    });
  }
  // WAL lets readers (a matcher loading a bank, the delivery readers) run while a write is going on.
  if (file !== ':memory:') database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${options.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // 64 MiB of page cache instead of SQLite's 2 MiB: imports insert random hashes all over a unique
  // index, and with a small cache every insert reads pages back from the OS.
  database.pragma('cache_size = -65536');
  const db = new Kysely<DB>({
    dialect: new SqliteDialect({
      database: options.statementCache ? withStatementCache(database) : database,
    }),
  });
  if (options.migrations) await migrateOrClose(db as Kysely<unknown>, options.migrations);
  return db;
}

/**
 * Kysely's SQLite driver prepares every query afresh; preparing costs about as much as running
 * a small statement. Hot queries have fixed SQL text, so reuse their prepared statements
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
