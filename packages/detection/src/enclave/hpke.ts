// The HPKE suite (RFC 9180, base mode) a client seals to the enclave matcher with:
// DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, through @hpke/core (WebCrypto; Node >= 20).
import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { sha256 } from '@noble/hashes/sha2.js';

export const HPKE_SUITE_NAME = 'DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM';
export const HPKE_INFO = new TextEncoder().encode('safelight/detection/enclave/v1');
export const HPKE_ENC_BYTES = 32;
export const HPKE_TAG_BYTES = 16;
export const KEY_ID_BYTES = 8;

export function enclaveSuite(): CipherSuite {
  return new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
}

/** First 8 bytes of SHA-256 of the matcher's X25519 public key: names the key a payload is for. */
export function keyIdOf(publicKey: Uint8Array): Uint8Array {
  return sha256(publicKey).subarray(0, KEY_ID_BYTES);
}

type Kem = CipherSuite['kem'];
export type HpkeKeyPair = Awaited<ReturnType<Kem['generateKeyPair']>>;
export type HpkePublicKey = Awaited<ReturnType<Kem['deserializePublicKey']>>;
