// The ChallengeStore contract, run against memory, SQLite and PostgreSQL (the real tables from
// migration 0008_detection_challenges; PostgreSQL skipped with the reason when unreachable).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { migrateToLatest } from '@safelight/sql';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { tempDir } from '../../../../tests/support/image-fixtures.js';
import { postgresSkipReason, testDatabaseUrl } from '../../../../tests/support/postgres.js';
import { deliveryMigrationSet } from '../storage/migrations.js';
import type { Database as ServerDatabase } from '../storage/schema.js';
import { type ChallengeStore, KyselyChallengeStore, MemoryChallengeStore } from './challenge-store.js';

const KEEP = 10_000;
const state = (text: string) => new TextEncoder().encode(text);
const id = () => randomBytes(16).toString('base64url');

interface Backend {
  store: ChallengeStore;
  /** A second store over the same database (another server process), where there is one. */
  other: ChallengeStore;
  /** A store bound to a transaction that commits. */
  inTransaction?: (fn: (store: ChallengeStore) => Promise<void>) => Promise<void>;
  close(): Promise<void>;
}

function describeStore(name: string, open: () => Promise<Backend>, options: { skip?: string | false } = {}) {
  describe(`ChallengeStore (${name})`, { skip: options.skip || false }, () => {
    let backend: Backend;
    before(async () => {
      backend = await open();
    });
    after(async () => backend?.close());

    it('hands the state out once, to the device it went to, before it expires', async () => {
      const { store, other } = backend;
      const a = id();
      await store.put(a, { deviceId: 'dev-1', state: state('pending-a'), expiresAt: 1_000 });
      assert.deepEqual(await other.take(a, 'dev-2', 500), { status: 'unknown' });
      assert.deepEqual(await other.take(id(), 'dev-1', 500), { status: 'unknown' });
      const taken = await other.take(a, 'dev-1', 999);
      assert.equal(taken.status, 'found');
      assert.deepEqual(taken.status === 'found' && new TextDecoder().decode(taken.state), 'pending-a');
      assert.deepEqual(await store.take(a, 'dev-1', 999), { status: 'answered' });
      assert.deepEqual(await other.take(a, 'dev-2', 999), { status: 'unknown' });
    });

    it('is expired at its expiry time, and stays so (no state) after a sweep', async () => {
      const { store, other } = backend;
      const b = id();
      await store.put(b, { deviceId: 'dev-1', state: state('pending-b'), expiresAt: 2_000 });
      assert.deepEqual(await other.take(b, 'dev-1', 2_000), { status: 'expired' });
      const swept = await store.sweep(2_000);
      assert.ok(swept.expired >= 1);
      assert.deepEqual(await other.take(b, 'dev-1', 1_500), { status: 'expired' }, 'the state is gone');
    });

    it('keeps answered and expired markers until the retention after expiry, then forgets them', async () => {
      const { store, other } = backend;
      const answered = id();
      const expired = id();
      await store.put(answered, { deviceId: 'dev-1', state: state('x'), expiresAt: 50_000 });
      await store.put(expired, { deviceId: 'dev-1', state: state('y'), expiresAt: 50_000 });
      assert.equal((await other.take(answered, 'dev-1', 49_000)).status, 'found');
      await store.sweep(50_000 + KEEP - 1);
      assert.deepEqual(await other.take(answered, 'dev-1', 50_000 + KEEP - 1), { status: 'answered' });
      assert.deepEqual(await other.take(expired, 'dev-1', 50_000 + KEEP - 1), { status: 'expired' });
      const swept = await store.sweep(50_000 + KEEP);
      assert.ok(swept.forgotten >= 2);
      assert.deepEqual(await other.take(answered, 'dev-1', 50_000 + KEEP), { status: 'unknown' });
      assert.deepEqual(await other.take(expired, 'dev-1', 50_000 + KEEP), { status: 'unknown' });
    });

    it('gives the state to exactly one of many racing answers', async () => {
      const { store, other } = backend;
      const c = id();
      await store.put(c, { deviceId: 'dev-1', state: state('once'), expiresAt: 90_000 });
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? store : other).take(c, 'dev-1', 80_000)),
      );
      assert.equal(results.filter((r) => r.status === 'found').length, 1);
      assert.equal(results.filter((r) => r.status === 'answered').length, 11);
    });

    it('refuses a second challenge under the same id', async () => {
      const d = id();
      await backend.store.put(d, { deviceId: 'dev-1', state: state('a'), expiresAt: 1 });
      await assert.rejects(backend.other.put(d, { deviceId: 'dev-2', state: state('b'), expiresAt: 1 }));
    });

    it('works inside a transaction', {
      skip: name === 'memory' && 'memory has no transactions',
    }, async () => {
      if (!backend.inTransaction) return;
      const e = id();
      await backend.inTransaction(async (store) => {
        await store.put(e, { deviceId: 'dev-1', state: state('tx'), expiresAt: 5_000 });
      });
      assert.equal((await backend.other.take(e, 'dev-1', 4_000)).status, 'found');
    });
  });
}

describeStore('memory', async () => {
  const store = new MemoryChallengeStore({ keepMarkersMs: KEEP });
  return { store, other: store, close: async () => {} };
});

describeStore('sqlite', async () => {
  const file = join(await tempDir('safelight-challenges-'), 'delivery.sqlite');
  const open = () => {
    const database = new Database(file);
    database.pragma('journal_mode = WAL');
    database.pragma('busy_timeout = 5000');
    return new Kysely<ServerDatabase>({ dialect: new SqliteDialect({ database }) });
  };
  const one = open();
  await migrateToLatest(one as Kysely<unknown>, deliveryMigrationSet('sqlite'));
  const two = open(); // another connection to the same file: another process's view
  return {
    store: new KyselyChallengeStore(one, { keepMarkersMs: KEEP }),
    other: new KyselyChallengeStore(two, { keepMarkersMs: KEEP }),
    inTransaction: (fn) =>
      one.transaction().execute((trx) => fn(new KyselyChallengeStore(trx, { keepMarkersMs: KEEP }))),
    close: async () => {
      await one.destroy();
      await two.destroy();
    },
  };
});

const skip = await postgresSkipReason();
if (skip) console.warn(`# skipping the PostgreSQL challenge store tests: ${skip}`);
describeStore(
  'postgres',
  async () => {
    const schema = `test_challenges_${process.pid}_${randomBytes(4).toString('hex')}`;
    const setup = new pg.Client({ connectionString: testDatabaseUrl });
    await setup.connect();
    await setup.query(`create schema ${schema}`);
    await setup.end();
    const open = () =>
      new Kysely<ServerDatabase>({
        dialect: new PostgresDialect({
          pool: new pg.Pool({
            connectionString: testDatabaseUrl,
            max: 4,
            options: `-c search_path=${schema}`,
          }),
        }),
      });
    const one = open();
    await migrateToLatest(one as Kysely<unknown>, deliveryMigrationSet('postgres'), schema);
    const two = open();
    return {
      store: new KyselyChallengeStore(one, { keepMarkersMs: KEEP }),
      other: new KyselyChallengeStore(two, { keepMarkersMs: KEEP }),
      inTransaction: (fn) =>
        one.transaction().execute((trx) => fn(new KyselyChallengeStore(trx, { keepMarkersMs: KEEP }))),
      close: async () => {
        await one.destroy();
        await two.destroy();
        const cleanup = new pg.Client({ connectionString: testDatabaseUrl });
        await cleanup.connect();
        await cleanup.query(`drop schema if exists ${schema} cascade`);
        await cleanup.end();
      },
    };
  },
  { skip },
);
