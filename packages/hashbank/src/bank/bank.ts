import { HashbankError } from './errors.js';
import { fieldError, optionalText } from './fields.js';
import { shorten } from './signal.js';

/**
 * A bank is a named list of signals. `match` banks hold known content to find; `allow` banks
 * (negative banks) hold content known to be fine, and a match in an enabled allow bank
 * suppresses hits from match banks — the way to silence a noisy list entry without editing a
 * list someone else maintains.
 */
export const BANK_KINDS = ['match', 'allow'] as const;
export type BankKind = (typeof BANK_KINDS)[number];

/** UPPER_SNAKE, as HMA names banks and exchanges: safe in file names, URLs and logs. */
export const BANK_NAME_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
export const MAX_DESCRIPTION_LENGTH = 1000;

export interface Bank {
  name: string;
  kind: BankKind;
  /** When false the bank takes no part in matching; its entries are kept. */
  enabled: boolean;
  description: string;
  /** ISO 8601 UTC. */
  createdAt: string;
}

export interface BankInput {
  name: string;
  kind?: BankKind;
  enabled?: boolean;
  description?: string;
}

export interface BankPatch {
  kind?: BankKind;
  enabled?: boolean;
  description?: string;
}

export function validateBankName(name: unknown): string {
  if (typeof name !== 'string' || !BANK_NAME_PATTERN.test(name)) {
    const shown = typeof name === 'string' ? JSON.stringify(shorten(name)) : typeof name;
    throw new HashbankError(
      'BANK_INVALID_NAME',
      `bank name ${shown} must be UPPER_SNAKE: a capital letter, then capitals, digits or _ (at most 64)`,
    );
  }
  return name;
}

export function validateBankKind(kind: unknown): BankKind {
  if (!(BANK_KINDS as readonly unknown[]).includes(kind)) {
    throw fieldError(`bank kind must be one of ${BANK_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  }
  return kind as BankKind;
}

/** Validates a new bank, filling defaults (a match bank, enabled, no description). */
export function normalizeBankInput(input: BankInput, createdAt: string): Bank {
  return {
    name: validateBankName(input.name),
    kind: input.kind === undefined ? 'match' : validateBankKind(input.kind),
    enabled: input.enabled === undefined ? true : validateEnabled(input.enabled),
    description: optionalText(input.description, 'description', MAX_DESCRIPTION_LENGTH) ?? '',
    createdAt,
  };
}

export function normalizeBankPatch(patch: BankPatch): BankPatch {
  const out: BankPatch = {};
  if (patch.kind !== undefined) out.kind = validateBankKind(patch.kind);
  if (patch.enabled !== undefined) out.enabled = validateEnabled(patch.enabled);
  if (patch.description !== undefined) {
    out.description = optionalText(patch.description, 'description', MAX_DESCRIPTION_LENGTH) ?? '';
  }
  return out;
}

function validateEnabled(value: unknown): boolean {
  if (typeof value !== 'boolean') throw fieldError(`enabled must be true or false, got ${typeof value}`);
  return value;
}
