import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { dropSchemas, postgresSkipReason, testDatabaseUrl } from '../../../tests/support/postgres.js';
import { SqlError } from './errors.js';
import type { MigrationSet } from './migrations.js';
import { isPostgresUrl, openPostgres, redactUrl } from './postgres.js';
import { brokenMigrations } from './test-support.js';

describe('connection strings', () => {
  it('recognises postgres:// and postgresql:// in any case', () => {
    assert.equal(isPostgresUrl('postgres://u@h/db'), true);
    assert.equal(isPostgresUrl('PostgreSQL://u@h/db'), true);
    assert.equal(isPostgresUrl('mysql://u@h/db'), false);
    assert.equal(isPostgresUrl('/var/run/postgresql'), false);
  });

  it('redacts the password only', () => {
    assert.equal(redactUrl('postgres://bob:secret@db:5432/x'), 'postgres://bob:***@db:5432/x');
    assert.equal(redactUrl('postgres://bob@db/x'), 'postgres://bob@db/x');
    assert.equal(redactUrl('not a url'), '(unparseable connection string)');
  });
});

describe('openPostgres: options refused before connecting', () => {
  it('refuses a schema that is not a lowercase identifier', async () => {
    await assert.rejects(
      openPostgres({ url: testDatabaseUrl, schema: 'Robert"; drop' }),
      (error: unknown) => {
        assert.ok(error instanceof SqlError);
        assert.equal(error.code, 'SQL_INVALID_OPTION');
        assert.equal(error.message, 'schema "Robert\\"; drop" must be a lowercase identifier');
        return true;
      },
    );
  });

  it('refuses a non-PostgreSQL URL only when asked to', async () => {
    await assert.rejects(openPostgres({ url: 'mysql://h/db', requirePostgresUrl: true }), {
      code: 'SQL_INVALID_OPTION',
      message: 'database URL must start with postgres:// or postgresql://',
    });
  });
});

const skip = await postgresSkipReason();
if (skip) console.warn(`# skipping PostgreSQL connection tests: ${skip}`);

describe('openPostgres (PostgreSQL)', { skip: skip || false }, () => {
  const schemas: string[] = [];
  const freshSchema = () => {
    const schema = `test_sql_pg_${process.pid}_${randomBytes(4).toString('hex')}`;
    schemas.push(schema);
    return schema;
  };
  after(() => dropSchemas(...schemas));

  const counters: MigrationSet = {
    table: 'counters_migration',
    migrations: {
      '0001_counters': {
        async up(db) {
          await db.schema
            .createTable('counters')
            .addColumn('n', 'bigint', (c) => c.notNull())
            .execute();
        },
      },
    },
  };

  it('creates the schema, resolves unqualified names in it, migrates, and reads bigint as number', async () => {
    const schema = freshSchema();
    const db = await openPostgres<{ counters: { n: number } }>({
      url: testDatabaseUrl,
      schema,
      maxConnections: 2,
      migrations: counters,
    });
    try {
      const { rows } = await sql<{ search_path: string }>`show search_path`.execute(db);
      assert.equal(rows[0]?.search_path, schema);
      await db
        .insertInto('counters')
        .values({ n: 2 ** 40 })
        .execute();
      const row = await db.selectFrom('counters').select('n').executeTakeFirstOrThrow();
      assert.equal(row.n, 2 ** 40);
      assert.equal(typeof row.n, 'number');
      const { rows: tables } = await sql<{ table_name: string }>`
        select table_name from information_schema.tables where table_schema = ${schema} order by table_name
      `.execute(db);
      assert.deepEqual(
        tables.map((t) => t.table_name),
        ['counters', 'counters_migration', 'counters_migration_lock'],
      );
    } finally {
      await db.destroy();
    }
  });

  it("leaves pg's global parser alone: a plain client still reads bigint as a string", async () => {
    const client = new pg.Client({ connectionString: testDatabaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: unknown }>('select 1::bigint as n');
      assert.equal(rows[0]?.n, '1');
    } finally {
      await client.end();
    }
  });

  it('reports an unreachable server as SQL_UNAVAILABLE without the password', async () => {
    await assert.rejects(
      openPostgres({ url: 'postgres://postgres:secret@127.0.0.1:1/test' }),
      (error: unknown) => {
        assert.ok(error instanceof SqlError);
        assert.equal(error.code, 'SQL_UNAVAILABLE');
        assert.ok(
          error.message.startsWith(
            'cannot connect to PostgreSQL at postgres://postgres:***@127.0.0.1:1/test: ',
          ),
        );
        assert.ok(!error.message.includes('secret'));
        assert.ok(error.cause instanceof Error);
        return true;
      },
    );
  });

  it('reports a failed migration as SQL_MIGRATION_FAILED', async () => {
    const options = { url: testDatabaseUrl, schema: freshSchema(), migrations: brokenMigrations };
    await assert.rejects(openPostgres(options), {
      code: 'SQL_MIGRATION_FAILED',
      message: /^database migration 0001_broken failed: .*no_such_table/,
    });
  });
});
