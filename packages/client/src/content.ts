// The application payload inside an MLS application message. Only members ever see these bytes;
// the server sees the MLS ciphertext and, in the MLS authenticated data, the franking tag that
// commits to them (docs/franking.md).
import { fromBase64Url, toBase64Url } from '@safelight/e2ee';
import {
  computeFrankingTag,
  createFrankingTag,
  equalBytes,
  FRANKING_KEY_BYTES,
  type FrankedContent,
} from '@safelight/franking';
import { ClientError } from './errors.js';

export const CONTENT_VERSION = 1;
/** Largest encoded payload we decrypt into (text plus attachment references). */
export const MAX_CONTENT_BYTES = 256 * 1024;
export const MAX_TEXT_BYTES = 64 * 1024;
export const MAX_ATTACHMENTS = 16;

/** A reference to an encrypted blob: everything a member needs to fetch, open and check it. */
export interface AttachmentRef {
  readonly blobId: string;
  /** The attachment key (key-committing encryption, packages/e2ee). */
  readonly key: Uint8Array;
  /** SHA-256 of the plaintext: what the franking tag commits to. */
  readonly digest: Uint8Array;
  readonly size: number;
  readonly mediaType: string;
}

export interface MessageContent {
  readonly text: string;
  readonly contentType?: string | undefined;
  readonly attachments: readonly AttachmentRef[];
  /** The per-message franking key: revealed only if a member reports the message. */
  readonly frankingKey: Uint8Array;
  /** Sender's clock, informational only (the franked time is the server's). */
  readonly sentAt: number;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** The franked view of content: what the tag commits to (text bytes, type, attachment digests). */
export function frankedContent(
  content: Pick<MessageContent, 'text' | 'contentType' | 'attachments'>,
): FrankedContent {
  return {
    plaintext: utf8.encode(content.text),
    contentType: content.contentType,
    attachments: content.attachments.map((a) => ({ digest: a.digest, size: a.size, mediaType: a.mediaType })),
  };
}

/** Sender: a fresh franking key, the tag for the MLS authenticated data, and the encoded payload. */
export function sealContent(input: {
  text: string;
  contentType?: string | undefined;
  attachments?: readonly AttachmentRef[];
  sentAt?: number;
}): { payload: Uint8Array; tag: Uint8Array; content: MessageContent } {
  const attachments = input.attachments ?? [];
  if (typeof input.text !== 'string') throw new ClientError('CLIENT_INVALID_INPUT', 'text must be a string');
  if (utf8.encode(input.text).length > MAX_TEXT_BYTES) {
    throw new ClientError('CLIENT_INVALID_INPUT', `text is over ${MAX_TEXT_BYTES} bytes`);
  }
  if (attachments.length > MAX_ATTACHMENTS) {
    throw new ClientError('CLIENT_INVALID_INPUT', `at most ${MAX_ATTACHMENTS} attachments per message`);
  }
  const { frankingKey, tag } = createFrankingTag(
    frankedContent({ text: input.text, contentType: input.contentType, attachments }),
  );
  const content: MessageContent = {
    text: input.text,
    contentType: input.contentType,
    attachments,
    frankingKey,
    sentAt: input.sentAt ?? Date.now(),
  };
  return { payload: encodeContent(content), tag, content };
}

export function encodeContent(content: MessageContent): Uint8Array {
  return utf8.encode(
    JSON.stringify({
      v: CONTENT_VERSION,
      text: content.text,
      ...(content.contentType === undefined ? {} : { contentType: content.contentType }),
      attachments: content.attachments.map((a) => ({
        blobId: a.blobId,
        key: toBase64Url(a.key),
        digest: toBase64Url(a.digest),
        size: a.size,
        mediaType: a.mediaType,
      })),
      frankingKey: toBase64Url(content.frankingKey),
      sentAt: content.sentAt,
    }),
  );
}

/**
 * Recipient: decode the payload and check that it opens the franking tag the MLS message carried.
 * A payload that does not open its tag could never be reported verifiably, so it is refused.
 */
export function openContent(payload: Uint8Array, tag: Uint8Array): MessageContent {
  const content = decodeContent(payload);
  const expected = computeFrankingTag(content.frankingKey, frankedContent(content));
  if (!equalBytes(expected, tag)) {
    throw new ClientError(
      'CLIENT_FRANKING_MISMATCH',
      'message content does not open the franking tag in its authenticated data',
    );
  }
  return content;
}

export function decodeContent(payload: Uint8Array): MessageContent {
  const bad = (field: string, why: string): never => {
    throw new ClientError('CLIENT_MALFORMED_CONTENT', `message content: ${field} ${why}`);
  };
  if (payload.length > MAX_CONTENT_BYTES) bad('payload', `is over ${MAX_CONTENT_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(utf8Decoder.decode(payload));
  } catch {
    return bad('payload', 'is not UTF-8 JSON');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return bad('payload', 'is not an object');
  const o = raw as Record<string, unknown>;
  if (o.v !== CONTENT_VERSION) bad('v', `must be ${CONTENT_VERSION}`);
  if (typeof o.text !== 'string') bad('text', 'must be a string');
  if (o.contentType !== undefined && typeof o.contentType !== 'string')
    bad('contentType', 'must be a string');
  if (typeof o.sentAt !== 'number' || !Number.isFinite(o.sentAt)) bad('sentAt', 'must be a number');
  if (!Array.isArray(o.attachments) || o.attachments.length > MAX_ATTACHMENTS) {
    bad('attachments', `must be an array of at most ${MAX_ATTACHMENTS}`);
  }
  const frankingKey = bytesField(o.frankingKey, 'frankingKey', bad);
  if (frankingKey.length !== FRANKING_KEY_BYTES) bad('frankingKey', `must be ${FRANKING_KEY_BYTES} bytes`);
  const attachments = (o.attachments as unknown[]).map((item, i): AttachmentRef => {
    const field = `attachments[${i}]`;
    if (item === null || typeof item !== 'object') return bad(field, 'is not an object');
    const a = item as Record<string, unknown>;
    if (typeof a.blobId !== 'string' || !/^[0-9a-f]{64}$/.test(a.blobId))
      bad(`${field}.blobId`, 'must be 64 hex');
    if (typeof a.mediaType !== 'string' || a.mediaType.length > 255)
      bad(`${field}.mediaType`, 'must be a string');
    if (!Number.isSafeInteger(a.size) || (a.size as number) < 0) bad(`${field}.size`, 'must be a size');
    const digest = bytesField(a.digest, `${field}.digest`, bad);
    if (digest.length !== 32) bad(`${field}.digest`, 'must be 32 bytes');
    return {
      blobId: a.blobId as string,
      key: bytesField(a.key, `${field}.key`, bad),
      digest,
      size: a.size as number,
      mediaType: a.mediaType as string,
    };
  });
  return {
    text: o.text as string,
    contentType: o.contentType as string | undefined,
    attachments,
    frankingKey,
    sentAt: o.sentAt as number,
  };
}

function bytesField(value: unknown, field: string, bad: (field: string, why: string) => never): Uint8Array {
  if (typeof value !== 'string') return bad(field, 'must be base64url');
  try {
    return fromBase64Url(value);
  } catch {
    return bad(field, 'must be base64url');
  }
}
