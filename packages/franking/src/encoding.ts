import { FrankingError } from './errors.js';

/**
 * Canonical, injective encodings of what the sender commits to (the framed content) and of what
 * the server binds (tag + context).
 *
 * Every encoding starts with a length-prefixed ASCII domain-separation label and a version byte,
 * then each field as a 4-byte big-endian length followed by its bytes (integers are fixed-width
 * 8-byte big-endian). Because every variable-length field carries its own length, two different
 * field splits (say plaintext "ab" + media type "c" versus "a" + "bc") can never produce the same
 * bytes, and because the labels differ a content encoding can never be read as a frank input.
 */

export const FRANKING_VERSION = 1;
export const TAG_LABEL = 'safelight/franking/content';
export const FRANK_LABEL = 'safelight/franking/frank';
/** HKDF info prefix for deriving per-keyId frank keys from a server root secret. */
export const FRANK_KDF_INFO = 'safelight frank v1';

/** Sizes of the fixed-length values. */
export const FRANKING_KEY_BYTES = 32;
export const TAG_BYTES = 32;
export const FRANK_MAC_BYTES = 32;
export const DIGEST_BYTES = 32;
export const MIN_SERVER_KEY_BYTES = 32;

/** Limits: anything larger is malformed rather than something we hash. */
export const LIMITS = {
  /** Plaintext of one message (attachments travel as blobs and are committed by digest). */
  maxPlaintextBytes: 1024 * 1024,
  maxAttachments: 64,
  maxMediaTypeBytes: 255,
  maxContentTypeBytes: 255,
  /** senderId, conversationId, messageId. */
  maxIdBytes: 256,
  maxKeyIdBytes: 64,
} as const;

/** An attachment as the sender commits to it: the blob's plaintext SHA-256, size and type. */
export interface FrankedAttachment {
  /** SHA-256 of the attachment's plaintext bytes (32 bytes). */
  readonly digest: Uint8Array;
  /** Plaintext size in bytes. */
  readonly size: number;
  /** e.g. "image/jpeg". */
  readonly mediaType: string;
}

/** The framed content a franking tag commits to. */
export interface FrankedContent {
  readonly plaintext: Uint8Array;
  readonly attachments: readonly FrankedAttachment[];
  readonly contentType?: string | undefined;
}

/** What the server binds a tag to. */
export interface FrankContext {
  readonly senderId: string;
  readonly conversationId: string;
  readonly messageId: string;
  /** Server receive time, milliseconds since the Unix epoch. */
  readonly receivedAt: number;
}

const utf8 = new TextEncoder();

function isBytes(value: unknown): value is Uint8Array {
  return (
    value instanceof Uint8Array || (ArrayBuffer.isView(value) && value.constructor.name === 'Uint8Array')
  );
}

/** Returns a message naming the bad field, or undefined when the content is well formed. */
export function checkContent(content: FrankedContent): string | undefined {
  if (content === null || typeof content !== 'object') return 'content must be an object';
  if (!isBytes(content.plaintext)) return 'plaintext must be a Uint8Array';
  if (content.plaintext.length > LIMITS.maxPlaintextBytes) {
    return `plaintext is ${content.plaintext.length} bytes, over the limit of ${LIMITS.maxPlaintextBytes}`;
  }
  if (content.contentType !== undefined) {
    if (typeof content.contentType !== 'string') return 'contentType must be a string';
    if (utf8.encode(content.contentType).length > LIMITS.maxContentTypeBytes) {
      return `contentType is over ${LIMITS.maxContentTypeBytes} bytes`;
    }
  }
  if (!Array.isArray(content.attachments)) return 'attachments must be an array';
  if (content.attachments.length > LIMITS.maxAttachments) {
    return `${content.attachments.length} attachments, over the limit of ${LIMITS.maxAttachments}`;
  }
  for (const [i, a] of content.attachments.entries()) {
    if (a === null || typeof a !== 'object') return `attachments[${i}] must be an object`;
    if (!isBytes(a.digest) || a.digest.length !== DIGEST_BYTES) {
      return `attachments[${i}].digest must be ${DIGEST_BYTES} bytes (SHA-256)`;
    }
    if (!Number.isSafeInteger(a.size) || a.size < 0) {
      return `attachments[${i}].size must be a non-negative safe integer`;
    }
    if (typeof a.mediaType !== 'string' || a.mediaType.length === 0) {
      return `attachments[${i}].mediaType must be a non-empty string`;
    }
    if (utf8.encode(a.mediaType).length > LIMITS.maxMediaTypeBytes) {
      return `attachments[${i}].mediaType is over ${LIMITS.maxMediaTypeBytes} bytes`;
    }
  }
  return undefined;
}

function checkId(name: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return `${name} must be a non-empty string`;
  if (utf8.encode(value).length > LIMITS.maxIdBytes) return `${name} is over ${LIMITS.maxIdBytes} bytes`;
  return undefined;
}

export function checkKeyId(keyId: unknown): string | undefined {
  if (typeof keyId !== 'string' || keyId.length === 0) return 'keyId must be a non-empty string';
  if (utf8.encode(keyId).length > LIMITS.maxKeyIdBytes) return `keyId is over ${LIMITS.maxKeyIdBytes} bytes`;
  return undefined;
}

/** Returns a message naming the bad field, or undefined when the context is well formed. */
export function checkContext(context: FrankContext): string | undefined {
  if (context === null || typeof context !== 'object') return 'context must be an object';
  return (
    checkId('senderId', context.senderId) ??
    checkId('conversationId', context.conversationId) ??
    checkId('messageId', context.messageId) ??
    (Number.isSafeInteger(context.receivedAt) && context.receivedAt >= 0
      ? undefined
      : 'receivedAt must be a non-negative integer (ms since the epoch)')
  );
}

export function checkFixed(name: string, value: unknown, length: number): string | undefined {
  if (!isBytes(value)) return `${name} must be a Uint8Array`;
  if (value.length !== length) return `${name} must be ${length} bytes, got ${value.length}`;
  return undefined;
}

/** Accumulates length-prefixed fields into one buffer. */
class Writer {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  bytes(value: Uint8Array): this {
    const prefix = new Uint8Array(4);
    new DataView(prefix.buffer).setUint32(0, value.length, false);
    return this.raw(prefix).raw(value);
  }

  string(value: string): this {
    return this.bytes(utf8.encode(value));
  }

  u8(value: number): this {
    return this.raw(Uint8Array.of(value));
  }

  u32(value: number): this {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, value, false);
    return this.raw(out);
  }

  u64(value: number): this {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, BigInt(value), false);
    return this.raw(out);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const part of this.parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  private raw(value: Uint8Array): this {
    this.parts.push(value);
    this.length += value.length;
    return this;
  }
}

/**
 * The canonical encoding of framed content:
 * label, version, contentType (presence byte 0/1 then the string), plaintext, attachment count,
 * then per attachment: digest, size (u64), mediaType. Throws FRANKING_INVALID_INPUT on bad input.
 */
export function encodeFrankedContent(content: FrankedContent): Uint8Array {
  const problem = checkContent(content);
  if (problem) throw new FrankingError('FRANKING_INVALID_INPUT', problem);
  const w = new Writer().string(TAG_LABEL).u8(FRANKING_VERSION);
  if (content.contentType === undefined) w.u8(0);
  else w.u8(1).string(content.contentType);
  w.bytes(content.plaintext).u32(content.attachments.length);
  for (const a of content.attachments) w.bytes(a.digest).u64(a.size).string(a.mediaType);
  return w.finish();
}

/**
 * The canonical encoding of what a frank binds: label, version, keyId, tag, senderId,
 * conversationId, messageId, receivedAt (u64). Throws FRANKING_INVALID_INPUT on bad input.
 */
export function encodeFrankInput(keyId: string, tag: Uint8Array, context: FrankContext): Uint8Array {
  const problem = checkKeyId(keyId) ?? checkFixed('tag', tag, TAG_BYTES) ?? checkContext(context);
  if (problem) throw new FrankingError('FRANKING_INVALID_INPUT', problem);
  return new Writer()
    .string(FRANK_LABEL)
    .u8(FRANKING_VERSION)
    .string(keyId)
    .bytes(tag)
    .string(context.senderId)
    .string(context.conversationId)
    .string(context.messageId)
    .u64(context.receivedAt)
    .finish();
}

/** The HKDF info for a key id: length-prefixed "safelight frank v1" then the key id. */
export function frankKdfInfo(keyId: string): Uint8Array {
  return new Writer().string(FRANK_KDF_INFO).string(keyId).finish();
}
