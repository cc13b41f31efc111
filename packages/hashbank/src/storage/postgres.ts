import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { HashbankError } from '../bank/errors.js';
import { KyselyBankRepository, type RepositoryOptions } from './kysely-repository.js';
import { migrateToLatest } from './migrations.js';
import type { HashbankDatabase } from './schema.js';

export interface PostgresRepositoryOptions extends RepositoryOptions {
  /** postgres://user@host:port/database */
  connectionString: string;
  /** Schema for the tables (created if missing); default "public". Tests use one per run. */
  schema?: string;
  /** Pool size; default 4. */
  maxConnections?: number;
}

const INT8_OID = 20;

/**
 * PostgreSQL returns bigint (ids, counts, sums) as strings to avoid precision loss; ours stay far
 * below 2^53, so they are parsed as numbers for this pool only (not pg's global parser table).
 */
function bigintAsNumber(driver: typeof pg): pg.CustomTypesConfig {
  return {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
      return driver.types.getTypeParser(oid, format as 'text');
    },
  } as unknown as pg.CustomTypesConfig;
}

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openPostgresRepository(
  options: PostgresRepositoryOptions,
): Promise<KyselyBankRepository> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_PATTERN.test(schema)) {
    throw new HashbankError(
      'BANK_INVALID_FIELD',
      `schema ${JSON.stringify(schema)} must be a lowercase identifier`,
    );
  }
  // The driver loads only when PostgreSQL is configured: the embedded default never pays for it.
  const { default: driver } = await import('pg');
  const pool = new driver.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 4,
    // Every connection resolves unqualified table names in our schema.
    options: `-c search_path=${schema}`,
    types: bigintAsNumber(driver),
  });
  const db = new Kysely<HashbankDatabase>({ dialect: new PostgresDialect({ pool }) });
  try {
    const client = await pool.connect();
    try {
      await client.query(`create schema if not exists ${schema}`);
    } finally {
      client.release();
    }
  } catch (error) {
    await db.destroy();
    throw new HashbankError(
      'BANK_STORAGE_UNAVAILABLE',
      `cannot connect to PostgreSQL at ${redact(options.connectionString)}: ${String(error)}`,
      { cause: error },
    );
  }
  try {
    await migrateToLatest(db as Kysely<unknown>, 'postgres', schema);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new KyselyBankRepository(db, 'postgres', options);
}

/** A connection string without its password, for messages. */
export function redact(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable connection string)';
  }
}
