/** Stable error codes for everything the e2ee package rejects. Callers branch on `code`, never on wording. */
export type E2eeErrorCode =
  | 'E2EE_MALFORMED_MESSAGE'
  | 'E2EE_UNEXPECTED_MESSAGE'
  | 'E2EE_WRONG_GROUP'
  | 'E2EE_UNKNOWN_GROUP'
  | 'E2EE_GROUP_EXISTS'
  | 'E2EE_WRONG_EPOCH'
  | 'E2EE_DECRYPT_FAILED'
  | 'E2EE_SENDER_NOT_MEMBER'
  | 'E2EE_INVALID_CREDENTIAL'
  | 'E2EE_NO_MATCHING_KEY_PACKAGE'
  | 'E2EE_INVALID_INPUT'
  | 'E2EE_STATE_CORRUPT'
  | 'E2EE_ATTACHMENT_INVALID';

export class E2eeError extends Error {
  override readonly name = 'E2eeError';
  constructor(
    readonly code: E2eeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
