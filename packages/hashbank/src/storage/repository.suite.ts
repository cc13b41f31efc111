import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NewEntry } from '../bank/entry.js';
import { normalizeEntry } from '../bank/entry.js';
import type { SignalType } from '../bank/signal.js';
import {
  compareAscii,
  randomMd5,
  randomPdq,
  randomSha256,
  randomVpdq,
  uniqueBankName,
} from '../test-support/random.js';
import type { BankRepository } from './repository.js';

export interface RepositoryFixture {
  repository: BankRepository;
  /** Drops whatever the fixture created (a PostgreSQL schema, a temp folder). */
  cleanup: () => Promise<void>;
}

export type SuiteExtension = (repository: () => BankRepository) => void;

const extensions: Array<{ title: string; body: SuiteExtension }> = [];

/**
 * Adds tests to every describeRepository() run (the formats and commitment modules register
 * theirs), so each storage backend faces the same import, export and commitment checks.
 */
export function addRepositoryTests(title: string, body: SuiteExtension): void {
  extensions.push({ title, body });
}

/**
 * The storage contract, run once per backend: `describeRepository('sqlite', ...)` and
 * `describeRepository('postgres', ...)` must both pass. `skip` names why a backend is not
 * available (the test report shows it).
 */
export function describeRepository(
  name: string,
  open: () => Promise<RepositoryFixture>,
  options: { skip?: string } = {},
): void {
  describe(`BankRepository on ${name}`, { skip: options.skip ?? false }, () => {
    let fixture: RepositoryFixture | undefined;
    const repository = (): BankRepository => {
      if (!fixture) throw new Error('repository fixture not open');
      return fixture.repository;
    };
    before(async () => {
      fixture = await open();
    });
    after(async () => {
      await fixture?.repository.close();
      await fixture?.cleanup();
    });

    describe('banks', () => {
      it('creates, finds, lists, updates and deletes banks', async () => {
        const repo = repository();
        const a = uniqueBankName('B');
        const b = uniqueBankName('A');
        const created = await repo.createBank({ name: a, description: 'random test hashes' });
        assert.equal(created.kind, 'match');
        assert.equal(created.enabled, true);
        await repo.createBank({ name: b, kind: 'allow', enabled: false });
        assert.deepEqual(await repo.getBank(a), created);
        const names = (await repo.listBanks()).map((bank) => bank.name);
        assert.ok(names.indexOf(b) >= 0 && names.indexOf(a) >= 0);
        assert.deepEqual(names, [...names].sort(compareAscii), 'sorted by name');
        const updated = await repo.updateBank(a, { enabled: false, kind: 'allow', description: 'changed' });
        assert.deepEqual(
          { kind: updated.kind, enabled: updated.enabled, description: updated.description },
          { kind: 'allow', enabled: false, description: 'changed' },
        );
        await repo.addEntry(a, { signalType: 'pdq', value: randomPdq() });
        await repo.recordCommitment(a, '00'.repeat(32), 1);
        await repo.deleteBank(a);
        assert.equal(await repo.findBank(a), undefined);
        await assert.rejects(repo.getBank(a), { code: 'BANK_NOT_FOUND' });
      });

      it('refuses a second bank of the same name and bad names or fields', async () => {
        const repo = repository();
        const name = uniqueBankName();
        await repo.createBank({ name });
        await assert.rejects(repo.createBank({ name }), { code: 'BANK_ALREADY_EXISTS' });
        await assert.rejects(repo.createBank({ name: 'not_upper' }), { code: 'BANK_INVALID_NAME' });
        await assert.rejects(repo.createBank({ name: uniqueBankName(), kind: 'x' as 'match' }), {
          code: 'BANK_INVALID_FIELD',
        });
        await assert.rejects(repo.addEntry('NO_SUCH_BANK', { signalType: 'md5', value: randomMd5() }), {
          code: 'BANK_NOT_FOUND',
        });
      });
    });

    describe('entries', () => {
      it('adds entries with provenance and refuses duplicates, even of removed entries', async () => {
        const repo = repository();
        const bank = uniqueBankName();
        await repo.createBank({ name: bank });
        const value = randomPdq();
        const entry = await repo.addEntry(bank, {
          signalType: 'pdq',
          value: value.toUpperCase(),
          source: 'Example Org',
          externalId: 'row-7',
          addedAt: '2024-05-06T07:08:09Z',
          labels: ['B1', 'A1'],
          metadata: 'note',
        });
        assert.ok(entry.id > 0);
        assert.deepEqual(
          { ...entry, id: 0 },
          {
            id: 0,
            bank,
            signalType: 'pdq',
            value,
            source: 'Example Org',
            externalId: 'row-7',
            addedAt: '2024-05-06T07:08:09.000Z',
            removedAt: null,
            labels: ['A1', 'B1'],
            disabled: false,
            metadata: 'note',
          },
        );
        assert.deepEqual(await repo.getEntry(bank, 'pdq', value.toUpperCase()), entry);
        await assert.rejects(repo.addEntry(bank, { signalType: 'pdq', value }), {
          code: 'BANK_DUPLICATE_ENTRY',
          message: new RegExp(`bank ${bank} already holds this pdq signal`),
        });
        const removed = await repo.removeEntry(bank, 'pdq', value, '2025-01-01T00:00:00Z');
        assert.equal(removed.removedAt, '2025-01-01T00:00:00.000Z');
        await assert.rejects(repo.addEntry(bank, { signalType: 'pdq', value }), {
          code: 'BANK_DUPLICATE_ENTRY',
        });
        // The same value in another signal type or another bank is a different entry.
        const other = uniqueBankName();
        await repo.createBank({ name: other });
        await repo.addEntry(other, { signalType: 'pdq', value });
        await repo.addEntry(bank, { signalType: 'sha256', value });
        await assert.rejects(repo.removeEntry(bank, 'md5', randomMd5()), { code: 'BANK_ENTRY_NOT_FOUND' });
      });

      it('streams entries in (signal type, value) byte order across pages, active only by default', async () => {
        const repo = repository();
        const bank = uniqueBankName();
        await repo.createBank({ name: bank });
        const makers: Record<SignalType, () => string> = {
          pdq: randomPdq,
          md5: randomMd5,
          sha256: randomSha256,
          vpdq: randomVpdq,
        };
        const entries: NewEntry[] = [];
        const now = '2026-01-01T00:00:00.000Z';
        for (let i = 0; i < 4500; i++) {
          // More than a page of one type, so filtered streams cross page boundaries too.
          const type = i < 2400 ? 'pdq' : ((['md5', 'sha256', 'vpdq'] as const)[i % 3] as SignalType);
          entries.push(normalizeEntry({ signalType: type, value: makers[type]() }, now));
        }
        await repo.importInto(bank, (writer) => writer.insert(entries));
        const disabled = entries[10] as NewEntry;
        const removed = entries[11] as NewEntry;
        await repo.setEntryDisabled(bank, disabled.signalType, disabled.value, true);
        await repo.removeEntry(bank, removed.signalType, removed.value);

        const key = (e: { signalType: string; value: string }) => [e.signalType, e.value] as const;
        const sorted = entries
          .map(key)
          .sort((a, b) => compareAscii(a[0], b[0]) || compareAscii(a[1], b[1]))
          .map(([t, v]) => `${t} ${v}`);
        const all: string[] = [];
        for await (const e of repo.entries(bank, { includeInactive: true }))
          all.push(`${e.signalType} ${e.value}`);
        assert.deepEqual(all, sorted);

        const active: string[] = [];
        for await (const e of repo.entries(bank)) active.push(`${e.signalType} ${e.value}`);
        assert.equal(active.length, 4498);
        assert.ok(!active.includes(`${disabled.signalType} ${disabled.value}`));

        const pdqs: string[] = [];
        for await (const e of repo.entries(bank, { signalType: 'pdq', includeInactive: true }))
          pdqs.push(`pdq ${e.value}`);
        assert.deepEqual(
          pdqs,
          sorted.filter((line) => line.startsWith('pdq ')),
        );
        const md5s: string[] = [];
        for await (const e of repo.entries(bank, { signalType: 'md5' })) md5s.push(e.value);
        assert.equal(md5s.length, (await repo.stats(bank)).bySignalType.md5?.active);
        assert.equal(await repo.countEntries(bank), 4498);
        assert.equal(await repo.countEntries(bank, { includeInactive: true }), 4500);
        const [t, v] = (sorted[1234] as string).split(' ') as [SignalType, string];
        assert.equal(await repo.countEntriesBefore(bank, t, v, { includeInactive: true }), 1234);

        const stats = await repo.stats(bank);
        assert.deepEqual(
          { total: stats.total, active: stats.active, removed: stats.removed, disabled: stats.disabled },
          { total: 4500, active: 4498, removed: 1, disabled: 1 },
        );
        assert.equal(stats.bySignalType.pdq?.total, 2400);
      });
    });

    describe('imports', () => {
      it('reports duplicates within a batch and against the bank, first occurrence wins', async () => {
        const repo = repository();
        const bank = uniqueBankName();
        await repo.createBank({ name: bank });
        const now = '2026-01-01T00:00:00.000Z';
        const existing = randomMd5();
        await repo.addEntry(bank, { signalType: 'md5', value: existing });
        const fresh = randomMd5();
        const batch = [
          normalizeEntry({ signalType: 'md5', value: fresh, externalId: 'first' }, now),
          normalizeEntry({ signalType: 'md5', value: existing }, now),
          normalizeEntry({ signalType: 'md5', value: fresh, externalId: 'second' }, now),
        ];
        const inserted = await repo.importInto(bank, (writer) => writer.insert(batch));
        assert.deepEqual(inserted, [true, false, false]);
        assert.equal((await repo.getEntry(bank, 'md5', fresh))?.externalId, 'first');
      });

      it('rolls back everything when the import work throws', async () => {
        const repo = repository();
        const bank = uniqueBankName();
        await repo.createBank({ name: bank });
        const now = '2026-01-01T00:00:00.000Z';
        const batch = Array.from({ length: 2500 }, () =>
          normalizeEntry({ signalType: 'pdq', value: randomPdq() }, now),
        );
        await assert.rejects(
          repo.importInto(bank, async (writer) => {
            await writer.insert(batch);
            throw new Error('bad line');
          }),
          /bad line/,
        );
        assert.equal(await repo.countEntries(bank, { includeInactive: true }), 0);
      });
    });

    describe('commitments', () => {
      it('records and returns the latest published root', async () => {
        const repo = repository();
        const bank = uniqueBankName();
        await repo.createBank({ name: bank });
        assert.equal(await repo.latestCommitment(bank), undefined);
        await repo.recordCommitment(bank, 'aa'.repeat(32), 3);
        const latest = await repo.recordCommitment(bank, 'bb'.repeat(32), 4);
        assert.deepEqual(await repo.latestCommitment(bank), latest);
      });
    });

    for (const extension of extensions) {
      describe(extension.title, () => extension.body(repository));
    }
  });
}
