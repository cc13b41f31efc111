import { HashbankError } from './errors.js';
import { normalizeVpdq } from './vpdq.js';

/**
 * The kinds of signal a bank can hold. `pdq` is a 256-bit perceptual image hash, `vpdq` a
 * sequence of per-frame PDQ hashes of a video, `md5` and `sha256` digests of file bytes.
 */
export const SIGNAL_TYPES = ['pdq', 'vpdq', 'md5', 'sha256'] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

const HEX_LENGTHS = { pdq: 64, md5: 32, sha256: 64 } as const;

/**
 * Names other tools use for our signal types: python-threatexchange calls file digests of
 * videos `video_md5` / `video_sha256`; ours are digests of any file's bytes, so they map here.
 */
const SIGNAL_TYPE_ALIASES: Readonly<Record<string, SignalType>> = {
  pdq: 'pdq',
  vpdq: 'vpdq',
  md5: 'md5',
  sha256: 'sha256',
  video_md5: 'md5',
  video_sha256: 'sha256',
  photo_md5: 'md5',
};

export function isSignalType(value: unknown): value is SignalType {
  return typeof value === 'string' && (SIGNAL_TYPES as readonly string[]).includes(value);
}

/** Resolves a signal type name (ours or a ThreatExchange alias, any case); throws when unknown. */
export function parseSignalType(name: string): SignalType {
  const type = SIGNAL_TYPE_ALIASES[name.trim().toLowerCase()];
  if (type === undefined) {
    throw new HashbankError(
      'BANK_UNKNOWN_SIGNAL_TYPE',
      `unknown signal type ${JSON.stringify(shorten(name))} (known: ${SIGNAL_TYPES.join(', ')})`,
      { problem: 'unknown-signal-type' },
    );
  }
  return type;
}

/**
 * Validates a signal value and returns its canonical text (lowercase hex; canonical vPDQ), the
 * form used for storage, duplicate detection, export and commitments. Throws BANK_INVALID_SIGNAL
 * naming what is wrong (wrong length vs. malformed) without echoing the whole value.
 */
export function normalizeSignal(type: SignalType, value: string): string {
  if (typeof value !== 'string') {
    throw new HashbankError('BANK_INVALID_SIGNAL', `${type} value must be a string, got ${typeof value}`, {
      problem: 'malformed',
    });
  }
  if (type === 'vpdq') return normalizeVpdq(value);
  return normalizeHex(type, value, HEX_LENGTHS[type]);
}

function normalizeHex(type: string, value: string, length: number): string {
  if (value.length !== length) {
    throw new HashbankError(
      'BANK_INVALID_SIGNAL',
      `${type} hash must be ${length} hex characters, got ${value.length}`,
      { problem: 'wrong-length' },
    );
  }
  const bad = value.search(/[^0-9a-fA-F]/);
  if (bad >= 0) {
    throw new HashbankError(
      'BANK_INVALID_SIGNAL',
      `${type} hash has a non-hex character ${JSON.stringify(value[bad])} at position ${bad + 1}`,
      { problem: 'malformed' },
    );
  }
  return value.toLowerCase();
}

/** Cuts user input quoted back in a message, so a 2 GB field never lands in a log. */
export function shorten(text: string, max = 40): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}
