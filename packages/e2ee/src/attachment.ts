// Key-committing, chunked attachment encryption (docs/e2ee.md "Attachments").
//
// A fresh random 32-byte key k per attachment. HKDF-SHA256(k) gives an encryption key and a
// 32-byte key commitment. Ciphertext = header || chunk_0 || ... || chunk_{n-1}:
//
//   header  = "SLA1" (4) | version 0x01 (1) | chunk size, uint32 BE (4) | commitment (32)   = 41 bytes
//   chunk_i = ChaCha20-Poly1305(encKey, nonce_i, aad = header)(plaintext chunk i)           = len + 16
//   nonce_i = 7 zero bytes | i as uint32 BE | last flag (0x01 on the final chunk, else 0x00)
//
// STREAM (Hoang, Reyhanitabar, Rogaway, Vizár, CRYPTO 2015): the counter in the nonce detects
// reordering and dropped or duplicated chunks, the last flag detects truncation at a chunk
// boundary and appended chunks. The key is never reused (fresh per attachment), so a counter
// nonce is safe. An empty attachment is one empty final chunk.
//
// ChaCha20-Poly1305, like AES-GCM, is not key-committing: one ciphertext can be made to decrypt
// under two keys to two valid plaintexts ("invisible salamanders"). The commitment in the header
// pins the one key the ciphertext may be opened with; the plaintext SHA-256 in the reference
// (which the sender also commits to in its franking tag) pins the content.
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { E2eeError } from './errors.js';

export interface AttachmentReference {
  /** Server blob id (hex SHA-256 of the ciphertext), once uploaded. */
  blobId?: string;
  /** The attachment key k (32 bytes). Travels only inside the MLS-encrypted message. */
  key: Uint8Array;
  /** SHA-256 of the plaintext (32 bytes); the same value the franking tag commits to. */
  digest: Uint8Array;
  /** Plaintext size in bytes. */
  size: number;
  /** e.g. "image/jpeg". */
  mediaType: string;
}

export interface AttachmentOptions {
  /** Largest plaintext accepted (default 100 MiB). */
  maxBytes?: number;
}

export const ATTACHMENT_KEY_BYTES = 32;
export const ATTACHMENT_CHUNK_BYTES = 64 * 1024;
export const DEFAULT_MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024;
const MIN_CHUNK_BYTES = 1024;
const MAX_CHUNK_BYTES = 1024 * 1024;
const MAGIC = [0x53, 0x4c, 0x41, 0x31]; // "SLA1"
const VERSION = 1;
const COMMITMENT_BYTES = 32;
const HEADER_BYTES = MAGIC.length + 1 + 4 + COMMITMENT_BYTES;
const TAG_BYTES = 16;
const NONCE_BYTES = 12;
const MAX_MEDIA_TYPE_BYTES = 255;
const INFO_ENCRYPTION = utf8ToBytes('safelight/attachment/v1/encryption-key');
const INFO_COMMITMENT = utf8ToBytes('safelight/attachment/v1/key-commitment');

function deriveKeys(key: Uint8Array): { encKey: Uint8Array; commitment: Uint8Array } {
  return {
    encKey: hkdf(sha256, key, undefined, INFO_ENCRYPTION, 32),
    commitment: hkdf(sha256, key, undefined, INFO_COMMITMENT, COMMITMENT_BYTES),
  };
}

function nonce(index: number, last: boolean): Uint8Array {
  const n = new Uint8Array(NONCE_BYTES);
  new DataView(n.buffer).setUint32(7, index);
  n[11] = last ? 1 : 0;
  return n;
}

function invalid(check: string, detail: string): E2eeError {
  return new E2eeError('E2EE_ATTACHMENT_INVALID', `attachment ${check} check failed: ${detail}`);
}

function maxBytesOf(options: AttachmentOptions | undefined): number {
  const max = options?.maxBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
  if (!Number.isSafeInteger(max) || max < 0)
    throw new E2eeError('E2EE_INVALID_INPUT', 'maxBytes must be a non-negative integer');
  return max;
}

function checkMediaType(mediaType: string): void {
  if (
    typeof mediaType !== 'string' ||
    mediaType.length === 0 ||
    utf8ToBytes(mediaType).length > MAX_MEDIA_TYPE_BYTES
  ) {
    throw new E2eeError('E2EE_INVALID_INPUT', `mediaType must be 1-${MAX_MEDIA_TYPE_BYTES} bytes`);
  }
}

/**
 * Encrypts with a fresh key. The output buffer is allocated once and every chunk is sealed
 * straight into it, so memory is the plaintext plus one ciphertext.
 */
export function encryptAttachment(
  plaintext: Uint8Array,
  mediaType: string,
  options?: AttachmentOptions,
): { ciphertext: Uint8Array; reference: AttachmentReference } {
  return encryptAttachmentWithKey(plaintext, mediaType, randomBytes(ATTACHMENT_KEY_BYTES), options);
}

/** Deterministic core of encryptAttachment (tests, browser checks). Never reuse a key. */
export function encryptAttachmentWithKey(
  plaintext: Uint8Array,
  mediaType: string,
  key: Uint8Array,
  options?: AttachmentOptions,
): { ciphertext: Uint8Array; reference: AttachmentReference } {
  if (!(plaintext instanceof Uint8Array))
    throw new E2eeError('E2EE_INVALID_INPUT', 'plaintext must be bytes');
  if (!(key instanceof Uint8Array) || key.length !== ATTACHMENT_KEY_BYTES) {
    throw new E2eeError('E2EE_INVALID_INPUT', `attachment key must be ${ATTACHMENT_KEY_BYTES} bytes`);
  }
  checkMediaType(mediaType);
  const max = maxBytesOf(options);
  if (plaintext.length > max) {
    throw new E2eeError(
      'E2EE_INVALID_INPUT',
      `attachment is ${plaintext.length} bytes, over the ${max}-byte limit`,
    );
  }
  const chunk = ATTACHMENT_CHUNK_BYTES;
  const chunks = Math.max(1, Math.ceil(plaintext.length / chunk));
  const { encKey, commitment } = deriveKeys(key);
  const out = new Uint8Array(HEADER_BYTES + plaintext.length + chunks * TAG_BYTES);
  out.set(MAGIC, 0);
  out[4] = VERSION;
  new DataView(out.buffer).setUint32(5, chunk);
  out.set(commitment, 9);
  const header = out.subarray(0, HEADER_BYTES);
  let offset = HEADER_BYTES;
  for (let i = 0; i < chunks; i++) {
    const part = plaintext.subarray(i * chunk, Math.min(plaintext.length, (i + 1) * chunk));
    const sealed = out.subarray(offset, offset + part.length + TAG_BYTES);
    chacha20poly1305(encKey, nonce(i, i === chunks - 1), header).encrypt(part, sealed);
    offset += sealed.length;
  }
  encKey.fill(0);
  return {
    ciphertext: out,
    reference: { key: key.slice(), digest: sha256(plaintext), size: plaintext.length, mediaType },
  };
}

/**
 * Checks, in order: the reference's shape, the header, the key commitment (constant time), every
 * chunk's tag with its position and last flag, then SHA-256(plaintext) = reference.digest and the
 * size. Throws E2EE_ATTACHMENT_INVALID naming the failed check; returns the plaintext.
 */
export function decryptAttachment(
  ciphertext: Uint8Array,
  reference: AttachmentReference,
  options?: AttachmentOptions,
): Uint8Array {
  const max = maxBytesOf(options);
  if (!(ciphertext instanceof Uint8Array)) throw invalid('input', 'ciphertext is not bytes');
  if (!(reference.key instanceof Uint8Array) || reference.key.length !== ATTACHMENT_KEY_BYTES) {
    throw invalid('reference', `key must be ${ATTACHMENT_KEY_BYTES} bytes`);
  }
  if (!(reference.digest instanceof Uint8Array) || reference.digest.length !== 32) {
    throw invalid('reference', 'digest must be 32 bytes');
  }
  if (!Number.isSafeInteger(reference.size) || reference.size < 0)
    throw invalid('reference', 'size is not a byte count');
  if (reference.size > max)
    throw invalid('size limit', `reference size ${reference.size} is over the ${max}-byte limit`);
  if (ciphertext.length < HEADER_BYTES + TAG_BYTES)
    throw invalid('header', 'ciphertext is shorter than header + one chunk');
  if (MAGIC.some((b, i) => ciphertext[i] !== b) || ciphertext[4] !== VERSION) {
    throw invalid('header', 'not a version-1 Safelight attachment');
  }
  const chunk = new DataView(ciphertext.buffer, ciphertext.byteOffset, ciphertext.byteLength).getUint32(5);
  if (chunk < MIN_CHUNK_BYTES || chunk > MAX_CHUNK_BYTES)
    throw invalid('header', `chunk size ${chunk} is out of range`);
  const body = ciphertext.length - HEADER_BYTES;
  const sealedChunk = chunk + TAG_BYTES;
  const chunks = Math.max(1, Math.ceil(body / sealedChunk));
  const lastSealed = body - (chunks - 1) * sealedChunk;
  if (lastSealed < TAG_BYTES) throw invalid('framing', 'the final chunk is shorter than its tag');
  const plaintextLength = body - chunks * TAG_BYTES;
  if (plaintextLength > max)
    throw invalid('size limit', `ciphertext holds ${plaintextLength} bytes, over the ${max}-byte limit`);

  const header = ciphertext.subarray(0, HEADER_BYTES);
  const { encKey, commitment } = deriveKeys(reference.key);
  if (!constantTimeEqual(commitment, header.subarray(9, 9 + COMMITMENT_BYTES))) {
    encKey.fill(0);
    throw invalid('key commitment', 'the key is not the one this ciphertext was made with');
  }
  const out = new Uint8Array(plaintextLength);
  const hash = sha256.create();
  try {
    for (let i = 0; i < chunks; i++) {
      const start = HEADER_BYTES + i * sealedChunk;
      const sealed = ciphertext.subarray(start, i === chunks - 1 ? ciphertext.length : start + sealedChunk);
      const opened = out.subarray(i * chunk, i * chunk + sealed.length - TAG_BYTES);
      try {
        chacha20poly1305(encKey, nonce(i, i === chunks - 1), header).decrypt(sealed, opened);
      } catch {
        throw invalid(
          'chunk',
          `chunk ${i} of ${chunks} does not authenticate (tampered, reordered, or the attachment was truncated or extended)`,
        );
      }
      hash.update(opened);
    }
  } catch (error) {
    out.fill(0);
    throw error;
  } finally {
    encKey.fill(0);
  }
  if (!constantTimeEqual(hash.digest(), reference.digest)) {
    out.fill(0);
    throw invalid('digest', 'SHA-256 of the plaintext differs from the reference digest');
  }
  if (out.length !== reference.size) {
    out.fill(0);
    throw invalid('size', `plaintext is ${out.length} bytes, the reference says ${reference.size}`);
  }
  return out;
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
