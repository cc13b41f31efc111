import { HashbankError } from '../bank/errors.js';
import { isSignalType, normalizeSignal, type SignalType } from '../bank/signal.js';
import { type Hash, hashLeafData } from './merkle.js';

/** What a commitment covers of each entry: its signal type and canonical value, nothing else. */
export interface CommittedSignal {
  signalType: SignalType;
  value: string;
}

const encoder = new TextEncoder();

/**
 * Canonical leaf data, length-prefixed so no two (type, value) pairs encode alike:
 *   u8 length of the type name || type name (ASCII) || u32 big-endian length of the value || value (UTF-8)
 * The value is the canonical text (lowercase hex, canonical vPDQ).
 */
export function encodeLeaf(signal: CommittedSignal): Uint8Array {
  const type = encoder.encode(signal.signalType);
  const value = encoder.encode(signal.value);
  const out = new Uint8Array(1 + type.length + 4 + value.length);
  out[0] = type.length;
  out.set(type, 1);
  new DataView(out.buffer).setUint32(1 + type.length, value.length, false);
  out.set(value, 5 + type.length);
  return out;
}

export function leafHash(signal: CommittedSignal): Hash {
  return hashLeafData(encodeLeaf(signal));
}

/**
 * The committed order: by signal type, then value, comparing UTF-16 code units, which for our
 * ASCII-only canonical values is byte order, the order the database returns them in.
 */
export function compareSignals(a: CommittedSignal, b: CommittedSignal): number {
  if (a.signalType !== b.signalType) return a.signalType < b.signalType ? -1 : 1;
  if (a.value !== b.value) return a.value < b.value ? -1 : 1;
  return 0;
}

/** Validates and canonicalises a signal from outside (an auditor's list, a proof request). */
export function canonicalSignal(signalType: string, value: string): CommittedSignal {
  if (!isSignalType(signalType)) {
    throw new HashbankError(
      'BANK_UNKNOWN_SIGNAL_TYPE',
      `unknown signal type ${JSON.stringify(signalType.slice(0, 40))}`,
    );
  }
  return { signalType, value: normalizeSignal(signalType, value) };
}
