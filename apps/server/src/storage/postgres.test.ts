import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { postgresSkipReason, testDatabaseUrl } from '../../../../tests/support/postgres.js';
import { openPostgresRepository } from './postgres.js';
import { describeRepository } from './repository.suite.js';

const skip = await postgresSkipReason();
if (skip) console.warn(`# skipping PostgreSQL delivery storage tests: ${skip}`);
const schema = `test_delivery_${process.pid}_${randomBytes(4).toString('hex')}`;

describeRepository(
  'postgres',
  async () => ({
    repository: await openPostgresRepository({ url: testDatabaseUrl, schema }),
    cleanup: async () => {
      const client = new pg.Client({ connectionString: testDatabaseUrl });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  }),
  { skip },
);
