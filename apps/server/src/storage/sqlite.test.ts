import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRepository } from './repository.suite.js';
import { openSqliteRepository } from './sqlite.js';

describeRepository('sqlite (file, WAL)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'delivery-repo-'));
  return {
    repository: await openSqliteRepository(join(dir, 'nested', 'delivery.sqlite')),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
