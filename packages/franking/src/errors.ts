/**
 * Typed errors for the franking package. Every error carries a stable `code` so callers (the
 * client SDK, the server's problem+json layer) can branch on it without parsing messages.
 *
 * Only the sender and server entry points throw; `verifyReport` never throws and returns a typed
 * result instead.
 */
export type FrankingErrorCode = 'FRANKING_INVALID_INPUT' | 'FRANKING_MALFORMED_FRANK';

export class FrankingError extends Error {
  readonly code: FrankingErrorCode;

  constructor(code: FrankingErrorCode, message: string) {
    super(message);
    this.name = 'FrankingError';
    this.code = code;
  }
}
