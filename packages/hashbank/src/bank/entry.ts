import { HashbankError } from './errors.js';
import { normalizeLabels, normalizeTimestamp, optionalText, optionalTimestamp } from './fields.js';
import { normalizeSignal, parseSignalType, type SignalType } from './signal.js';

export const MAX_SOURCE_LENGTH = 200;
export const MAX_EXTERNAL_ID_LENGTH = 200;
export const MAX_METADATA_LENGTH = 1024;

/** An entry as callers and import formats describe it, before validation. */
export interface EntryInput {
  signalType: string;
  value: string;
  /** Organisation the entry came from (e.g. "NCMEC", "ThreatExchange:1234"). */
  source?: string | null;
  /** The source's own id for the entry (a ThreatExchange descriptor id, a list row id). */
  externalId?: string | null;
  /** When it entered the bank; ISO 8601 with a zone. Defaults to now. */
  addedAt?: string | null;
  /** Soft removal: when set the entry is kept for the record but no longer active. */
  removedAt?: string | null;
  labels?: readonly string[];
  /** A disabled entry stays in the bank but takes no part in matching. */
  disabled?: boolean;
  /** Free text carried from hex lines (`HASH,metadata`). */
  metadata?: string | null;
}

/** A validated entry in canonical form: what storage writes and exports read back. */
export interface NewEntry {
  signalType: SignalType;
  value: string;
  source: string | null;
  externalId: string | null;
  addedAt: string;
  removedAt: string | null;
  labels: string[];
  disabled: boolean;
  metadata: string | null;
}

export interface BankEntry extends NewEntry {
  /** Storage id, stable for the entry's life (matching indexes refer to entries by it). */
  id: number;
  bank: string;
}

/** Validates every field; throws HashbankError naming the field (with a LineProblem code). */
export function normalizeEntry(input: EntryInput, now: string): NewEntry {
  const signalType = parseSignalType(requireString(input.signalType, 'signal type'));
  const value = normalizeSignal(signalType, requireString(input.value, 'value').trim());
  if (input.disabled !== undefined && typeof input.disabled !== 'boolean') {
    throw new HashbankError('BANK_INVALID_FIELD', 'disabled must be true or false', {
      problem: 'invalid-field',
    });
  }
  return {
    signalType,
    value,
    source: optionalText(input.source, 'source', MAX_SOURCE_LENGTH),
    externalId: optionalText(input.externalId, 'external id', MAX_EXTERNAL_ID_LENGTH),
    addedAt: input.addedAt ? normalizeTimestamp(input.addedAt, 'added_at') : now,
    removedAt: optionalTimestamp(input.removedAt, 'removed_at'),
    labels: normalizeLabels(input.labels),
    disabled: input.disabled ?? false,
    metadata: optionalText(input.metadata, 'metadata', MAX_METADATA_LENGTH),
  };
}

/** Active entries are the ones that match and that a commitment covers. */
export function isActive(entry: Pick<NewEntry, 'removedAt' | 'disabled'>): boolean {
  return entry.removedAt === null && !entry.disabled;
}

function requireString(value: unknown, field: string): string {
  if (value === undefined || value === null) {
    throw new HashbankError('BANK_INVALID_FIELD', `${field} is missing`, { problem: 'missing-column' });
  }
  if (typeof value !== 'string') {
    throw new HashbankError('BANK_INVALID_FIELD', `${field} must be a string, got ${typeof value}`, {
      problem: 'invalid-field',
    });
  }
  return value;
}
