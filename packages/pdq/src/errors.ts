/**
 * Typed errors for the PDQ package. Every error carries a stable `code` so callers (the CLI, the
 * server's problem+json layer) can branch on it without parsing messages.
 */
export type PdqErrorCode = 'PDQ_INVALID_HEX' | 'PDQ_INVALID_IMAGE' | 'PDQ_INVALID_ARGUMENT';

export class PdqError extends Error {
  readonly code: PdqErrorCode;

  constructor(code: PdqErrorCode, message: string) {
    super(message);
    this.name = 'PdqError';
    this.code = code;
  }
}
