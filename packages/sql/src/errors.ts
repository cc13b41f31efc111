/**
 * The one error type of @safelight/sql. Callers do not let it escape: each turns it into its own
 * typed error (the server's ServerError, the hash bank's HashbankError) with `asCallerError`, so a
 * caller's error codes stay the caller's. Decision: a typed error plus a mapping at the caller,
 * rather than an error factory threaded through every function, so this package is usable (and
 * testable) on its own and the mapping is one table per caller.
 */

export type SqlErrorCode =
  /** An option is refused before anything is opened: a schema name, a connection string's scheme. */
  | 'SQL_INVALID_OPTION'
  /** The database cannot be opened or reached. */
  | 'SQL_UNAVAILABLE'
  /** A migration failed; the message names it ("setup" when the runner itself failed). */
  | 'SQL_MIGRATION_FAILED';

export class SqlError extends Error {
  override readonly name = 'SqlError';

  constructor(
    readonly code: SqlErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** Builds the caller's error from a SqlError's code, message and cause (the driver's error, if any). */
export type CallerErrorFactory = (code: SqlErrorCode, message: string, options?: { cause: unknown }) => Error;

/**
 * The caller's error for a SqlError (same message, same cause); any other value is returned
 * unchanged, so `catch (error) { throw asCallerError(error, make) }` rethrows the rest as it was.
 */
export function asCallerError(error: unknown, make: CallerErrorFactory): unknown {
  if (!(error instanceof SqlError)) return error;
  return make(error.code, error.message, error.cause === undefined ? undefined : { cause: error.cause });
}
