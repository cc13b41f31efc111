/**
 * Typed errors for the detection modes. Every error has a stable `code` naming what was wrong;
 * messages never quote payload bytes, hashes or bank entries (a detection error must not leak
 * what the payload carried).
 */
export type DetectionErrorCode =
  /** The payload's header names another mode than the evaluator's. */
  | 'DETECTION_WRONG_MODE'
  /** Truncated, garbage, or a field out of range. */
  | 'DETECTION_MALFORMED_PAYLOAD'
  /** A header version this build does not speak. */
  | 'DETECTION_UNSUPPORTED_VERSION'
  /** The payload is bound to another message than the one it arrived with. */
  | 'DETECTION_CONTEXT_MISMATCH'
  /** A registry lookup for a mode that is not registered. */
  | 'DETECTION_UNKNOWN_MODE'
  /** A setup option (radius, quality floor, keys, measurement list) is invalid. */
  | 'DETECTION_INVALID_OPTION'
  /** client-match: the report's signature does not verify under the device's key. */
  | 'DETECTION_BAD_SIGNATURE'
  /** client-match: the downloaded bank snapshot cannot be parsed. */
  | 'DETECTION_SNAPSHOT_MALFORMED'
  /** client-match: the snapshot does not match the bank's published Merkle commitment. */
  | 'DETECTION_SNAPSHOT_COMMITMENT_MISMATCH'
  /** enclave: the attestation document cannot be parsed. */
  | 'DETECTION_ATTESTATION_MALFORMED'
  /** enclave: the attestation's platform signature does not verify. */
  | 'DETECTION_ATTESTATION_BAD_SIGNATURE'
  /** enclave: the attested measurement is not on the client's allowed list. */
  | 'DETECTION_MEASUREMENT_NOT_ALLOWED'
  /** enclave: the payload was sealed to another matcher key. */
  | 'DETECTION_WRONG_KEY'
  /** enclave: HPKE open failed (tampered or truncated ciphertext, wrong context). */
  | 'DETECTION_DECRYPT_FAILED'
  /** enclave: a payload for this message context was already evaluated. */
  | 'DETECTION_REPLAY'
  /** enclave: the matcher process is not running or did not answer. */
  | 'DETECTION_ENCLAVE_UNAVAILABLE';

export class DetectionError extends Error {
  override readonly name = 'DetectionError';
  constructor(
    readonly code: DetectionErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
