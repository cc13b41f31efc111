import { PDQ_HASH_WORDS, type PdqHash } from '@safelight/pdq';

/** Byte equality (not constant-time: used on public values only). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A PDQ hash as 32 bytes: the big-endian 256-bit integer of its canonical hex (word 7 first), the
 * same bytes as hexToBytes(formatPdqHex(hash)).
 */
export function pdqToBytes(hash: PdqHash, out = new Uint8Array(32), offset = 0): Uint8Array {
  const view = new DataView(out.buffer, out.byteOffset + offset, 32);
  for (let w = 0; w < PDQ_HASH_WORDS; w++)
    view.setUint32(4 * (PDQ_HASH_WORDS - 1 - w), hash[w] as number, false);
  return out;
}

export function pdqFromBytes(bytes: Uint8Array): PdqHash {
  const view = new DataView(bytes.buffer, bytes.byteOffset, 32);
  const hash = new Uint32Array(PDQ_HASH_WORDS);
  for (let w = 0; w < PDQ_HASH_WORDS; w++) hash[w] = view.getUint32(4 * (PDQ_HASH_WORDS - 1 - w), false);
  return hash;
}
