// The bytes every detection payload starts with, shared by all five modes, so a server never
// feeds one mode's payload to another mode's evaluator:
//   'S' 'L' | u8 version (1) | u8 mode id
// and the canonical encoding of a message context (what payloads bind themselves to).
import { DetectionError } from './errors.js';
import type { DetectionContext, DetectionModeName } from './mode.js';

export const PAYLOAD_MAGIC = [0x53, 0x4c] as const;
export const PAYLOAD_VERSION = 1;
export const HEADER_BYTES = 4;

/** Stable on-the-wire ids; never renumber. */
export const MODE_IDS: Readonly<Record<DetectionModeName, number>> = {
  'server-plaintext': 1,
  'client-match': 2,
  'psi-threshold': 3,
  'he-fuzzy': 4,
  enclave: 5,
};

export function payloadHeader(mode: DetectionModeName): Uint8Array {
  return Uint8Array.of(PAYLOAD_MAGIC[0], PAYLOAD_MAGIC[1], PAYLOAD_VERSION, MODE_IDS[mode]);
}

/** Header followed by `body`. */
export function withHeader(mode: DetectionModeName, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + body.length);
  out.set(payloadHeader(mode), 0);
  out.set(body, HEADER_BYTES);
  return out;
}

/**
 * Checks the header names `mode` and returns the body (a view, no copy). Wrong magic or too short
 * -> DETECTION_MALFORMED_PAYLOAD; another version -> DETECTION_UNSUPPORTED_VERSION; another
 * mode -> DETECTION_WRONG_MODE (naming both modes, never any payload byte beyond the header).
 */
export function readHeader(mode: DetectionModeName, payload: Uint8Array): Uint8Array {
  if (!(payload instanceof Uint8Array)) {
    throw new DetectionError('DETECTION_MALFORMED_PAYLOAD', 'payload must be a Uint8Array');
  }
  if (payload.length < HEADER_BYTES || payload[0] !== PAYLOAD_MAGIC[0] || payload[1] !== PAYLOAD_MAGIC[1]) {
    throw new DetectionError(
      'DETECTION_MALFORMED_PAYLOAD',
      `payload of ${payload.length} bytes has no detection header`,
    );
  }
  if (payload[2] !== PAYLOAD_VERSION) {
    throw new DetectionError(
      'DETECTION_UNSUPPORTED_VERSION',
      `payload header version ${payload[2]}, this build speaks ${PAYLOAD_VERSION}`,
    );
  }
  if (payload[3] !== MODE_IDS[mode]) {
    const other = Object.entries(MODE_IDS).find(([, id]) => id === payload[3])?.[0] ?? 'an unknown mode';
    throw new DetectionError('DETECTION_WRONG_MODE', `payload is for ${other}, this evaluator is ${mode}`);
  }
  return payload.subarray(HEADER_BYTES);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const MAX_CONTEXT_FIELD_BYTES = 1024;

/** u16 big-endian length + UTF-8, for accountId, conversationId, messageId in that order. */
export function encodeContext(context: DetectionContext): Uint8Array {
  const fields = [context.accountId, context.conversationId, context.messageId].map((s, i) => {
    if (typeof s !== 'string') {
      throw new DetectionError('DETECTION_INVALID_OPTION', `context.${CONTEXT_KEYS[i]} must be a string`);
    }
    const bytes = encoder.encode(s);
    if (bytes.length > MAX_CONTEXT_FIELD_BYTES) {
      throw new DetectionError(
        'DETECTION_INVALID_OPTION',
        `context.${CONTEXT_KEYS[i]} is longer than ${MAX_CONTEXT_FIELD_BYTES} bytes`,
      );
    }
    return bytes;
  });
  const out = new Uint8Array(fields.reduce((n, f) => n + 2 + f.length, 0));
  let at = 0;
  for (const field of fields) {
    out[at] = field.length >> 8;
    out[at + 1] = field.length & 0xff;
    out.set(field, at + 2);
    at += 2 + field.length;
  }
  return out;
}

const CONTEXT_KEYS = ['accountId', 'conversationId', 'messageId'] as const;

/** A cursor over a payload body; every read past the end is DETECTION_MALFORMED_PAYLOAD. */
export class Reader {
  private at = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}
  get offset(): number {
    return this.at;
  }
  get remaining(): number {
    return this.bytes.length - this.at;
  }
  take(length: number, field: string): Uint8Array {
    if (length < 0 || this.at + length > this.bytes.length) {
      throw new DetectionError('DETECTION_MALFORMED_PAYLOAD', `${this.what} is truncated at ${field}`);
    }
    const out = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return out;
  }
  u8(field: string): number {
    return this.take(1, field)[0] as number;
  }
  u16(field: string): number {
    const b = this.take(2, field);
    return ((b[0] as number) << 8) | (b[1] as number);
  }
  u32(field: string): number {
    const b = this.take(4, field);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, false);
  }
  string(field: string): string {
    const bytes = this.take(this.u16(field), field);
    try {
      return decoder.decode(bytes);
    } catch {
      throw new DetectionError('DETECTION_MALFORMED_PAYLOAD', `${this.what} has invalid UTF-8 in ${field}`);
    }
  }
  context(): DetectionContext {
    return {
      accountId: this.string('context.accountId'),
      conversationId: this.string('context.conversationId'),
      messageId: this.string('context.messageId'),
    };
  }
  end(): void {
    if (this.at !== this.bytes.length) {
      throw new DetectionError(
        'DETECTION_MALFORMED_PAYLOAD',
        `${this.what} has ${this.bytes.length - this.at} trailing bytes`,
      );
    }
  }
}

export function sameContext(a: DetectionContext, b: DetectionContext): boolean {
  return a.accountId === b.accountId && a.conversationId === b.conversationId && a.messageId === b.messageId;
}

/** Throws DETECTION_CONTEXT_MISMATCH (naming the field, not the values) unless `bound` is `delivered`. */
export function assertSameContext(bound: DetectionContext, delivered: DetectionContext): void {
  for (const key of CONTEXT_KEYS) {
    if (bound[key] !== delivered[key]) {
      throw new DetectionError(
        'DETECTION_CONTEXT_MISMATCH',
        `the payload is bound to another ${key} than the message it arrived with`,
      );
    }
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
