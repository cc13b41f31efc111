// The primitives psi-threshold composes, none hand-rolled:
// - hash-to-group: RFC 9380 edwards25519_XMD:SHA-512_ELL2_RO_ (@noble/curves), cofactor cleared,
//   so every H(key) lies in the prime-order subgroup; carried as its X25519 u-coordinate
//   (RFC 7748's birational map over @noble's field);
// - every secret-scalar multiplication: X25519 (RFC 7748) from libsodium (sodium-native, constant
//   time). The protocol only ever needs x·P, never P+Q, so the u-coordinate ladder is enough.
//   libsodium rather than node:crypto because the server's throughput target is bound by this one
//   operation: node:crypto has to import every peer key as a KeyObject (JWK or DER), which made
//   it ~16-22k/s per core here against ~27-33k/s for a direct crypto_scalarmult call (measured side
//   by side, bench/psi prints both). Clamped scalars are multiples of 8, which also kills any
//   torsion component a malicious client could smuggle into a point, and libsodium refuses
//   small-order inputs;
// - per-slot KDF and key check: keyed BLAKE2b (libsodium crypto_generichash, the construction of
//   libsodium's own crypto_kdf), ~0.5 µs against ~10 µs for a node:crypto HKDF call; HKDF-SHA-256
//   stays for the once-per-voucher keys. AEAD: ChaCha20-Poly1305, node:crypto;
// - Shamir over the scalar field of edwards25519 (ℓ ≈ 2^252) using @noble/curves' field
//   arithmetic (see shamir.ts for why not an npm package).
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { ed25519, ed25519_hasher } from '@noble/curves/ed25519.js';
import sodium from 'sodium-native';

const H2C_DST = 'SAFELIGHT-PSI-THRESHOLD-V1_edwards25519_XMD:SHA-512_ELL2_RO_';

const Fp = ed25519.Point.Fp;

/**
 * u-coordinates of H(input) in the prime-order subgroup (RFC 9380 hash_to_curve), computed in a
 * batch: u = (1+y)/(1-y) = (Z+Y)/(Z-Y) (RFC 7748 birational map) with one shared field inversion
 * (Montgomery's trick, @noble's invertBatch) instead of an encode/decode round trip per point.
 */
export function hashToGroupBatch(inputs: readonly Uint8Array[]): Uint8Array[] {
  const points = inputs.map((input) => ed25519_hasher.hashToCurve(input, { DST: H2C_DST }));
  const inverses = Fp.invertBatch(points.map((p) => Fp.sub(p.Z, p.Y)));
  return points.map((p, i) => Fp.toBytes(Fp.mul(Fp.add(p.Z, p.Y), inverses[i] as bigint)));
}

/** u-coordinate of H(input) (see hashToGroupBatch). */
export function hashToGroup(input: Uint8Array): Uint8Array {
  return hashToGroupBatch([input])[0] as Uint8Array;
}

/** An X25519 secret scalar (32 bytes; clamped by every operation that uses it). */
export type X25519Secret = Uint8Array & { readonly __brand: 'X25519Secret' };

export function x25519PrivateKey(scalar: Uint8Array): X25519Secret {
  if (scalar.length !== 32) throw new RangeError(`an X25519 scalar is 32 bytes, got ${scalar.length}`);
  return new Uint8Array(scalar) as X25519Secret;
}

// @types/sodium-native declares Buffers; the binding reads any Uint8Array, so views are zero-copy.
const view = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** u-coordinate of clamp(scalar)·B. */
export function x25519Base(secret: X25519Secret): Uint8Array {
  const out = new Uint8Array(32);
  sodium.crypto_scalarmult_base(view(out), view(secret));
  return out;
}

/** u(clamp(scalar)·P), or undefined when P is of small order (libsodium refuses it). */
export function x25519(secret: X25519Secret, u: Uint8Array): Uint8Array | undefined {
  if (u.length !== 32) return undefined;
  const out = new Uint8Array(32);
  try {
    sodium.crypto_scalarmult(view(out), view(secret), view(u));
    return out;
  } catch {
    return undefined;
  }
}

/** Keyed BLAKE2b of `message` (outLength 16..64 bytes): the per-slot PRF of derive.ts. */
export function keyedBlake2b(key: Uint8Array, message: Uint8Array, outLength: number): Uint8Array {
  const out = new Uint8Array(outLength);
  sodium.crypto_generichash(view(out), view(message), view(key));
  return out;
}

export function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
}

const TAG_BYTES = 16;
export const AEAD_OVERHEAD = TAG_BYTES;

export function seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  const body = cipher.update(plaintext);
  cipher.final();
  return new Uint8Array(Buffer.concat([body, cipher.getAuthTag()]));
}

/** Undefined when the tag does not verify (wrong key, tampered, or not ours). */
export function open(
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array,
): Uint8Array | undefined {
  if (sealed.length < TAG_BYTES) return undefined;
  const body = sealed.subarray(0, sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad, { plaintextLength: body.length });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const out = decipher.update(body);
  try {
    decipher.final();
  } catch {
    return undefined;
  }
  return new Uint8Array(out);
}

export function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
  return out;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
