// Typed errors of the he-fuzzy mode. Codes are stable and name what was wrong.

export type HeErrorCode =
  /** The payload is not an he-fuzzy payload (another mode's, or random bytes). */
  | 'HE_WRONG_MODE'
  /** Truncated or corrupt ciphertext or framing: SEAL refused it or the lengths do not add up. */
  | 'HE_MALFORMED_CIPHERTEXT'
  /** Made under other BFV parameters (poly degree, coefficient or plaintext modulus) than ours. */
  | 'HE_WRONG_PARAMETERS'
  /** The payload names evaluation keys this server has not been given. */
  | 'HE_UNKNOWN_KEYS'
  /** Evaluation keys that SEAL refused or whose framing is wrong. */
  | 'HE_MALFORMED_KEYS'
  /** The client's answer to a challenge is malformed or names another query. */
  | 'HE_MALFORMED_ANSWER'
  /** radius outside 0..255 or a non-integer option. */
  | 'HE_INVALID_OPTION'
  /** A worker thread of the server crashed, exited or failed during an evaluation. */
  | 'HE_WORKER_FAILED'
  /** The server was closed before or during the evaluation. */
  | 'HE_CLOSED'
  /**
   * A stored pending state (`start` -> `finish`) that is corrupt, or was made by a server with
   * another bank, radius or bucketing: it cannot be finished here.
   */
  | 'HE_MALFORMED_STATE';

export class HeError extends Error {
  readonly code: HeErrorCode;

  constructor(code: HeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HeError';
    this.code = code;
  }
}
