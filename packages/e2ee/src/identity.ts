// Device identities: one Ed25519 key pair per device, made on the device. The same key signs the
// server's auth challenges and is the device's MLS signature key (cipher suite
// MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519), so key packages are tied to the registered device.
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { fromBase64Url, toBase64Url } from './base64url.js';
import { E2eeError } from './errors.js';

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_PRIVATE_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;
/** deviceId = b64u of this many leading bytes of SHA-256(public key): 22 characters. */
export const DEVICE_ID_HASH_BYTES = 16;
const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const AUTH_CONTEXT = 'safelight-auth-v1';

export type AuthPurpose = 'register' | 'login';

export interface DeviceIdentity {
  readonly publicKey: Uint8Array;
  /** The 32-byte Ed25519 secret key (seed). Never leaves the device. */
  readonly privateKey: Uint8Array;
  readonly deviceId: string;
}

export function createDeviceIdentity(): DeviceIdentity {
  const { secretKey, publicKey } = ed25519.keygen();
  return { publicKey, privateKey: secretKey, deviceId: deviceIdFromPublicKey(publicKey) };
}

/** b64u (no padding) of the first 16 bytes of SHA-256(publicKey). */
export function deviceIdFromPublicKey(publicKey: Uint8Array): string {
  checkLength(publicKey, ED25519_PUBLIC_KEY_BYTES, 'publicKey');
  return toBase64Url(sha256(publicKey).subarray(0, DEVICE_ID_HASH_BYTES));
}

/** True when `deviceId` has the shape of a deviceId (22 base64url characters). */
export function isDeviceId(deviceId: string): boolean {
  return typeof deviceId === 'string' && DEVICE_ID_PATTERN.test(deviceId);
}

function authMessage(purpose: AuthPurpose, challenge: string): Uint8Array {
  if (purpose !== 'register' && purpose !== 'login') {
    throw new E2eeError(
      'E2EE_INVALID_INPUT',
      `auth purpose must be register or login, not ${String(purpose)}`,
    );
  }
  if (typeof challenge !== 'string' || challenge.length === 0) {
    throw new E2eeError('E2EE_INVALID_INPUT', 'auth challenge must be a non-empty string');
  }
  return utf8ToBytes(`${AUTH_CONTEXT}\n${purpose}\n${challenge}`);
}

/** Ed25519 over UTF-8 "safelight-auth-v1\n" + purpose + "\n" + challenge (docs/delivery.md). */
export function signAuthChallenge(
  identity: DeviceIdentity,
  purpose: AuthPurpose,
  challenge: string,
): Uint8Array {
  checkLength(identity.privateKey, ED25519_PRIVATE_KEY_BYTES, 'privateKey');
  return ed25519.sign(authMessage(purpose, challenge), identity.privateKey);
}

/** False (never throws) for a wrong signature, key, purpose or challenge, or malformed lengths. */
export function verifyAuthChallenge(
  publicKey: Uint8Array,
  purpose: AuthPurpose,
  challenge: string,
  signature: Uint8Array,
): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_KEY_BYTES) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_BYTES) return false;
  let message: Uint8Array;
  try {
    message = authMessage(purpose, challenge);
  } catch {
    return false;
  }
  try {
    // Strict RFC 8032 verification (zip215: false): no malleable or small-order edge cases.
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

const IDENTITY_FORMAT = 'safelight-device-identity-v1';

/** Serialises an identity for the device's own storage (JSON, keys as b64u). */
export function encodeDeviceIdentity(identity: DeviceIdentity): string {
  checkLength(identity.publicKey, ED25519_PUBLIC_KEY_BYTES, 'publicKey');
  checkLength(identity.privateKey, ED25519_PRIVATE_KEY_BYTES, 'privateKey');
  return JSON.stringify({
    format: IDENTITY_FORMAT,
    publicKey: toBase64Url(identity.publicKey),
    privateKey: toBase64Url(identity.privateKey),
  });
}

/**
 * Parses what encodeDeviceIdentity wrote. Checks the format tag, both key lengths and that the
 * public key is the one the private key derives (a mismatched pair would sign key packages the
 * server then refuses). The deviceId is recomputed, never trusted from storage.
 */
export function decodeDeviceIdentity(encoded: string): DeviceIdentity {
  let parsed: unknown;
  try {
    parsed = JSON.parse(encoded);
  } catch (cause) {
    throw new E2eeError('E2EE_INVALID_INPUT', 'device identity is not JSON', { cause });
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new E2eeError('E2EE_INVALID_INPUT', 'device identity is not an object');
  }
  const record = parsed as Record<string, unknown>;
  if (record.format !== IDENTITY_FORMAT) {
    throw new E2eeError('E2EE_INVALID_INPUT', `device identity format must be ${IDENTITY_FORMAT}`);
  }
  if (typeof record.publicKey !== 'string' || typeof record.privateKey !== 'string') {
    throw new E2eeError('E2EE_INVALID_INPUT', 'device identity needs publicKey and privateKey strings');
  }
  const publicKey = fromBase64Url(record.publicKey, 'device identity publicKey');
  const privateKey = fromBase64Url(record.privateKey, 'device identity privateKey');
  checkLength(publicKey, ED25519_PUBLIC_KEY_BYTES, 'device identity publicKey');
  checkLength(privateKey, ED25519_PRIVATE_KEY_BYTES, 'device identity privateKey');
  const derived = ed25519.getPublicKey(privateKey);
  if (!bytesEqual(derived, publicKey)) {
    throw new E2eeError('E2EE_INVALID_INPUT', 'device identity publicKey does not match its privateKey');
  }
  return { publicKey, privateKey, deviceId: deviceIdFromPublicKey(publicKey) };
}

function checkLength(bytes: Uint8Array, length: number, field: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new E2eeError(
      'E2EE_INVALID_INPUT',
      `${field} must be ${length} bytes, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`,
    );
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
