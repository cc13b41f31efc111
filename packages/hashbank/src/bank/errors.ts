/**
 * Typed errors for hash banks. Every error carries a stable `code` so callers (the CLI, the
 * server's problem+json layer) can branch on it without parsing messages; messages name the
 * field, bank or line that is wrong and never quote a hash-list entry in full.
 */
export type HashbankErrorCode =
  | 'BANK_INVALID_NAME'
  | 'BANK_INVALID_FIELD'
  | 'BANK_INVALID_SIGNAL'
  | 'BANK_UNKNOWN_SIGNAL_TYPE'
  | 'BANK_INVALID_LABEL'
  | 'BANK_NOT_FOUND'
  | 'BANK_ALREADY_EXISTS'
  | 'BANK_DUPLICATE_ENTRY'
  | 'BANK_ENTRY_NOT_FOUND'
  | 'BANK_IMPORT_INVALID_LINE'
  | 'BANK_UNKNOWN_FORMAT'
  | 'BANK_READ_FAILED'
  | 'BANK_STORAGE_FAILED'
  | 'BANK_STORAGE_UNAVAILABLE'
  | 'BANK_INVALID_PROOF'
  // The matching indexes (src/index/).
  | 'HASHBANK_INVALID_ARGUMENT'
  | 'HASHBANK_DUPLICATE_ID'
  | 'HASHBANK_CAPACITY_EXCEEDED'
  | 'HASHBANK_INVALID_SNAPSHOT';

/**
 * Why one input line (or one field) was refused. Import reports and `--skip-invalid` summaries
 * group skipped lines by this code.
 */
export type LineProblem =
  | 'malformed'
  | 'wrong-length'
  | 'unknown-signal-type'
  | 'missing-column'
  | 'invalid-field'
  | 'line-too-long'
  | 'invalid-utf8'
  | 'duplicate';

export class HashbankError extends Error {
  readonly code: HashbankErrorCode;
  /** For errors about one value or line: which kind of problem it was. */
  readonly problem: LineProblem | undefined;

  constructor(
    code: HashbankErrorCode,
    message: string,
    options?: { cause?: unknown; problem?: LineProblem },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HashbankError';
    this.code = code;
    this.problem = options?.problem;
  }
}

/**
 * The first bad line of an import (which was rolled back): `file:line: reason`.
 */
export class ImportLineError extends HashbankError {
  readonly file: string;
  readonly line: number;
  readonly reason: string;

  constructor(file: string, line: number, problem: LineProblem, reason: string) {
    super('BANK_IMPORT_INVALID_LINE', `${file}:${line}: ${reason}`, { problem });
    this.name = 'ImportLineError';
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}
