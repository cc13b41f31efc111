import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import '../test-support/register.js';
import { openRepository } from './open.js';
import { describeRepository } from './repository.suite.js';
import { openSqliteRepository } from './sqlite.js';

describeRepository('sqlite (:memory:)', async () => ({
  repository: await openSqliteRepository({ file: ':memory:' }),
  cleanup: async () => {},
}));

describe('SQLite files', () => {
  it('creates the data folder, keeps data across reopen and migrates only once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hashbank-'));
    try {
      const dataDir = join(dir, 'nested', 'data');
      const first = await openRepository({ dataDir });
      await first.createBank({ name: 'KEPT' });
      await first.close();
      const second = await openRepository({ dataDir });
      assert.deepEqual(
        (await second.listBanks()).map((b) => b.name),
        ['KEPT'],
      );
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a database URL that is not PostgreSQL', async () => {
    await assert.rejects(openRepository({ databaseUrl: 'mysql://x' }), { code: 'BANK_INVALID_FIELD' });
  });
});
