// The primitives psi-threshold composes, none hand-rolled:
// - hash-to-group: RFC 9380 edwards25519_XMD:SHA-512_ELL2_RO_ (@noble/curves), cofactor cleared,
//   so every H(key) lies in the prime-order subgroup; carried as its X25519 u-coordinate
//   (RFC 7748's birational map over @noble's field);
// - every secret-scalar multiplication: X25519 (RFC 7748) from node:crypto (OpenSSL, constant
//   time). The protocol only ever needs x·P, never P+Q, so the u-coordinate ladder is enough, and
//   native X25519 is ~40 µs where @noble's ristretto multiply is ~1 ms: the server's throughput
//   target needs it. Clamped scalars are multiples of 8, which also kills any torsion component
//   a malicious client could smuggle into a point;
// - KDF: HKDF-SHA-256, AEAD: ChaCha20-Poly1305, both node:crypto;
// - Shamir over the scalar field of edwards25519 (ℓ ≈ 2^252) using @noble/curves' field
//   arithmetic (see shamir.ts for why not an npm package).
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { ed25519, ed25519_hasher } from '@noble/curves/ed25519.js';

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

// Keys cross into OpenSSL as JWK: importing raw X25519 keys that way is ~5-10× cheaper than
// wrapping them in PKCS#8 / SPKI DER (measured on Node 20).
const b64u = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

export function x25519PrivateKey(scalar: Uint8Array): KeyObject {
  return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64u(scalar), x: '' }, format: 'jwk' });
}

/** u-coordinate of clamp(scalar)·B. */
export function x25519Base(privateKey: KeyObject): Uint8Array {
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(x ?? '', 'base64url'));
}

/** u(clamp(scalar)·P), or undefined when P is of small order (OpenSSL rejects the zero output). */
export function x25519(privateKey: KeyObject, u: Uint8Array): Uint8Array | undefined {
  try {
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(u) }, format: 'jwk' });
    return new Uint8Array(diffieHellman({ privateKey, publicKey }));
  } catch {
    return undefined;
  }
}

/** A fresh random element of the prime-order subgroup, as a u-coordinate (padding and decoys). */
export function randomGroupElement(): Uint8Array {
  return x25519Base(x25519PrivateKey(randomBytes(32)));
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
