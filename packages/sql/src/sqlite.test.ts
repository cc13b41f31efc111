import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { SqlError } from './errors.js';
import type { MigrationSet } from './migrations.js';
import { openSqlite } from './sqlite.js';
import { brokenMigrations } from './test-support.js';

interface Db {
  notes: { id: number; parent: number | null };
}

const notes: MigrationSet = {
  table: 'notes_migration',
  migrations: {
    '0001_notes': {
      async up(db) {
        await db.schema
          .createTable('notes')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('parent', 'integer', (c) => c.references('notes.id'))
          .execute();
      },
    },
  },
};

async function pragma(db: Kysely<Db>, name: string): Promise<unknown> {
  const { rows } = await sql<Record<string, unknown>>`select * from ${sql.raw(`pragma_${name}`)}`.execute(db);
  return Object.values(rows[0] ?? {})[0];
}

describe('openSqlite', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safelight-sql-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('creates the folder, sets WAL, the sync level, foreign keys and the cache, and migrates', async () => {
    const db = await openSqlite<Db>({
      file: join(dir, 'nested', 'a.sqlite'),
      synchronous: 'FULL',
      migrations: notes,
    });
    try {
      assert.equal(await pragma(db, 'journal_mode'), 'wal');
      assert.equal(await pragma(db, 'synchronous'), 2); // FULL
      assert.equal(await pragma(db, 'foreign_keys'), 1);
      assert.equal(await pragma(db, 'busy_timeout'), 5000);
      assert.equal(await pragma(db, 'cache_size'), -65536);
      await db.insertInto('notes').values({ id: 1, parent: null }).execute();
      await assert.rejects(db.insertInto('notes').values({ id: 2, parent: 99 }).execute(), /FOREIGN KEY/);
    } finally {
      await db.destroy();
    }
  });

  it('NORMAL sync, and the same answers with the statement cache on', async () => {
    const db = await openSqlite<Db>({
      file: join(dir, 'b.sqlite'),
      synchronous: 'NORMAL',
      statementCache: true,
      migrations: notes,
    });
    try {
      assert.equal(await pragma(db, 'synchronous'), 1); // NORMAL
      for (let id = 1; id <= 3; id++) await db.insertInto('notes').values({ id, parent: null }).execute();
      // The same SQL text three times: served from one cached statement, each run with its own value.
      for (let id = 1; id <= 3; id++) {
        const row = await db.selectFrom('notes').select('id').where('id', '=', id).executeTakeFirst();
        assert.equal(row?.id, id);
      }
    } finally {
      await db.destroy();
    }
  });

  it('keeps an in-memory database out of WAL', async () => {
    const db = await openSqlite<Db>({ file: ':memory:', synchronous: 'NORMAL', migrations: notes });
    try {
      assert.equal(await pragma(db, 'journal_mode'), 'memory');
    } finally {
      await db.destroy();
    }
  });

  it('reports a file it cannot open as SQL_UNAVAILABLE, naming the file', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'not a folder');
    const file = join(blocker, 'db.sqlite');
    await assert.rejects(openSqlite({ file, synchronous: 'FULL' }), (error: unknown) => {
      assert.ok(error instanceof SqlError);
      assert.equal(error.code, 'SQL_UNAVAILABLE');
      assert.ok(error.message.startsWith(`cannot open SQLite database ${file}: `));
      assert.ok(error.cause instanceof Error);
      return true;
    });
  });

  it('reports a failed migration as SQL_MIGRATION_FAILED and releases the file', async () => {
    const file = join(dir, 'c.sqlite');
    await assert.rejects(openSqlite({ file, synchronous: 'FULL', migrations: brokenMigrations }), {
      code: 'SQL_MIGRATION_FAILED',
      message: /^database migration 0001_broken failed/,
    });
    // Closed, so the file can be removed and opened again with good migrations.
    await rm(file);
    const db = await openSqlite<Db>({ file, synchronous: 'FULL', migrations: notes });
    await db.destroy();
  });
});
