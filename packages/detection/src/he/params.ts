// BFV parameters of he-fuzzy and the one SEAL runtime per process (node-seal 6.0.3, WebAssembly).
import { createHash } from 'node:crypto';
import sealModule from 'node-seal';
import type { BatchEncoder } from 'node-seal/implementation/batch-encoder.js';
import type { Context } from 'node-seal/implementation/context.js';
import type { Evaluator } from 'node-seal/implementation/evaluator.js';
import type { SEALLibrary } from 'node-seal/implementation/seal.js';

/** Polynomial modulus degree N: 8192 slots (2 rows of 4096). */
export const POLY_MODULUS_DEGREE = 8192;
/**
 * Bits of the batching-friendly prime plaintext modulus t (t = 163841 = 10·2^14 + 1). t only has to
 * be a prime > 256 (so d − j ≢ 0 mod t for d ≠ j, and r·P is uniform nonzero when P ≠ 0); every bit
 * of t costs noise budget at each of the circuit's 4 multiplications. 18 bits (was 20) pays for
 * the smaller modulus below; a token is then guessed with probability 1/t per claim, and answers
 * carry at most MAX_CLAIMS claims, so forging a match succeeds w.p. ≤ 8/163841 ≈ 2^-14.3 per query.
 */
export const PLAIN_MODULUS_BITS = 18;
/**
 * Coefficient modulus primes, in bits. Results are mod-switched down to the FIRST prime before
 * they are sent, so a small first prime (32 bits) makes the returned ciphertext small (~67 KiB
 * instead of ~100 KiB at 44 bits); the query is encrypted under the three data primes (152 bits
 * instead of 174: ~161 KiB instead of ~211 KiB). The last prime is SEAL's special key-switching
 * prime. 212 bits ≤ 218, the 128-bit-security bound for N = 8192 (SEAL checks it). Measured noise
 * budget (bench/he, node-seal 6.0.3): fresh 130 bits, after the distance ~95, after the two
 * products ~37, after the mask ~16, after the switch to the 32-bit prime ~7 (> 0: decrypts).
 * Three data primes instead of four also make every homomorphic operation ~25 % cheaper.
 */
export const COEFF_MODULUS_BITS = [32, 60, 60, 60] as const;
/** At most this many (ciphertext, slot, token) claims per answer (see PLAIN_MODULUS_BITS). */
export const MAX_CLAIMS = 8;
/** Slots per batching row; rotations act cyclically inside each row. */
export const ROW_SLOTS = POLY_MODULUS_DEGREE / 2;
/** PDQ hash width; the client's bits repeat with this period along each row. */
export const HASH_BITS = 256;
/** Baby-step / giant-step split of the 256 diagonals: 16 x 16. */
export const BABY_STEPS = 16;
/** Factors (d - j) multiplied per slot: 4 = multiplicative depth 2 (what the noise budget allows). */
export const FACTORS_PER_COPY = 4;

export interface HeRuntime {
  readonly seal: SEALLibrary;
  readonly context: Context;
  readonly evaluator: Evaluator;
  readonly encoder: BatchEncoder;
  /** The plaintext modulus t (prime). */
  readonly t: number;
  readonly slots: number;
  /** 8 bytes naming (scheme, N, q primes, t): payloads under other parameters are refused. */
  readonly fingerprint: Uint8Array;
  readonly coeffModulusBits: number[];
}

let runtime: Promise<HeRuntime> | undefined;

// node-seal's types declare an ES default export; at run time Node hands us module.exports.
type SealLoader = () => Promise<SEALLibrary>;
export const loadSeal: SealLoader =
  typeof sealModule === 'function'
    ? (sealModule as unknown as SealLoader)
    : (sealModule as unknown as { default: SealLoader }).default;

/** The shared runtime: SEAL compiled once, one context for the fixed parameters. */
export function heRuntime(): Promise<HeRuntime> {
  runtime ??= build();
  return runtime;
}

async function build(): Promise<HeRuntime> {
  const seal = await loadSeal();
  const parms = seal.EncryptionParameters(seal.SchemeType.bfv);
  parms.setPolyModulusDegree(POLY_MODULUS_DEGREE);
  parms.setCoeffModulus(seal.CoeffModulus.Create(POLY_MODULUS_DEGREE, Int32Array.from(COEFF_MODULUS_BITS)));
  parms.setPlainModulus(seal.PlainModulus.Batching(POLY_MODULUS_DEGREE, PLAIN_MODULUS_BITS));
  const context = seal.Context(parms, true, seal.SecurityLevel.tc128);
  if (!context.parametersSet()) throw new Error('SEAL refused the he-fuzzy BFV parameters');
  const t = Number(parms.plainModulus.value);
  const primes = [...parms.coeffModulus];
  const coeffModulusBits = primes.map((q) => q.toString(2).length);
  const fingerprint = parameterFingerprint(POLY_MODULUS_DEGREE, primes, BigInt(t));
  return {
    seal,
    context,
    evaluator: seal.Evaluator(context),
    encoder: seal.BatchEncoder(context),
    t,
    slots: POLY_MODULUS_DEGREE,
    fingerprint,
    coeffModulusBits,
  };
}

export function parameterFingerprint(n: number, primes: readonly bigint[], t: bigint): Uint8Array {
  const text = `bfv|${n}|${primes.join(',')}|${t}`;
  return new Uint8Array(createHash('sha256').update(text).digest().subarray(0, 8));
}

/** Slots per bank entry: `copies` zero-test flags and as many paired token slots. */
export function copiesFor(radius: number): number {
  return Math.ceil((radius + 1) / FACTORS_PER_COPY);
}

/** Start slot of every unit (one bank entry each); units never straddle a batching row. */
export function unitBases(copies: number): number[] {
  const unit = 2 * copies;
  const bases: number[] = [];
  for (let row = 0; row < POLY_MODULUS_DEGREE / ROW_SLOTS; row++) {
    for (let col = 0; col + unit <= ROW_SLOTS; col += unit) bases.push(row * ROW_SLOTS + col);
  }
  return bases;
}
