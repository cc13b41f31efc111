import { problemType } from '@safelight/api';

/**
 * Typed errors of the server. Every error carries a stable `code` (clients branch on it, never on
 * wording) and the HTTP status it is answered with, as RFC 9457 problem details
 * (`application/problem+json`: `{ type, title, status, detail, code, ...details }`,
 * docs/delivery.md). Messages name the field that is wrong and never quote a payload, plaintext or
 * token.
 */
export type ServerErrorCode =
  | 'VALIDATION_FAILED'
  | 'INVALID_JSON'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNAUTHENTICATED'
  | 'CHALLENGE_INVALID'
  | 'BAD_SIGNATURE'
  | 'HANDLE_TAKEN'
  | 'DEVICE_EXISTS'
  | 'ACCOUNT_NOT_FOUND'
  | 'DEVICE_NOT_FOUND'
  | 'GROUP_NOT_FOUND'
  | 'GROUP_EXISTS'
  | 'NOT_A_MEMBER'
  | 'ALREADY_MEMBER'
  | 'MALFORMED_MESSAGE'
  | 'WRONG_CONTENT_TYPE'
  | 'GROUP_MISMATCH'
  | 'WRONG_EPOCH'
  | 'MISSING_FRANKING_TAG'
  | 'MESSAGE_TOO_LARGE'
  | 'MESSAGE_ID_REUSED'
  | 'INVALID_KEY_PACKAGE'
  | 'KEY_PACKAGE_LIMIT'
  | 'KEY_PACKAGES_EXHAUSTED'
  | 'BLOB_TOO_LARGE'
  | 'BLOB_NOT_FOUND'
  | 'NOT_FOUND'
  | 'STORAGE_UNAVAILABLE'
  | 'STORAGE_FAILED'
  | 'SHUTTING_DOWN'
  | 'INTERNAL'
  // safety (services/safety/, docs/safety.md)
  | 'POLICY_REFUSED'
  | 'BIRTH_DATE_REQUIRED'
  | 'BIRTH_DATE_INVALID'
  | 'AGE_BAND_CHANGE_NEEDS_ASSURANCE'
  | 'SETTING_INVALID'
  | 'CONTACT_REQUEST_NOT_FOUND'
  | 'PARENT_LINK_NOT_FOUND'
  | 'APPROVAL_NOT_FOUND'
  // reports and moderation (services/moderation.ts)
  | 'FORBIDDEN'
  | 'REPORT_TOO_LARGE'
  // detection (routes/device/detection.ts, detection/*, docs/detection-modes.md)
  /** The mode refused a payload, key set or answer; `reason` carries the mode's typed code. */
  | 'DETECTION_REFUSED'
  /** The mode's server half cannot run right now (the enclave matcher is down). */
  | 'DETECTION_UNAVAILABLE'
  /** he-fuzzy: no pending challenge with that id for this device. */
  | 'DETECTION_CHALLENGE_UNKNOWN'
  /** he-fuzzy: the challenge waited longer than the answer timeout; its evaluation ended. */
  | 'DETECTION_CHALLENGE_EXPIRED'
  /** he-fuzzy: the challenge was already answered. */
  | 'DETECTION_CHALLENGE_ANSWERED'
  /** he-fuzzy: this device registered as many key sets as the server keeps per device. */
  | 'DETECTION_KEY_LIMIT';

export const ERROR_STATUS: Record<ServerErrorCode, number> = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAUTHENTICATED: 401,
  CHALLENGE_INVALID: 401,
  BAD_SIGNATURE: 401,
  HANDLE_TAKEN: 409,
  DEVICE_EXISTS: 409,
  ACCOUNT_NOT_FOUND: 404,
  DEVICE_NOT_FOUND: 404,
  GROUP_NOT_FOUND: 404,
  GROUP_EXISTS: 409,
  NOT_A_MEMBER: 403,
  ALREADY_MEMBER: 409,
  MALFORMED_MESSAGE: 400,
  WRONG_CONTENT_TYPE: 400,
  GROUP_MISMATCH: 400,
  WRONG_EPOCH: 409,
  MISSING_FRANKING_TAG: 400,
  MESSAGE_TOO_LARGE: 413,
  MESSAGE_ID_REUSED: 409,
  INVALID_KEY_PACKAGE: 400,
  KEY_PACKAGE_LIMIT: 409,
  KEY_PACKAGES_EXHAUSTED: 409,
  BLOB_TOO_LARGE: 413,
  BLOB_NOT_FOUND: 404,
  NOT_FOUND: 404,
  STORAGE_UNAVAILABLE: 503,
  STORAGE_FAILED: 500,
  SHUTTING_DOWN: 503,
  INTERNAL: 500,
  POLICY_REFUSED: 403,
  BIRTH_DATE_REQUIRED: 400,
  BIRTH_DATE_INVALID: 400,
  AGE_BAND_CHANGE_NEEDS_ASSURANCE: 403,
  SETTING_INVALID: 400,
  CONTACT_REQUEST_NOT_FOUND: 404,
  PARENT_LINK_NOT_FOUND: 404,
  APPROVAL_NOT_FOUND: 404,
  FORBIDDEN: 403,
  REPORT_TOO_LARGE: 413,
  DETECTION_REFUSED: 400,
  DETECTION_UNAVAILABLE: 503,
  DETECTION_CHALLENGE_UNKNOWN: 404,
  DETECTION_CHALLENGE_EXPIRED: 410,
  DETECTION_CHALLENGE_ANSWERED: 409,
  DETECTION_KEY_LIMIT: 409,
};

export class ServerError extends Error {
  override readonly name = 'ServerError';
  readonly status: number;

  constructor(
    readonly code: ServerErrorCode,
    message: string,
    /** Extra fields of the error object, e.g. `{ currentEpoch }` or `{ devices }`. */
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = ERROR_STATUS[code];
  }

  /** The RFC 9457 body; details become extension members (they never override the standard ones). */
  toProblem(): Record<string, unknown> & { code: string; status: number } {
    return {
      ...this.details,
      type: problemType(this.code),
      title: titleOf(this.code),
      status: this.status,
      detail: this.message,
      code: this.code,
    };
  }
}

/** `WRONG_EPOCH` -> `Wrong epoch`: a short human summary that is the same for every occurrence. */
function titleOf(code: string): string {
  const words = code.toLowerCase().replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
