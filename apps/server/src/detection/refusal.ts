// How a detection mode's refusal reaches the device: mode errors (DetectionError, PsiError,
// HeError) carry a stable code and messages that never echo payload bytes, hashes or bank entries
// (packages/detection), so the code is passed on as `reason`; anything without a code is the
// server's own failure and stays a 500.
import { ServerError } from '../errors.js';

const MODE_CODE = /^(DETECTION|PSI|HE)_[A-Z_]+$/;

/** The ServerError to answer with for an error a mode threw while judging `what`. */
export function detectionRefusal(error: unknown, what: string): unknown {
  if (error instanceof ServerError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !MODE_CODE.test(code)) return error;
  if (code === 'DETECTION_ENCLAVE_UNAVAILABLE') {
    return new ServerError('DETECTION_UNAVAILABLE', `${what} could not be judged (${code})`, {
      reason: code,
    });
  }
  return new ServerError('DETECTION_REFUSED', `${what} refused (${code})`, { reason: code });
}
