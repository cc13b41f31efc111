import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import {
  type Bank,
  type BankInput,
  type BankPatch,
  normalizeBankInput,
  normalizeBankPatch,
  validateBankName,
} from '../bank/bank.js';
import { type BankEntry, type EntryInput, type NewEntry, normalizeEntry } from '../bank/entry.js';
import { HashbankError } from '../bank/errors.js';
import { normalizeTimestamp } from '../bank/fields.js';
import { normalizeSignal, type SignalType } from '../bank/signal.js';
import type {
  BankRepository,
  BankStats,
  CommitmentRecord,
  EntryFilter,
  ImportWriter,
  SignalTypeCounts,
} from './repository.js';
import type { BankEntriesTable, BanksTable, HashbankDatabase } from './schema.js';

type Db = Kysely<HashbankDatabase> | Transaction<HashbankDatabase>;
type EntryRow = Selectable<BankEntriesTable>;

/** Rows per INSERT: 10 columns x 1000 stays far below SQLite's and PostgreSQL's parameter limits. */
const INSERT_BATCH = 1000;
/** Rows per page when streaming: bounded memory, few round trips. */
const PAGE_SIZE = 2000;

export interface RepositoryOptions {
  /** For tests: the clock that stamps created/added/removed times. */
  now?: () => Date;
  /** Called once by close() after the Kysely instance is destroyed. */
  onClose?: () => Promise<void> | void;
}

/** The one BankRepository implementation; dialect differences live in migrations and factories. */
export class KyselyBankRepository implements BankRepository {
  private readonly now: () => Date;

  constructor(
    private readonly db: Kysely<HashbankDatabase>,
    readonly dialect: 'sqlite' | 'postgres',
    private readonly options: RepositoryOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  private timestamp(): string {
    return this.now().toISOString();
  }

  async createBank(input: BankInput): Promise<Bank> {
    const bank = normalizeBankInput(input, this.timestamp());
    const inserted = await this.run(() =>
      this.db
        .insertInto('banks')
        .values({
          name: bank.name,
          kind: bank.kind,
          enabled: bank.enabled ? 1 : 0,
          description: bank.description,
          created_at: bank.createdAt,
        })
        .onConflict((oc) => oc.column('name').doNothing())
        .returning('id')
        .executeTakeFirst(),
    );
    if (inserted === undefined) {
      throw new HashbankError('BANK_ALREADY_EXISTS', `bank ${bank.name} already exists`);
    }
    return bank;
  }

  async getBank(name: string): Promise<Bank> {
    return toBank(await this.bankRow(this.db, name));
  }

  async findBank(name: string): Promise<Bank | undefined> {
    const row = await this.run(() =>
      this.db.selectFrom('banks').selectAll().where('name', '=', validateBankName(name)).executeTakeFirst(),
    );
    return row === undefined ? undefined : toBank(row);
  }

  async listBanks(): Promise<Bank[]> {
    const rows = await this.run(() => this.db.selectFrom('banks').selectAll().orderBy('name').execute());
    return rows.map(toBank);
  }

  async updateBank(name: string, patch: BankPatch): Promise<Bank> {
    const clean = normalizeBankPatch(patch);
    const row = await this.bankRow(this.db, name);
    const changes: Partial<Pick<BanksTable, 'kind' | 'description'> & { enabled: number }> = {};
    if (clean.kind !== undefined) changes.kind = clean.kind;
    if (clean.enabled !== undefined) changes.enabled = clean.enabled ? 1 : 0;
    if (clean.description !== undefined) changes.description = clean.description;
    if (Object.keys(changes).length > 0) {
      await this.run(() => this.db.updateTable('banks').set(changes).where('id', '=', row.id).execute());
    }
    return this.getBank(name);
  }

  async deleteBank(name: string): Promise<void> {
    const row = await this.bankRow(this.db, name);
    // Explicit child deletes: SQLite enforces ON DELETE CASCADE only with foreign_keys on.
    await this.run(() =>
      this.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('bank_commitments').where('bank_id', '=', row.id).execute();
        await trx.deleteFrom('bank_entries').where('bank_id', '=', row.id).execute();
        await trx.deleteFrom('banks').where('id', '=', row.id).execute();
      }),
    );
  }

  async addEntry(bank: string, input: EntryInput): Promise<BankEntry> {
    const entry = normalizeEntry(input, this.timestamp());
    const row = await this.bankRow(this.db, bank);
    const inserted = await this.run(() =>
      this.db
        .insertInto('bank_entries')
        .values(toRow(row.id, entry))
        .onConflict((oc) => oc.columns(['bank_id', 'signal_type', 'value']).doNothing())
        .returningAll()
        .executeTakeFirst(),
    );
    if (inserted === undefined) {
      throw new HashbankError(
        'BANK_DUPLICATE_ENTRY',
        `bank ${row.name} already holds this ${entry.signalType} signal (an entry is unique per bank, signal type and value)`,
        { problem: 'duplicate' },
      );
    }
    return toEntry(inserted, row.name);
  }

  async getEntry(bank: string, signalType: SignalType, value: string): Promise<BankEntry | undefined> {
    const row = await this.bankRow(this.db, bank);
    const found = await this.run(() =>
      this.db
        .selectFrom('bank_entries')
        .selectAll()
        .where('bank_id', '=', row.id)
        .where('signal_type', '=', signalType)
        .where('value', '=', normalizeSignal(signalType, value))
        .executeTakeFirst(),
    );
    return found === undefined ? undefined : toEntry(found, row.name);
  }

  async removeEntry(bank: string, signalType: SignalType, value: string, at?: string): Promise<BankEntry> {
    const removedAt = at === undefined ? this.timestamp() : normalizeTimestamp(at, 'removed_at');
    return this.updateEntry(bank, signalType, value, { removed_at: removedAt });
  }

  async setEntryDisabled(
    bank: string,
    signalType: SignalType,
    value: string,
    disabled: boolean,
  ): Promise<BankEntry> {
    return this.updateEntry(bank, signalType, value, { disabled: disabled ? 1 : 0 });
  }

  private async updateEntry(
    bank: string,
    signalType: SignalType,
    value: string,
    changes: { removed_at?: string; disabled?: number },
  ): Promise<BankEntry> {
    const row = await this.bankRow(this.db, bank);
    const canonical = normalizeSignal(signalType, value);
    const updated = await this.run(() =>
      this.db
        .updateTable('bank_entries')
        .set(changes)
        .where('bank_id', '=', row.id)
        .where('signal_type', '=', signalType)
        .where('value', '=', canonical)
        .returningAll()
        .executeTakeFirst(),
    );
    if (updated === undefined) {
      throw new HashbankError('BANK_ENTRY_NOT_FOUND', `bank ${row.name} has no such ${signalType} entry`);
    }
    return toEntry(updated, row.name);
  }

  async *entries(bank: string, filter: EntryFilter = {}): AsyncIterable<BankEntry> {
    const row = await this.bankRow(this.db, bank);
    let after: [string, string] | undefined;
    for (;;) {
      // Keyset pagination on the unique (bank, signal_type, value) index: each page is one
      // indexed range scan, in both dialects, without server-side cursors.
      const cursor = after;
      const page = await this.run(() => {
        let query = this.filtered(this.db, row.id, filter).selectAll();
        if (cursor !== undefined) {
          // With the signal type fixed, compare the value alone: SQLite then range-scans the
          // index; given (type = ?) AND (type, value) > (?, ?) it scans the whole type instead.
          query =
            filter.signalType === undefined
              ? query.where((eb) =>
                  eb(eb.refTuple('signal_type', 'value'), '>', eb.tuple(cursor[0], cursor[1])),
                )
              : query.where('value', '>', cursor[1]);
        }
        return query.orderBy('signal_type').orderBy('value').limit(PAGE_SIZE).execute();
      });
      for (const entry of page) yield toEntry(entry, row.name);
      const last = page.at(-1);
      if (page.length < PAGE_SIZE || last === undefined) return;
      after = [last.signal_type, last.value];
    }
  }

  async countEntries(bank: string, filter: EntryFilter = {}): Promise<number> {
    const row = await this.bankRow(this.db, bank);
    const result = await this.run(() =>
      this.filtered(this.db, row.id, filter)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    );
    return Number(result.n);
  }

  async countEntriesBefore(
    bank: string,
    signalType: SignalType,
    value: string,
    filter: EntryFilter = {},
  ): Promise<number> {
    const row = await this.bankRow(this.db, bank);
    const result = await this.run(() =>
      this.filtered(this.db, row.id, filter)
        .where((eb) => eb(eb.refTuple('signal_type', 'value'), '<', eb.tuple(signalType, value)))
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    );
    return Number(result.n);
  }

  private filtered(db: Db, bankId: number, filter: EntryFilter) {
    let query = db.selectFrom('bank_entries').where('bank_id', '=', bankId);
    if (filter.signalType !== undefined) query = query.where('signal_type', '=', filter.signalType);
    if (!filter.includeInactive) query = query.where('removed_at', 'is', null).where('disabled', '=', 0);
    return query;
  }

  async stats(bank: string): Promise<BankStats> {
    const row = await this.bankRow(this.db, bank);
    const groups = await this.run(() =>
      this.db
        .selectFrom('bank_entries')
        .where('bank_id', '=', row.id)
        .select((eb) => [
          'signal_type',
          eb.fn.countAll<number>().as('total'),
          sql<number>`sum(case when removed_at is null and disabled = 0 then 1 else 0 end)`.as('active'),
          sql<number>`sum(case when removed_at is not null then 1 else 0 end)`.as('removed'),
          sql<number>`sum(case when removed_at is null and disabled <> 0 then 1 else 0 end)`.as('disabled'),
        ])
        .groupBy('signal_type')
        .orderBy('signal_type')
        .execute(),
    );
    const stats: BankStats = {
      bank: row.name,
      total: 0,
      active: 0,
      removed: 0,
      disabled: 0,
      bySignalType: {},
    };
    for (const group of groups) {
      const counts: SignalTypeCounts = {
        total: Number(group.total),
        active: Number(group.active),
        removed: Number(group.removed),
        disabled: Number(group.disabled),
      };
      stats.bySignalType[group.signal_type as SignalType] = counts;
      stats.total += counts.total;
      stats.active += counts.active;
      stats.removed += counts.removed;
      stats.disabled += counts.disabled;
    }
    return stats;
  }

  async importInto<T>(bank: string, work: (writer: ImportWriter) => Promise<T>): Promise<T> {
    const row = await this.bankRow(this.db, bank);
    return this.db.transaction().execute(async (trx) => {
      const writer: ImportWriter = { insert: (entries) => this.insertBatch(trx, row.id, entries) };
      return work(writer);
    });
  }

  /**
   * Inserts entries, skipping any already in the bank (ON CONFLICT DO NOTHING, so a duplicate
   * never aborts a PostgreSQL transaction) and reporting which went in. Duplicates within the
   * batch are settled here, first occurrence wins, so the database sees each key once.
   */
  private async insertBatch(
    trx: Transaction<HashbankDatabase>,
    bankId: number,
    entries: readonly NewEntry[],
  ) {
    const inserted = new Array<boolean>(entries.length).fill(false);
    for (let start = 0; start < entries.length; start += INSERT_BATCH) {
      const slice = entries.slice(start, start + INSERT_BATCH);
      const firstIndex = new Map<string, number>();
      const rows: Array<ReturnType<typeof toRow>> = [];
      for (let i = 0; i < slice.length; i++) {
        const entry = slice[i] as NewEntry;
        const key = `${entry.signalType}\u0000${entry.value}`;
        if (firstIndex.has(key)) continue;
        firstIndex.set(key, start + i);
        rows.push(toRow(bankId, entry));
      }
      if (rows.length === 0) continue;
      const returned = await this.run(() =>
        trx
          .insertInto('bank_entries')
          .values(rows)
          .onConflict((oc) => oc.columns(['bank_id', 'signal_type', 'value']).doNothing())
          .returning(['signal_type', 'value'])
          .execute(),
      );
      for (const r of returned) {
        const index = firstIndex.get(`${r.signal_type}\u0000${r.value}`);
        if (index !== undefined) inserted[index] = true;
      }
    }
    return inserted;
  }

  async recordCommitment(bank: string, root: string, treeSize: number): Promise<CommitmentRecord> {
    const row = await this.bankRow(this.db, bank);
    const createdAt = this.timestamp();
    await this.run(() =>
      this.db
        .insertInto('bank_commitments')
        .values({ bank_id: row.id, root, tree_size: treeSize, created_at: createdAt })
        .execute(),
    );
    return { bank: row.name, root, treeSize, createdAt };
  }

  async latestCommitment(bank: string): Promise<CommitmentRecord | undefined> {
    const row = await this.bankRow(this.db, bank);
    const found = await this.run(() =>
      this.db
        .selectFrom('bank_commitments')
        .selectAll()
        .where('bank_id', '=', row.id)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst(),
    );
    if (found === undefined) return undefined;
    return {
      bank: row.name,
      root: found.root,
      treeSize: Number(found.tree_size),
      createdAt: found.created_at,
    };
  }

  async close(): Promise<void> {
    await this.db.destroy();
    await this.options.onClose?.();
  }

  private async bankRow(db: Db, name: string): Promise<Selectable<BanksTable>> {
    const validName = validateBankName(name);
    const row = await this.run(() =>
      db.selectFrom('banks').selectAll().where('name', '=', validName).executeTakeFirst(),
    );
    if (row === undefined) throw new HashbankError('BANK_NOT_FOUND', `no bank named ${validName}`);
    return row;
  }

  /** Database failures become BANK_STORAGE_FAILED; our own typed errors pass through. */
  private async run<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      if (error instanceof HashbankError) throw error;
      throw new HashbankError('BANK_STORAGE_FAILED', `${this.dialect} query failed: ${describe(error)}`, {
        cause: error,
      });
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function toBank(row: Selectable<BanksTable>): Bank {
  return {
    name: row.name,
    kind: row.kind as Bank['kind'],
    enabled: Number(row.enabled) !== 0,
    description: row.description,
    createdAt: row.created_at,
  };
}

function toRow(bankId: number, entry: NewEntry) {
  return {
    bank_id: bankId,
    signal_type: entry.signalType,
    value: entry.value,
    source: entry.source,
    external_id: entry.externalId,
    added_at: entry.addedAt,
    removed_at: entry.removedAt,
    labels: JSON.stringify(entry.labels),
    disabled: entry.disabled ? 1 : 0,
    metadata: entry.metadata,
  };
}

function toEntry(row: EntryRow, bank: string): BankEntry {
  return {
    id: Number(row.id),
    bank,
    signalType: row.signal_type as SignalType,
    value: row.value,
    source: row.source,
    externalId: row.external_id,
    addedAt: row.added_at,
    removedAt: row.removed_at,
    labels: JSON.parse(row.labels) as string[],
    disabled: Number(row.disabled) !== 0,
    metadata: row.metadata,
  };
}
