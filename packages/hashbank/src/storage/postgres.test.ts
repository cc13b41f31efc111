import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import '../test-support/register.js';
import { openPostgresRepository, redact } from './postgres.js';
import { describeRepository } from './repository.suite.js';

const url = process.env.SAFELIGHT_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Returns why PostgreSQL cannot be used, or undefined when it can. */
async function unavailable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL unreachable at ${redact(url)} (${error instanceof Error ? error.message : String(error)}); set SAFELIGHT_TEST_DATABASE_URL`;
  } finally {
    await client.end().catch(() => {});
  }
}

const skip = await unavailable();
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
