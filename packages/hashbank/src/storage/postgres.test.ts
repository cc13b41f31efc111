import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import '../test-support/register.js';
import { postgresSkipReason, testDatabaseUrl } from '../../../../tests/support/postgres.js';
import { openPostgresRepository } from './postgres.js';
import { describeRepository } from './repository.suite.js';

const url = testDatabaseUrl;

const skip = await postgresSkipReason();
if (skip) console.warn(`# skipping PostgreSQL storage tests: ${skip}`);

// One schema per run, so parallel runs (and other branches' tests) never see each other's tables.
const schema = `test_hashbank_${process.pid}_${randomBytes(4).toString('hex')}`;

describeRepository(
  'postgres',
  async () => ({
    repository: await openPostgresRepository({ connectionString: url, schema }),
    cleanup: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  }),
  skip ? { skip } : {},
);

describe('PostgreSQL connection errors', { skip: skip ?? false }, () => {
  it('reports an unreachable server as BANK_STORAGE_UNAVAILABLE without the password', async () => {
    await assert.rejects(
      openPostgresRepository({ connectionString: 'postgres://postgres:secret@127.0.0.1:1/test' }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'BANK_STORAGE_UNAVAILABLE');
        assert.ok(!error.message.includes('secret'));
        return true;
      },
    );
  });
});
