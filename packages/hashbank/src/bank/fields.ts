import { HashbankError } from './errors.js';
import { shorten } from './signal.js';

/**
 * Validators for the free-text parts of banks and entries. Hash lists travel between
 * organisations, so every field is bounded and free of control characters (a newline in a
 * source name would break every line-based export).
 */

/** Labels: short tokens such as the industry classification A1/A2/B1/B2, `category:...`. */
export const LABEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
export const MAX_LABELS = 32;
/** The industry classification for CSAM hash lists (A = prepubescent, B = pubescent; 1 = sex act, 2 = lascivious exhibition). */
export const INDUSTRY_CLASSIFICATIONS = ['A1', 'A2', 'B1', 'B2'] as const;

const CONTROL_CHARACTERS = /\p{Cc}/u;

/** Checks and canonicalises labels: each matches LABEL_PATTERN; result sorted and unique. */
export function normalizeLabels(labels: readonly string[] | undefined, field = 'labels'): string[] {
  if (labels === undefined) return [];
  if (!Array.isArray(labels)) {
    throw new HashbankError('BANK_INVALID_LABEL', `${field} must be an array of strings`, {
      problem: 'invalid-field',
    });
  }
  for (const label of labels) {
    if (typeof label !== 'string' || !LABEL_PATTERN.test(label)) {
      throw new HashbankError(
        'BANK_INVALID_LABEL',
        `${field}: ${JSON.stringify(shorten(String(label)))} is not a label (letters, digits, _ . : -, up to 64, starting with a letter or digit)`,
        { problem: 'invalid-field' },
      );
    }
  }
  const unique = [...new Set(labels)].sort();
  if (unique.length > MAX_LABELS) {
    throw new HashbankError(
      'BANK_INVALID_LABEL',
      `${field}: at most ${MAX_LABELS} labels, got ${unique.length}`,
      {
        problem: 'invalid-field',
      },
    );
  }
  return unique;
}

/** An optional bounded single-line text field; empty text means "not given" (null). */
export function optionalText(value: unknown, field: string, maxLength: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    throw fieldError(`${field} must be a string, got ${typeof value}`);
  }
  if (value.length > maxLength) {
    throw fieldError(`${field} is longer than ${maxLength} characters (${value.length})`);
  }
  if (CONTROL_CHARACTERS.test(value)) throw fieldError(`${field} contains a control character`);
  return value === '' ? null : value;
}

const TIMESTAMP_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Parses an ISO 8601 date-time with a zone (`Z`, `+01:00` or ThreatExchange's `+0000`) and
 * returns it in the one canonical form we store: `YYYY-MM-DDTHH:MM:SS.sssZ` (UTC). Text in that
 * form sorts chronologically and reads the same from SQLite and PostgreSQL.
 */
export function normalizeTimestamp(value: unknown, field: string): string {
  if (typeof value !== 'string') throw fieldError(`${field} must be an ISO 8601 date-time string`);
  const match = TIMESTAMP_PATTERN.exec(value);
  if (!match) {
    throw fieldError(`${field} ${JSON.stringify(shorten(value))} is not an ISO 8601 date-time with a zone`);
  }
  const zone = match[8] as string;
  const fraction = (match[7] ?? '').slice(0, 4);
  const zoneText = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const iso = `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}${fraction}${zoneText}`;
  const time = Date.parse(iso);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (Number.isNaN(time) || month < 1 || month > 12 || day < 1 || day > 31) {
    throw fieldError(`${field} ${JSON.stringify(shorten(value))} is not a valid date-time`);
  }
  return new Date(time).toISOString();
}

export function optionalTimestamp(value: unknown, field: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  return normalizeTimestamp(value, field);
}

export function fieldError(message: string): HashbankError {
  return new HashbankError('BANK_INVALID_FIELD', message, { problem: 'invalid-field' });
}
