/**
 * PostgreSQL connection setup: a pg pool whose connections resolve unqualified table names in one
 * schema (created if missing), bigint parsed as a number for this pool only, a connection tried
 * before anything else happens, then the caller's migrations.
 */
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { SqlError } from './errors.js';
import { type MigrationSet, migrateOrClose } from './migrations.js';

export interface PostgresOptions {
  /** postgres://user@host:port/database */
  readonly url: string;
  /** Schema for the tables (created if missing); default "public". Tests use one per run. */
  readonly schema?: string;
  /** Pool size; default 4. */
  readonly maxConnections?: number;
  /**
   * Refuse a `url` that does not start with postgres:// or postgresql:// (SQL_INVALID_OPTION),
   * after the schema check. The server asks for it; the hash bank checks in its own openRepository.
   */
  readonly requirePostgresUrl?: boolean;
  /** Run before the database is handed out; it is closed if they fail. */
  readonly migrations?: MigrationSet;
}

const INT8_OID = 20;

/**
 * PostgreSQL returns bigint (ids, counts, sums, times, seqs) as strings to avoid precision loss;
 * ours stay far below 2^53, so they are parsed as numbers for this pool only (not pg's global
 * parser table).
 */
function bigintAsNumber(driver: typeof pg): pg.CustomTypesConfig {
  return {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
      return driver.types.getTypeParser(oid, format as 'text');
    },
  } as unknown as pg.CustomTypesConfig;
}

/** A lowercase identifier, so it can go into `search_path` and `create schema` unquoted. */
const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** Whether a connection string names PostgreSQL (postgres:// or postgresql://). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** Opens a pool on `options.url`, checks it connects, prepares the schema and migrates. */
export async function openPostgres<DB>(options: PostgresOptions): Promise<Kysely<DB>> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_PATTERN.test(schema)) {
    throw new SqlError(
      'SQL_INVALID_OPTION',
      `schema ${JSON.stringify(schema)} must be a lowercase identifier`,
    );
  }
  if (options.requirePostgresUrl && !isPostgresUrl(options.url)) {
    throw new SqlError('SQL_INVALID_OPTION', 'database URL must start with postgres:// or postgresql://');
  }
  // The driver loads only when PostgreSQL is configured: the embedded default never pays for it.
  const { default: driver } = await import('pg');
  const pool = new driver.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 4,
    // Every connection resolves unqualified table names in our schema.
    options: `-c search_path=${schema}`,
    types: bigintAsNumber(driver),
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  try {
    const client = await pool.connect();
    try {
      await client.query(`create schema if not exists ${schema}`);
    } finally {
      client.release();
    }
  } catch (error) {
    await db.destroy();
    throw new SqlError(
      'SQL_UNAVAILABLE',
      `cannot connect to PostgreSQL at ${redactUrl(options.url)}: ${String(error)}`,
      { cause: error },
    );
  }
  if (options.migrations) await migrateOrClose(db as Kysely<unknown>, options.migrations, schema);
  return db;
}

/** A connection string without its password, for messages and logs. */
export function redactUrl(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable connection string)';
  }
}
