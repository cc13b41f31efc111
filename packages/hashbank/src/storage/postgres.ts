import { openPostgres } from '@safelight/sql';
import { KyselyBankRepository, type RepositoryOptions } from './kysely-repository.js';
import { hashbankMigrationSet, storageError } from './migrations.js';
import type { HashbankDatabase } from './schema.js';

// The pool (schema and search_path, bigint as number) and the migration runner are @safelight/sql's,
// shared with the delivery server; its errors become HashbankErrors here (storageError).
export { redactUrl as redact } from '@safelight/sql';

export interface PostgresRepositoryOptions extends RepositoryOptions {
  /** postgres://user@host:port/database */
  connectionString: string;
  /** Schema for the tables (created if missing); default "public". Tests use one per run. */
  schema?: string;
  /** Pool size; default 4. */
  maxConnections?: number;
}

export async function openPostgresRepository(
  options: PostgresRepositoryOptions,
): Promise<KyselyBankRepository> {
  try {
    // No URL scheme check here (openRepository makes it), as before the move.
    const db = await openPostgres<HashbankDatabase>({
      url: options.connectionString,
      schema: options.schema,
      maxConnections: options.maxConnections,
      migrations: hashbankMigrationSet('postgres'),
    });
    return new KyselyBankRepository(db, 'postgres', options);
  } catch (error) {
    throw storageError(error);
  }
}
