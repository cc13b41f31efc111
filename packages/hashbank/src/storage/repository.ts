import type { Bank, BankInput, BankPatch } from '../bank/bank.js';
import type { BankEntry, EntryInput, NewEntry } from '../bank/entry.js';
import type { SignalType } from '../bank/signal.js';

/** Which entries a listing covers. By default only active ones (not removed, not disabled). */
export interface EntryFilter {
  signalType?: SignalType;
  /** Include removed and disabled entries too (a full export, an audit). */
  includeInactive?: boolean;
}

export interface SignalTypeCounts {
  total: number;
  active: number;
  removed: number;
  disabled: number;
}

export interface BankStats extends SignalTypeCounts {
  bank: string;
  bySignalType: Partial<Record<SignalType, SignalTypeCounts>>;
}

export interface CommitmentRecord {
  bank: string;
  root: string;
  treeSize: number;
  createdAt: string;
}

/**
 * Writes one import's entries inside the import's transaction. `insert` reports, per entry, whether
 * it went in (`true`) or was refused as a duplicate of an entry already in the bank or earlier in
 * the same call (`false`).
 */
export interface ImportWriter {
  insert(entries: readonly NewEntry[]): Promise<boolean[]>;
}

/**
 * Everything the hash-bank code needs from a database. Implemented once over Kysely for SQLite
 * and PostgreSQL; the same test suite (repository-suite.ts) runs against both.
 */
export interface BankRepository {
  readonly dialect: 'sqlite' | 'postgres';

  createBank(input: BankInput): Promise<Bank>;
  /** Throws BANK_NOT_FOUND. */
  getBank(name: string): Promise<Bank>;
  findBank(name: string): Promise<Bank | undefined>;
  /** Sorted by name. */
  listBanks(): Promise<Bank[]>;
  updateBank(name: string, patch: BankPatch): Promise<Bank>;
  /** Deletes the bank with all its entries and commitments. */
  deleteBank(name: string): Promise<void>;

  /** Throws BANK_DUPLICATE_ENTRY when the bank already holds this signal (removed or not). */
  addEntry(bank: string, input: EntryInput): Promise<BankEntry>;
  getEntry(bank: string, signalType: SignalType, value: string): Promise<BankEntry | undefined>;
  /** Soft removal: the entry stays on record with `removedAt` set. */
  removeEntry(bank: string, signalType: SignalType, value: string, at?: string): Promise<BankEntry>;
  setEntryDisabled(
    bank: string,
    signalType: SignalType,
    value: string,
    disabled: boolean,
  ): Promise<BankEntry>;

  /** Streams entries in (signal type, value) byte order, a page at a time. */
  entries(bank: string, filter?: EntryFilter): AsyncIterable<BankEntry>;
  countEntries(bank: string, filter?: EntryFilter): Promise<number>;
  /** How many entries sort before (signalType, value): an entry's position in `entries()`. */
  countEntriesBefore(
    bank: string,
    signalType: SignalType,
    value: string,
    filter?: EntryFilter,
  ): Promise<number>;
  stats(bank: string): Promise<BankStats>;

  /**
   * Runs `work` inside ONE transaction on the bank: if it throws, nothing it wrote stays (the
   * all-or-nothing import); if it returns, everything is committed.
   */
  importInto<T>(bank: string, work: (writer: ImportWriter) => Promise<T>): Promise<T>;

  recordCommitment(bank: string, root: string, treeSize: number): Promise<CommitmentRecord>;
  latestCommitment(bank: string): Promise<CommitmentRecord | undefined>;

  close(): Promise<void>;
}
