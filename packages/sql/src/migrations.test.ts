import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, type Migration, SqliteDialect, sql } from 'kysely';
import { dropSchemas, postgresSkipReason, testDatabaseUrl } from '../../../tests/support/postgres.js';
import { SqlError } from './errors.js';
import { type MigrationSet, migrateOrClose, migrateToLatest } from './migrations.js';
import { openPostgres } from './postgres.js';

/** Two migrations that record the order they ran in, and a third that can be made to fail. */
function migrationSet(ran: string[], failThird = false): MigrationSet {
  const step =
    (name: string, create?: string): Migration['up'] =>
    async (db) => {
      ran.push(name);
      if (create) await db.schema.createTable(create).addColumn('id', 'integer').execute();
    };
  const migrations: Record<string, Migration> = {
    // Given out of order on purpose: names sort in the order they apply.
    '0002_second': { up: step('0002_second', 'second') },
    '0001_first': { up: step('0001_first', 'first') },
  };
  if (failThird) {
    migrations['0003_broken'] = {
      async up(db) {
        ran.push('0003_broken');
        await sql`select * from no_such_table`.execute(db);
      },
    };
  }
  return { table: 'test_migration', migrations };
}

function memoryDb(): Kysely<unknown> {
  return new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
}

async function tableNames(db: Kysely<unknown>): Promise<string[]> {
  return (await db.introspection.getTables({ withInternalKyselyTables: true })).map((t) => t.name).sort();
}

describe('migrateToLatest (SQLite)', () => {
  it('applies migrations in name order, once, with the bookkeeping tables the set names', async () => {
    const db = memoryDb();
    try {
      const ran: string[] = [];
      await migrateToLatest(db, migrationSet(ran));
      assert.deepEqual(ran, ['0001_first', '0002_second']);
      assert.deepEqual(await tableNames(db), ['first', 'second', 'test_migration', 'test_migration_lock']);
      await migrateToLatest(db, migrationSet(ran));
      assert.deepEqual(ran, ['0001_first', '0002_second'], 'an applied migration does not run again');
    } finally {
      await db.destroy();
    }
  });

  it('names the migration that failed (SQL_MIGRATION_FAILED, the database error as cause)', async () => {
    const db = memoryDb();
    try {
      await assert.rejects(migrateToLatest(db, migrationSet([], true)), (error: unknown) => {
        assert.ok(error instanceof SqlError);
        assert.equal(error.code, 'SQL_MIGRATION_FAILED');
        assert.match(error.message, /^database migration 0003_broken failed: .*no_such_table/);
        assert.ok(error.cause instanceof Error);
        return true;
      });
    } finally {
      await db.destroy();
    }
  });

  it('migrateOrClose closes the database when a migration fails', async () => {
    const db = memoryDb();
    await assert.rejects(migrateOrClose(db, migrationSet([], true)), { code: 'SQL_MIGRATION_FAILED' });
    await assert.rejects(sql`select 1`.execute(db), /destroyed/);
  });
});

const skip = await postgresSkipReason();
if (skip) console.warn(`# skipping PostgreSQL migration tests: ${skip}`);

describe('migrateToLatest (PostgreSQL)', { skip: skip || false }, () => {
  const schema = `test_sql_migrate_${process.pid}_${randomBytes(4).toString('hex')}`;
  after(() => dropSchemas(schema));

  it('keeps the bookkeeping tables in the given schema beside the migrated tables', async () => {
    const db = await openPostgres<unknown>({ url: testDatabaseUrl, schema });
    try {
      const ran: string[] = [];
      await migrateToLatest(db, migrationSet(ran), schema);
      await migrateToLatest(db, migrationSet(ran), schema);
      assert.deepEqual(ran, ['0001_first', '0002_second']);
      const { rows } = await sql<{ table_name: string }>`
        select table_name from information_schema.tables where table_schema = ${schema} order by table_name
      `.execute(db);
      assert.deepEqual(
        rows.map((r) => r.table_name),
        ['first', 'second', 'test_migration', 'test_migration_lock'],
      );
    } finally {
      await db.destroy();
    }
  });
});
