import { E2eeError } from './errors.js';

// base64url without padding (RFC 4648 §5), the encoding of every binary field in the delivery
// protocol. Written out rather than taken from Buffer so it runs in browsers unchanged.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/** Encodes bytes as base64url without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]!;
  }
  return out;
}

/**
 * Decodes base64url without padding. Rejects (E2EE_INVALID_INPUT) padding, characters outside the
 * URL-safe alphabet, an impossible length (4k+1) and non-canonical trailing bits, so every byte
 * string has exactly one accepted encoding.
 */
export function fromBase64Url(text: string, field = 'value'): Uint8Array {
  if (typeof text !== 'string') throw invalid(field, 'is not a string');
  if (text.length % 4 === 1) throw invalid(field, `has an impossible base64url length ${text.length}`);
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? (LOOKUP[c] as number) : -1;
    if (v < 0) throw invalid(field, `has a character outside base64url (no padding) at ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) throw invalid(field, 'has non-zero trailing bits');
  return out;
}

function invalid(field: string, what: string): E2eeError {
  return new E2eeError('E2EE_INVALID_INPUT', `${field} ${what}`);
}
