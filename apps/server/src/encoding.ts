import { ServerError } from './errors.js';

// The server's one base64url (RFC 4648 §5, no padding) helper set: Buffer does the work on Node.
// packages/e2ee's fromBase64Url/toBase64Url is the browser twin (same accepted strings, E2eeError);
// @noble/hashes and @noble/curves, which the server depends on, carry no base64 helpers.
// Route schemas declare base64url fields with @safelight/api's B64u (the same alphabet); fromB64u
// then checks what a pattern cannot (length mod 4, canonical trailing bits).
const B64U = /^[A-Za-z0-9_-]*$/;

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
