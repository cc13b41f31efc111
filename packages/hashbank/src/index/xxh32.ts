/**
 * XXH32 (xxHash, 32-bit; Collet's published algorithm) over bytes: the snapshot checksum. Chosen
 * over CRC-32 because it runs at memory speed in plain JavaScript (four independent multiply-rotate
 * lanes on whole words), so verifying a gigabyte snapshot costs well under a second, and because
 * any xxHash tool can recompute it. It detects corruption, not tampering. Streaming, so a section
 * held in chunks is checksummed without joining them.
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

function round(lane: number, word: number): number {
  return Math.imul(rotl((lane + Math.imul(word, P2)) | 0, 13), P1);
}

export class Xxh32 {
  private v1: number;
  private v2: number;
  private v3: number;
  private v4: number;
  private readonly seed: number;
  private total = 0;
  /** Bytes of a stripe not yet complete (fewer than 16). */
  private readonly carry = new Uint8Array(16);
  private carried = 0;

  constructor(seed = 0) {
    this.seed = seed | 0;
    this.v1 = (this.seed + P1 + P2) | 0;
    this.v2 = (this.seed + P2) | 0;
    this.v3 = this.seed;
    this.v4 = (this.seed - P1) | 0;
  }

  update(bytes: Uint8Array): this {
    this.total += bytes.length;
    let at = 0;
    if (this.carried > 0) {
      at = Math.min(16 - this.carried, bytes.length);
      this.carry.set(bytes.subarray(0, at), this.carried);
      this.carried += at;
      if (this.carried < 16) return this;
      this.stripes(this.carry, 0, 16);
      this.carried = 0;
    }
    const end = at + ((bytes.length - at) & ~15);
    this.stripes(bytes, at, end);
    this.carry.set(bytes.subarray(end));
    this.carried = bytes.length - end;
    return this;
  }

  digest(): number {
    let h =
      this.total >= 16
        ? (rotl(this.v1, 1) + rotl(this.v2, 7) + rotl(this.v3, 12) + rotl(this.v4, 18)) | 0
        : (this.seed + P5) | 0;
    h = (h + this.total) | 0;
    const view = new DataView(this.carry.buffer);
    let at = 0;
    for (; at + 4 <= this.carried; at += 4) {
      h = Math.imul(rotl((h + Math.imul(view.getUint32(at, true), P3)) | 0, 17), P4);
    }
    for (; at < this.carried; at++)
      h = Math.imul(rotl((h + Math.imul(this.carry[at] as number, P5)) | 0, 11), P1);
    h ^= h >>> 15;
    h = Math.imul(h, P2);
    h ^= h >>> 13;
    h = Math.imul(h, P3);
    h ^= h >>> 16;
    return h >>> 0;
  }

  /** Consumes whole 16-byte stripes bytes[from..to); a Uint32Array view when alignment allows. */
  private stripes(bytes: Uint8Array, from: number, to: number): void {
    let { v1, v2, v3, v4 } = this;
    if (LITTLE_ENDIAN && (bytes.byteOffset + from) % 4 === 0) {
      const words = new Uint32Array(bytes.buffer, bytes.byteOffset + from, (to - from) >>> 2);
      for (let w = 0; w < words.length; w += 4) {
        v1 = round(v1, words[w] as number);
        v2 = round(v2, words[w + 1] as number);
        v3 = round(v3, words[w + 2] as number);
        v4 = round(v4, words[w + 3] as number);
      }
    } else {
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      for (let b = from; b < to; b += 16) {
        v1 = round(v1, view.getUint32(b, true));
        v2 = round(v2, view.getUint32(b + 4, true));
        v3 = round(v3, view.getUint32(b + 8, true));
        v4 = round(v4, view.getUint32(b + 12, true));
      }
    }
    Object.assign(this, { v1, v2, v3, v4 });
  }
}

/** XXH32 of `bytes` (or of several byte ranges one after another). */
export function xxh32(bytes: Uint8Array | readonly Uint8Array[], seed = 0): number {
  const hash = new Xxh32(seed);
  for (const chunk of bytes instanceof Uint8Array ? [bytes] : bytes) hash.update(chunk);
  return hash.digest();
}
