// Framing of the three he-fuzzy messages and the one-time key registration. Every length is
// checked before it is used: a truncated message is an HeError, never an out-of-range read.
import { HeError } from './errors.js';

export const MAGIC_KEYS = 'SLHK'; // client -> server once: evaluation keys
export const MAGIC_QUERY = 'SLHQ'; // client -> server per image: encrypted hash
export const MAGIC_CHALLENGE = 'SLHC'; // server -> client: masked results
export const MAGIC_ANSWER = 'SLHA'; // client -> server: tokens found under zero flags
export const MAGIC_PENDING = 'SLHP'; // server only: what finish needs between challenge and answer
export const WIRE_VERSION = 1;

export class Writer {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  bytes(value: Uint8Array): this {
    this.parts.push(value);
    this.length += value.length;
    return this;
  }
  magic(text: string): this {
    return this.bytes(new TextEncoder().encode(text)).u8(WIRE_VERSION);
  }
  u8(value: number): this {
    return this.bytes(Uint8Array.of(value));
  }
  u16(value: number): this {
    const out = new Uint8Array(2);
    new DataView(out.buffer).setUint16(0, value);
    return this.bytes(out);
  }
  u32(value: number): this {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, value);
    return this.bytes(out);
  }
  /** A length-prefixed blob. */
  blob(value: Uint8Array): this {
    return this.u32(value.length).bytes(value);
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

export class Reader {
  private at = 0;
  constructor(
    private readonly data: Uint8Array,
    private readonly what: string,
    private readonly truncatedCode:
      | 'HE_MALFORMED_CIPHERTEXT'
      | 'HE_MALFORMED_KEYS'
      | 'HE_MALFORMED_ANSWER'
      | 'HE_MALFORMED_STATE',
  ) {}

  /** Checks magic and version; anything else is another mode's (or nobody's) payload. */
  expectMagic(text: string): void {
    const magic = new TextEncoder().encode(text);
    if (this.data.length < magic.length + 1 || magic.some((b, i) => this.data[i] !== b)) {
      throw new HeError('HE_WRONG_MODE', `${this.what}: not an he-fuzzy message (expected ${text})`);
    }
    this.at = magic.length;
    const version = this.u8();
    if (version !== WIRE_VERSION) {
      throw new HeError('HE_WRONG_MODE', `${this.what}: wire version ${version}, expected ${WIRE_VERSION}`);
    }
  }
  bytes(n: number): Uint8Array {
    if (this.at + n > this.data.length) {
      throw new HeError(
        this.truncatedCode,
        `${this.what}: truncated (needs ${n} bytes at offset ${this.at})`,
      );
    }
    const out = this.data.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  u8(): number {
    return this.bytes(1)[0]!;
  }
  u16(): number {
    const b = this.bytes(2);
    return new DataView(b.buffer, b.byteOffset, 2).getUint16(0);
  }
  u32(): number {
    const b = this.bytes(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
  }
  blob(): Uint8Array {
    return this.bytes(this.u32());
  }
  end(): void {
    if (this.at !== this.data.length) {
      throw new HeError(this.truncatedCode, `${this.what}: ${this.data.length - this.at} trailing bytes`);
    }
  }
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
