/**
 * Typed errors of @safelight/safety. `code` is stable (callers branch on it, never on wording) and
 * names the bad field; `field` is the input path that was refused.
 */
export type SafetyErrorCode =
  | 'BIRTH_DATE_MALFORMED'
  | 'BIRTH_DATE_IN_FUTURE'
  | 'BIRTH_DATE_TOO_OLD'
  | 'AGE_BAND_CHANGE_NEEDS_ASSURANCE'
  | 'SETTING_UNKNOWN'
  | 'SETTING_VALUE_INVALID'
  | 'ACTION_UNKNOWN'
  | 'BAND_UNKNOWN'
  | 'SIGNAL_INPUT_INVALID'
  | 'THRESHOLDS_INVALID'
  | 'WEIGHTS_INVALID'
  | 'TERM_LIST_TOO_LARGE'
  | 'TERM_INVALID'
  | 'NUDGE_RULES_INVALID'
  | 'SAFETY_CLASSIFIER_UNAVAILABLE'
  | 'SAFETY_IMAGE_INVALID'
  | 'SEND_PROMPT_INVALID';

export class SafetyError extends Error {
  override readonly name = 'SafetyError';
  constructor(
    readonly code: SafetyErrorCode,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
