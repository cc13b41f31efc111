import type { Generated } from 'kysely';

/**
 * Table shapes as both dialects store them. Deliberately plain: booleans are 0/1 integers and
 * times are canonical ISO 8601 UTC text (`2026-01-02T03:04:05.000Z`), so SQLite and PostgreSQL
 * return identical values and text order is time order. Labels are a JSON array in a text
 * column: they are read with their entry, never queried on their own.
 */
export interface BanksTable {
  id: Generated<number>;
  name: string;
  kind: string;
  enabled: number;
  description: string;
  created_at: string;
}

export interface BankEntriesTable {
  id: Generated<number>;
  bank_id: number;
  signal_type: string;
  value: string;
  source: string | null;
  external_id: string | null;
  added_at: string;
  removed_at: string | null;
  labels: string;
  disabled: number;
  metadata: string | null;
}

export interface BankCommitmentsTable {
  id: Generated<number>;
  bank_id: number;
  root: string;
  tree_size: number;
  created_at: string;
}

export interface HashbankDatabase {
  banks: BanksTable;
  bank_entries: BankEntriesTable;
  bank_commitments: BankCommitmentsTable;
}
