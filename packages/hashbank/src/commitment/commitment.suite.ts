import assert from 'node:assert/strict';
import { it } from 'node:test';
import { addRepositoryTests } from '../storage/repository.suite.js';
import { randomMd5, randomPdq, uniqueBankName } from '../test-support/random.js';
import { computeBankCommitment, proveBankEntry, publishCommitment } from './bank-commitment.js';
import { verifyList, verifyProof } from './commitment.js';

addRepositoryTests('commitments over stored banks', (repository) => {
  it('publishes a root over active entries that the exported list verifies against, and proves entries', async () => {
    const repo = repository();
    const bank = uniqueBankName('COMMIT');
    await repo.createBank({ name: bank });
    const empty = await publishCommitment(repo, bank);
    assert.deepEqual(
      [empty.treeSize, empty.root],
      [0, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    );

    const values = Array.from({ length: 2501 }, () => randomPdq());
    for (const value of values.slice(0, 5)) await repo.addEntry(bank, { signalType: 'pdq', value });
    await repo.importInto(bank, (w) =>
      w.insert(
        values.slice(5).map((value) => ({
          signalType: 'pdq' as const,
          value,
          source: null,
          externalId: null,
          addedAt: '2026-01-01T00:00:00.000Z',
          removedAt: null,
          labels: [],
          disabled: false,
          metadata: null,
        })),
      ),
    );
    const md5 = randomMd5();
    await repo.addEntry(bank, { signalType: 'md5', value: md5 });
    await repo.removeEntry(bank, 'pdq', values[0] as string);
    await repo.setEntryDisabled(bank, 'pdq', values[1] as string, true);

    const published = await publishCommitment(repo, bank);
    assert.equal(published.treeSize, 2500);
    assert.deepEqual(await repo.latestCommitment(bank), {
      bank,
      root: published.root,
      treeSize: 2500,
      createdAt: published.createdAt,
    });

    const active = [
      { signalType: 'md5', value: md5 },
      ...values.slice(2).map((value) => ({ signalType: 'pdq', value })),
    ];
    assert.ok(await verifyList(active, published));
    assert.ok(!(await verifyList(active.slice(1), published)));

    for (const value of [values[2], values[1234], values[2500]] as string[]) {
      const proof = await proveBankEntry(repo, bank, 'pdq', value.toUpperCase());
      assert.ok(verifyProof(proof, published));
    }
    assert.ok(verifyProof(await proveBankEntry(repo, bank, 'md5', md5), published));
    await assert.rejects(proveBankEntry(repo, bank, 'pdq', values[0] as string), {
      code: 'BANK_ENTRY_NOT_FOUND',
    });

    // One more entry: a new root, and old proofs no longer verify against it.
    const old = await proveBankEntry(repo, bank, 'pdq', values[2] as string);
    await repo.addEntry(bank, { signalType: 'pdq', value: randomPdq() });
    const next = await computeBankCommitment(repo, bank);
    assert.notEqual(next.root, published.root);
    assert.ok(!verifyProof(old, next));
  });
});
