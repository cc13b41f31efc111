import { type BankRepository, DEFAULT_DATA_DIR, HashbankError, openRepository } from '@safelight/hashbank';

/** Where banks live: embedded SQLite in a data folder, or PostgreSQL when a URL is given. */
export interface StoreOptions {
  dataDir: string;
  databaseUrl?: string;
  schema?: string;
}

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIo: Io = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

export const STORE_DEFAULTS: StoreOptions = { dataDir: DEFAULT_DATA_DIR };

/** Opens the store, runs `work`, always closes it. */
export async function withRepository<T>(
  store: StoreOptions,
  work: (repo: BankRepository) => Promise<T>,
): Promise<T> {
  const repository = await openRepository({
    dataDir: store.dataDir,
    ...(store.databaseUrl ? { databaseUrl: store.databaseUrl } : {}),
    ...(store.schema ? { schema: store.schema } : {}),
  });
  try {
    return await work(repository);
  } finally {
    await repository.close();
  }
}

/** Errors in what the user typed (a name, a format, a signal type) are usage errors: exit 2. */
const USAGE_CODES = new Set([
  'BANK_INVALID_NAME',
  'BANK_INVALID_FIELD',
  'BANK_INVALID_LABEL',
  'BANK_UNKNOWN_FORMAT',
  'BANK_UNKNOWN_SIGNAL_TYPE',
  'BANK_INVALID_SIGNAL',
]);

/** Prints `safelight bank CMD: message (CODE)` and returns the exit status for the error. */
export function reportError(io: Io, command: string, error: unknown): 1 | 2 {
  if (error instanceof HashbankError) {
    io.stderr(`safelight bank ${command}: ${error.message} (${error.code})\n`);
    return USAGE_CODES.has(error.code) ? 2 : 1;
  }
  io.stderr(`safelight bank ${command}: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}
