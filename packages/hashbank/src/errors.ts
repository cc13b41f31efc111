/**
 * Typed errors for the hashbank package. Every error carries a stable `code` so callers (the CLI,
 * the server's problem+json layer) can branch on it without parsing messages.
 */
export type HashbankErrorCode =
  | 'HASHBANK_INVALID_ARGUMENT'
  | 'HASHBANK_DUPLICATE_ID'
  | 'HASHBANK_CAPACITY_EXCEEDED'
  | 'HASHBANK_INVALID_SNAPSHOT';

export class HashbankError extends Error {
  readonly code: HashbankErrorCode;

  constructor(code: HashbankErrorCode, message: string) {
    super(message);
    this.name = 'HashbankError';
    this.code = code;
  }
}
