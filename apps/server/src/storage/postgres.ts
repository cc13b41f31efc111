import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { ServerError } from '../errors.js';
import { KyselyDeliveryRepository } from './kysely-repository.js';
import { migrateToLatest } from './migrations.js';
import type { DeliveryDatabase } from './schema.js';

export interface PostgresOptions {
  /** postgres://user@host:port/database */
  url: string;
  /** Schema for the tables (created if missing); default "public". Tests use one per run. */
  schema?: string;
  /** Pool size; default 4 (the writer uses one connection at a time, readers the rest). */
  maxConnections?: number;
}

const INT8_OID = 20;

/** bigint columns (times, seqs) parsed as numbers for this pool only; ours stay below 2^53. */
function bigintAsNumber(driver: typeof pg): pg.CustomTypesConfig {
  return {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
      return driver.types.getTypeParser(oid, format as 'text');
    },
  } as unknown as pg.CustomTypesConfig;
}

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openPostgresRepository(options: PostgresOptions): Promise<KyselyDeliveryRepository> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_PATTERN.test(schema)) {
    throw new ServerError(
      'VALIDATION_FAILED',
      `schema ${JSON.stringify(schema)} must be a lowercase identifier`,
    );
  }
  if (!/^postgres(ql)?:\/\//i.test(options.url)) {
    throw new ServerError('VALIDATION_FAILED', 'database URL must start with postgres:// or postgresql://');
  }
  // The driver loads only when PostgreSQL is configured.
  const { default: driver } = await import('pg');
  const pool = new driver.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 4,
    options: `-c search_path=${schema}`,
    types: bigintAsNumber(driver),
  });
  const db = new Kysely<DeliveryDatabase>({ dialect: new PostgresDialect({ pool }) });
  try {
    const client = await pool.connect();
    try {
      await client.query(`create schema if not exists ${schema}`);
    } finally {
      client.release();
    }
  } catch (error) {
    await db.destroy();
    throw new ServerError(
      'STORAGE_UNAVAILABLE',
      `cannot connect to PostgreSQL at ${redactUrl(options.url)}: ${String(error)}`,
      {},
      { cause: error },
    );
  }
  try {
    await migrateToLatest(db as Kysely<unknown>, 'postgres', schema);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new KyselyDeliveryRepository(db, 'postgres');
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
