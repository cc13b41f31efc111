import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import {
  checkContent,
  checkContext,
  checkFixed,
  checkKeyId,
  encodeFrankedContent,
  encodeFrankInput,
  FRANK_MAC_BYTES,
  FRANKING_KEY_BYTES,
  FRANKING_VERSION,
  type FrankContext,
  type FrankedAttachment,
  type FrankedContent,
  frankKdfInfo,
  MIN_SERVER_KEY_BYTES,
  TAG_BYTES,
} from './encoding.js';
import { FrankingError } from './errors.js';

/**
 * MIMI-style message franking.
 *
 * Sender: a fresh 32-byte franking key, carried inside the encrypted message, and a tag =
 * HMAC-SHA256(frankingKey, canonical content) placed in the MLS authenticated data.
 * Server: frank = HMAC-SHA256(HKDF(rootSecret, info = "safelight frank v1" + keyId), canonical
 * tag + context), returned with its keyId; the server stores nothing.
 * Reporter: reveals plaintext, attachments, franking key, tag and frank; `verifyReport` checks both.
 * See docs/franking.md.
 */

/** 32 bytes: HMAC-SHA256 of the framed content under the franking key. */
export type FrankingTag = Uint8Array;

export interface CreatedFrankingTag {
  /** Fresh random key; goes INSIDE the ciphertext so only recipients can open the commitment. */
  readonly frankingKey: Uint8Array;
  /** Goes in the MLS authenticated data, visible to the server. */
  readonly tag: FrankingTag;
}

/** The server's stamp on a tag. */
export interface Frank {
  readonly version: number;
  /** Which server key stamped it (for rotation). */
  readonly keyId: string;
  /** 32 bytes: HMAC-SHA256 under the derived frank key. */
  readonly mac: Uint8Array;
}

/** A server root secret and its id; the frank key itself is derived per keyId with HKDF. */
export interface ServerFrankingKey {
  readonly keyId: string;
  /** At least 32 bytes of secret. */
  readonly key: Uint8Array;
}

/** One keyring entry: the secret and the last instant (ms since the epoch) it verifies franks. */
export interface KeyringEntry {
  readonly key: Uint8Array;
  readonly notAfter: number;
}

export type FrankingKeyring = ReadonlyMap<string, KeyringEntry> | Readonly<Record<string, KeyringEntry>>;

export type ReportFailureReason = 'tag-mismatch' | 'frank-mismatch' | 'unknown-key' | 'expired' | 'malformed';

export type ReportVerification =
  | { readonly ok: true; readonly keyId: string }
  | { readonly ok: false; readonly reason: ReportFailureReason; readonly detail: string };

export interface FrankingReport extends FrankedContent, FrankContext {
  readonly frankingKey: Uint8Array;
  readonly tag: Uint8Array;
  /** A Frank object or its wire encoding (see encodeFrank). */
  readonly frank: Frank | Uint8Array;
}

export interface VerifyOptions {
  /** Verification time, ms since the epoch. */
  readonly now: number;
  /** A report whose receivedAt is older than now - maxAgeMs is rejected as expired. */
  readonly maxAgeMs: number;
}

/** Deterministic core of the sender side: the tag for content under a given franking key. */
export function computeFrankingTag(frankingKey: Uint8Array, content: FrankedContent): FrankingTag {
  const problem = checkFixed('frankingKey', frankingKey, FRANKING_KEY_BYTES);
  if (problem) throw new FrankingError('FRANKING_INVALID_INPUT', problem);
  return hmac(sha256, frankingKey, encodeFrankedContent(content));
}

/** Sender: a fresh franking key and the tag committing to this content. */
export function createFrankingTag(content: {
  plaintext: Uint8Array;
  attachments: readonly FrankedAttachment[];
  contentType?: string | undefined;
}): CreatedFrankingTag {
  const frankingKey = randomBytes(FRANKING_KEY_BYTES);
  return { frankingKey, tag: computeFrankingTag(frankingKey, content) };
}

function deriveFrankKey(secret: Uint8Array, keyId: string): Uint8Array {
  return hkdf(sha256, secret, undefined, frankKdfInfo(keyId), 32);
}

function checkServerSecret(secret: unknown): string | undefined {
  if (!(secret instanceof Uint8Array)) return 'server secret must be a Uint8Array';
  if (secret.length < MIN_SERVER_KEY_BYTES)
    return `server secret must be at least ${MIN_SERVER_KEY_BYTES} bytes`;
  return undefined;
}

/**
 * Server: stamp a tag with sender, conversation, message id and receive time. Stateless: the
 * result is handed back to the recipients with the message; the server keeps nothing.
 */
export function stampFrank(serverKey: ServerFrankingKey, input: { tag: Uint8Array } & FrankContext): Frank {
  const problem = checkKeyId(serverKey?.keyId) ?? checkServerSecret(serverKey?.key);
  if (problem) throw new FrankingError('FRANKING_INVALID_INPUT', problem);
  const frankKey = deriveFrankKey(serverKey.key, serverKey.keyId);
  const mac = hmac(sha256, frankKey, encodeFrankInput(serverKey.keyId, input.tag, input));
  return { version: FRANKING_VERSION, keyId: serverKey.keyId, mac };
}

/**
 * Server hot path: a stamping function with the frank key derived once. Same result as
 * `stampFrank(serverKey, input)`, without an HKDF per message.
 */
export function frankStamper(
  serverKey: ServerFrankingKey,
): (input: { tag: Uint8Array } & FrankContext) => Frank {
  const problem = checkKeyId(serverKey?.keyId) ?? checkServerSecret(serverKey?.key);
  if (problem) throw new FrankingError('FRANKING_INVALID_INPUT', problem);
  const { keyId } = serverKey;
  const frankKey = deriveFrankKey(serverKey.key, keyId);
  return (input) => ({
    version: FRANKING_VERSION,
    keyId,
    mac: hmac(sha256, frankKey, encodeFrankInput(keyId, input.tag, input)),
  });
}

/** Wire encoding of a frank: version (1 byte), keyId length (1 byte), keyId (UTF-8), mac (32). */
export function encodeFrank(frank: Frank): Uint8Array {
  const problem = checkFrank(frank);
  if (problem) throw new FrankingError('FRANKING_INVALID_INPUT', problem);
  const keyId = new TextEncoder().encode(frank.keyId);
  const out = new Uint8Array(2 + keyId.length + FRANK_MAC_BYTES);
  out[0] = frank.version;
  out[1] = keyId.length;
  out.set(keyId, 2);
  out.set(frank.mac, 2 + keyId.length);
  return out;
}

/** Parses encodeFrank's output; throws FRANKING_MALFORMED_FRANK on anything else. */
export function decodeFrank(bytes: Uint8Array): Frank {
  const fail = (why: string): never => {
    throw new FrankingError('FRANKING_MALFORMED_FRANK', `frank: ${why}`);
  };
  if (!(bytes instanceof Uint8Array)) fail('must be a Uint8Array');
  if (bytes.length < 2) fail(`${bytes.length} bytes is too short`);
  if (bytes[0] !== FRANKING_VERSION) fail(`unsupported version ${bytes[0]}`);
  const keyIdLength = bytes[1]!;
  if (bytes.length !== 2 + keyIdLength + FRANK_MAC_BYTES) {
    fail(`length ${bytes.length} does not match keyId length ${keyIdLength} + ${FRANK_MAC_BYTES}-byte mac`);
  }
  let keyId = '';
  try {
    keyId = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(2, 2 + keyIdLength));
  } catch {
    fail('keyId is not UTF-8');
  }
  const frank: Frank = { version: FRANKING_VERSION, keyId, mac: bytes.slice(2 + keyIdLength) };
  const problem = checkFrank(frank);
  if (problem) fail(problem);
  return frank;
}

function checkFrank(frank: Frank): string | undefined {
  if (frank === null || typeof frank !== 'object') return 'frank must be an object';
  if (frank.version !== FRANKING_VERSION) return `unsupported frank version ${String(frank.version)}`;
  return checkKeyId(frank.keyId) ?? checkFixed('frank.mac', frank.mac, FRANK_MAC_BYTES);
}

/** Constant-time equality for equal-length MACs (the length itself is public). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function lookup(keyring: FrankingKeyring, keyId: string): KeyringEntry | undefined {
  if (keyring instanceof Map) return keyring.get(keyId);
  const record = keyring as Readonly<Record<string, KeyringEntry>>;
  return Object.hasOwn(record, keyId) ? record[keyId] : undefined;
}

const fail = (reason: ReportFailureReason, detail: string): ReportVerification => ({
  ok: false,
  reason,
  detail,
});

/**
 * Moderation: check that exactly this content was sent by this sender, in this conversation, as
 * this message, at this time. Never throws. Checks in order: well-formed inputs (malformed), the
 * frank's key is known and not retired (unknown-key), the frank over tag + context (frank-mismatch),
 * the tag over the revealed content (tag-mismatch), then the report's age (expired).
 */
export function verifyReport(
  keyring: FrankingKeyring,
  report: FrankingReport,
  options: VerifyOptions,
): ReportVerification {
  if (keyring === null || typeof keyring !== 'object')
    return fail('malformed', 'keyring must be a Map or record');
  if (report === null || typeof report !== 'object') return fail('malformed', 'report must be an object');
  if (!Number.isFinite(options?.now) || !Number.isFinite(options?.maxAgeMs) || options.maxAgeMs < 0) {
    return fail('malformed', 'options.now and options.maxAgeMs must be finite, maxAgeMs >= 0');
  }
  let frank: Frank;
  if (report.frank instanceof Uint8Array) {
    try {
      frank = decodeFrank(report.frank);
    } catch (error) {
      return fail('malformed', error instanceof Error ? error.message : String(error));
    }
  } else {
    frank = report.frank;
  }
  const problem =
    checkFrank(frank) ??
    checkFixed('frankingKey', report.frankingKey, FRANKING_KEY_BYTES) ??
    checkFixed('tag', report.tag, TAG_BYTES) ??
    checkContent(report) ??
    checkContext(report);
  if (problem) return fail('malformed', problem);

  const entry = lookup(keyring, frank.keyId);
  if (entry === undefined) return fail('unknown-key', `no server key "${frank.keyId}" in the keyring`);
  if (checkServerSecret(entry.key)) return fail('unknown-key', `server key "${frank.keyId}" is unusable`);
  if (!(options.now <= entry.notAfter)) {
    return fail('unknown-key', `server key "${frank.keyId}" was retired at ${entry.notAfter}`);
  }

  const frankKey = deriveFrankKey(entry.key, frank.keyId);
  const expectedMac = hmac(sha256, frankKey, encodeFrankInput(frank.keyId, report.tag, report));
  if (!equalBytes(expectedMac, frank.mac)) {
    return fail(
      'frank-mismatch',
      'the frank does not bind this tag to this sender, conversation, message and time',
    );
  }
  const expectedTag = computeFrankingTag(report.frankingKey, report);
  if (!equalBytes(expectedTag, report.tag)) {
    return fail('tag-mismatch', 'the revealed content and franking key do not open the tag');
  }
  if (report.receivedAt < options.now - options.maxAgeMs) {
    return fail(
      'expired',
      `received at ${report.receivedAt}, older than ${options.maxAgeMs} ms before ${options.now}`,
    );
  }
  return { ok: true, keyId: frank.keyId };
}
