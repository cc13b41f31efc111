import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toB64u } from './encoding.js';

export const AUTH_CONTEXT = 'safelight-auth-v1';
export type AuthPurpose = 'register' | 'login';

/** deviceId = b64u(first 16 bytes of SHA-256(device public key)). */
export function deviceIdOf(publicKey: Uint8Array): string {
  return toB64u(sha256(publicKey).subarray(0, 16));
}

/** The bytes a device signs: UTF-8 "safelight-auth-v1\n" + purpose + "\n" + challenge. */
export function authMessage(purpose: AuthPurpose, challenge: string): Uint8Array {
  return new TextEncoder().encode(`${AUTH_CONTEXT}\n${purpose}\n${challenge}`);
}

/** Ed25519 verification (RFC 8032, @noble/curves); false for malformed keys or signatures. */
export function verifyAuthSignature(
  publicKey: Uint8Array,
  purpose: AuthPurpose,
  challenge: string,
  signature: Uint8Array,
): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return ed25519.verify(signature, authMessage(purpose, challenge), publicKey);
  } catch {
    return false;
  }
}

export function newToken(): { token: string; hash: Uint8Array } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): Uint8Array {
  return sha256(new TextEncoder().encode(token));
}

export function newAccountId(): string {
  return `acct_${randomBytes(16).toString('base64url')}`;
}

export function newChallenge(): string {
  return randomBytes(32).toString('base64url');
}
