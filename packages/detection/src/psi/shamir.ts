// Shamir secret sharing over the scalar field of edwards25519 (prime ℓ ≈ 2^252), with
// @noble/curves' field arithmetic. Why not the audited `shamir-secret-sharing` npm package: it
// shares over GF(2^8), so one split() yields at most 255 shares, all at once. A voucher stream
// needs Apple's shape instead: one persistent polynomial per account, evaluated at a fresh point
// x = H(voucher id) for every image, unboundedly many times over the account's life. That needs a
// large prime field, so the polynomial lives in Fn and only evaluation and Lagrange interpolation
// at 0 are written here (both a few lines over a vetted field implementation).
import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';

const Fn = ed25519.Point.Fn;

function bytesToBigLE(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] ?? 0);
  return n;
}

/** A uniform field element (64 random bytes reduced mod ℓ: bias < 2^-250). */
export function randomScalar(): bigint {
  return Fn.create(bytesToBigLE(randomBytes(64)));
}

/** A field element derived from bytes (64-byte hash reduced mod ℓ); never 0 in practice. */
export function hashToScalar(domain: string, ...parts: Uint8Array[]): bigint {
  const h = sha512.create().update(new TextEncoder().encode(domain));
  for (const part of parts) h.update(part);
  const x = Fn.create(bytesToBigLE(h.digest()));
  return x === 0n ? 1n : x;
}

export const scalarToBytes = (s: bigint): Uint8Array => Fn.toBytes(s);
export function scalarFromBytes(bytes: Uint8Array): bigint | undefined {
  const n = bytesToBigLE(bytes);
  return n < Fn.ORDER ? n : undefined;
}

/** Polynomial of degree threshold-1 whose constant term is the secret. */
export class ShamirPolynomial {
  private readonly coefficients: bigint[];
  constructor(threshold: number) {
    this.coefficients = Array.from({ length: threshold }, () => randomScalar());
  }
  get secret(): bigint {
    return this.coefficients[0] ?? 0n;
  }
  evaluate(x: bigint): bigint {
    let y = 0n;
    for (let i = this.coefficients.length - 1; i >= 0; i--) {
      y = Fn.add(Fn.mul(y, x), this.coefficients[i] ?? 0n);
    }
    return y;
  }
}

/** Lagrange interpolation at 0. Points must have distinct, non-zero x. */
export function reconstructSecret(points: ReadonlyArray<{ x: bigint; y: bigint }>): bigint {
  let secret = 0n;
  for (let i = 0; i < points.length; i++) {
    const pi = points[i] as { x: bigint; y: bigint };
    let num = 1n;
    let den = 1n;
    for (let j = 0; j < points.length; j++) {
      if (j === i) continue;
      const xj = (points[j] as { x: bigint }).x;
      num = Fn.mul(num, xj);
      den = Fn.mul(den, Fn.sub(xj, pi.x));
    }
    secret = Fn.add(secret, Fn.mul(pi.y, Fn.div(num, den)));
  }
  return secret;
}
