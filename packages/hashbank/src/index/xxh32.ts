/**
 * XXH32 (xxHash, 32-bit; Collet's published algorithm) over bytes: the snapshot checksum. Chosen
 * over CRC-32 because it runs at memory speed in plain JavaScript (four independent multiply-rotate
 * lanes on whole words), so verifying a gigabyte snapshot costs well under a second, and because
 * any xxHash tool can recompute it. It detects corruption, not tampering.
 */
const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function rotl(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

export function xxh32(bytes: Uint8Array, seed = 0): number {
  const length = bytes.length;
  // Whole 16-byte stripes read as little-endian words; a Uint32Array view when alignment allows.
  const stripes = length >>> 4;
  const aligned = LITTLE_ENDIAN && bytes.byteOffset % 4 === 0;
  const words = aligned ? new Uint32Array(bytes.buffer, bytes.byteOffset, stripes * 4) : undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  let h: number;
  let at = 0;
  if (length >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    if (words) {
      for (let w = 0, end = stripes * 4; w < end; w += 4) {
        v1 = Math.imul(rotl((v1 + Math.imul(words[w] as number, P2)) | 0, 13), P1);
        v2 = Math.imul(rotl((v2 + Math.imul(words[w + 1] as number, P2)) | 0, 13), P1);
        v3 = Math.imul(rotl((v3 + Math.imul(words[w + 2] as number, P2)) | 0, 13), P1);
        v4 = Math.imul(rotl((v4 + Math.imul(words[w + 3] as number, P2)) | 0, 13), P1);
      }
    } else {
      for (let s = 0; s < stripes; s++) {
        const b = s * 16;
        v1 = Math.imul(rotl((v1 + Math.imul(view.getUint32(b, true), P2)) | 0, 13), P1);
        v2 = Math.imul(rotl((v2 + Math.imul(view.getUint32(b + 4, true), P2)) | 0, 13), P1);
        v3 = Math.imul(rotl((v3 + Math.imul(view.getUint32(b + 8, true), P2)) | 0, 13), P1);
        v4 = Math.imul(rotl((v4 + Math.imul(view.getUint32(b + 12, true), P2)) | 0, 13), P1);
      }
    }
    at = stripes * 16;
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + length) | 0;
  for (; at + 4 <= length; at += 4) {
    h = Math.imul(rotl((h + Math.imul(view.getUint32(at, true), P3)) | 0, 17), P4);
  }
  for (; at < length; at++) h = Math.imul(rotl((h + Math.imul(bytes[at] as number, P5)) | 0, 11), P1);
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}
