/**
 * Argument checks shared by the indexes. Each names the argument and says whether the type or the
 * value is wrong, so a bad call fails at the boundary instead of deep inside a typed-array loop
 * (where a wrong value would silently read `undefined` and match nothing).
 */
import { PDQ_HASH_BITS, PDQ_HASH_WORDS, type PdqHash } from '@safelight/pdq';
import { HashbankError } from '../bank/errors.js';

export function assertPdqHash(value: unknown, name = 'hash'): asserts value is PdqHash {
  if (!(value instanceof Uint32Array)) {
    throw new HashbankError(
      'HASHBANK_INVALID_ARGUMENT',
      `${name} must be a PdqHash (Uint32Array of ${PDQ_HASH_WORDS} words), got ${describe(value)}`,
    );
  }
  if (value.length !== PDQ_HASH_WORDS) {
    throw new HashbankError(
      'HASHBANK_INVALID_ARGUMENT',
      `${name} must have ${PDQ_HASH_WORDS} words, got ${value.length}`,
    );
  }
}

/** Ids are numbers so they fit a Float64Array; safe integers so they round-trip exactly. */
export function assertId(value: unknown, name = 'id'): asserts value is number {
  if (typeof value !== 'number') {
    throw new HashbankError('HASHBANK_INVALID_ARGUMENT', `${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new HashbankError(
      'HASHBANK_INVALID_ARGUMENT',
      `${name} must be a non-negative safe integer, got ${value}`,
    );
  }
}

export function assertRadius(value: unknown, name = 'radius'): asserts value is number {
  if (typeof value !== 'number') {
    throw new HashbankError('HASHBANK_INVALID_ARGUMENT', `${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < 0 || value > PDQ_HASH_BITS) {
    throw new HashbankError(
      'HASHBANK_INVALID_ARGUMENT',
      `${name} must be an integer from 0 to ${PDQ_HASH_BITS}, got ${value}`,
    );
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}
