import { openPostgres } from '@safelight/sql';
import { KyselyDeliveryRepository } from './kysely-repository.js';
import { deliveryMigrationSet, storageError } from './migrations.js';
import type { Database } from './schema.js';

// The pool (schema and search_path, bigint as number) and the migration runner are @safelight/sql's,
// shared with the hash bank; its errors become ServerErrors here (storageError).
export { redactUrl } from '@safelight/sql';

export interface PostgresOptions {
  /** postgres://user@host:port/database */
  url: string;
  /** Schema for the tables (created if missing); default "public". Tests use one per run. */
  schema?: string;
  /** Pool size; default 4 (the writer uses one connection at a time, readers the rest). */
  maxConnections?: number;
}

export async function openPostgresRepository(options: PostgresOptions): Promise<KyselyDeliveryRepository> {
  try {
    const db = await openPostgres<Database>({
      url: options.url,
      schema: options.schema,
      maxConnections: options.maxConnections,
      requirePostgresUrl: true,
      migrations: deliveryMigrationSet('postgres'),
    });
    return new KyselyDeliveryRepository(db, 'postgres');
  } catch (error) {
    throw storageError(error);
  }
}
