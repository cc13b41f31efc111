import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { formatPdqHex, type PdqHash, parsePdqHex } from '@safelight/pdq';

/** Byte equality (not constant-time: used on public values only). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A PDQ hash as the 32 bytes of its canonical hex (big-endian 256-bit integer), and back. */
export function pdqToBytes(hash: PdqHash): Uint8Array {
  return hexToBytes(formatPdqHex(hash));
}

export function pdqFromBytes(bytes: Uint8Array): PdqHash {
  return parsePdqHex(bytesToHex(bytes));
}
