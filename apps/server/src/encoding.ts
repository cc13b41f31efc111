import { ServerError } from './errors.js';

// The server's one base64url (RFC 4648 §5, no padding) helper set: Buffer does the work on Node.
// packages/e2ee's fromBase64Url/toBase64Url is the browser twin (same accepted strings, E2eeError);
// @noble/hashes and @noble/curves, which the server depends on, carry no base64 helpers.
const B64U_PATTERN = '^[A-Za-z0-9_-]*$';
const B64U = new RegExp(B64U_PATTERN);

/**
 * The JSON schema of a base64url field of at most `maxLength` characters (empty allowed). Routes
 * declare it; fromB64u then checks what a pattern cannot (length mod 4, canonical trailing bits).
 */
export const b64uSchema = (maxLength: number) => ({ type: 'string', pattern: B64U_PATTERN, maxLength });

export function toB64u(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Strict base64url without padding; throws VALIDATION_FAILED naming the field. */
export function fromB64u(value: string, field: string): Uint8Array {
  if (!B64U.test(value) || value.length % 4 === 1) {
    throw new ServerError('VALIDATION_FAILED', `${field} must be base64url without padding`);
  }
  const buf = Buffer.from(value, 'base64url');
  // Canonical form only: re-encoding must give the same text (no stray bits in the last char).
  if (buf.toString('base64url') !== value) {
    throw new ServerError('VALIDATION_FAILED', `${field} must be canonical base64url without padding`);
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
