import { join } from 'node:path';
import { isPostgresUrl } from '@safelight/sql';
import { HashbankError } from '../bank/errors.js';
import type { RepositoryOptions } from './kysely-repository.js';
import { openPostgresRepository } from './postgres.js';
import type { BankRepository } from './repository.js';
import { openSqliteRepository } from './sqlite.js';

export const DEFAULT_DATA_DIR = '.safelight/data';
export const SQLITE_FILE_NAME = 'hashbank.sqlite';

export interface OpenRepositoryOptions extends RepositoryOptions {
  /** postgres:// or postgresql:// selects PostgreSQL; otherwise SQLite in `dataDir`. */
  databaseUrl?: string;
  /** Folder for the SQLite file (default .safelight/data); ':memory:' for a throwaway database. */
  dataDir?: string;
  /** PostgreSQL schema (default public). */
  schema?: string;
}

/** Opens the configured store: PostgreSQL when a postgres URL is given, else embedded SQLite. */
export async function openRepository(options: OpenRepositoryOptions = {}): Promise<BankRepository> {
  const url = options.databaseUrl;
  if (url !== undefined && url !== '') {
    if (!isPostgresUrl(url)) {
      throw new HashbankError(
        'BANK_INVALID_FIELD',
        'database URL must start with postgres:// or postgresql://',
      );
    }
    return openPostgresRepository({ ...options, connectionString: url });
  }
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const file = dataDir === ':memory:' ? ':memory:' : join(dataDir, SQLITE_FILE_NAME);
  return openSqliteRepository({ ...options, file });
}
