// he-fuzzy's two steps on two server processes over one database: `evaluate` (start) on A, the
// pending state stored in detection_challenges, `finish` on B, which never saw the device's keys.
// Benign data only: "banked" is an ordinary random hash placed in a bank.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BankSnapshot, type DetectionContext, HeFuzzyClient, withHeader } from '@safelight/detection';
import { randomHash, seededRandom } from '@safelight/hashbank';
import type { PdqHash } from '@safelight/pdq';
import { migrateToLatest } from '@safelight/sql';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { tempDir } from '../../../../tests/support/image-fixtures.js';
import { deliveryMigrationSet } from '../storage/migrations.js';
import type { Database as ServerDatabase } from '../storage/schema.js';
import { KyselyChallengeStore } from './challenge-store.js';
import { checkDeployment } from './deployment.js';
import { type HeFuzzyServerMode, heFuzzyMode } from './he-fuzzy.js';
import type { ModeFactoryContext } from './types.js';

const random = seededRandom(808);
const banked = randomHash(random);
const bank: BankSnapshot = {
  bankName: 'TWO_PROCESS_TEST',
  entries: [
    ...Array.from({ length: 40 }, (_, i) => ({ id: `other-${i}`, pdq: randomHash(random) })),
    { id: 'banked', pdq: banked },
  ],
};

/** `hash` with its first `n` bits flipped. */
function flipped(hash: PdqHash, n: number): PdqHash {
  const out = Uint32Array.from(hash);
  for (let i = 0; i < n; i++) out[i >>> 5]! ^= 1 << (i & 31);
  return out;
}

describe('he-fuzzy: start on one server process, finish on another', { timeout: 300_000 }, () => {
  const stateKey = new Uint8Array(randomBytes(32));
  // What two processes sharing a data folder (or configured with one he.stateKey) share.
  const context: ModeFactoryContext = {
    devicePublicKeys: async () => [],
    secret: async () => stateKey,
  };
  const deployment = checkDeployment({ mode: 'he-fuzzy', bank, he: { threads: 0 } });
  let a: HeFuzzyServerMode;
  let b: HeFuzzyServerMode;
  let dbA: Kysely<ServerDatabase>;
  let dbB: Kysely<ServerDatabase>;
  let storeA: KyselyChallengeStore;
  let storeB: KyselyChallengeStore;
  let device: HeFuzzyClient;

  before(async () => {
    // One SQLite file, one connection per "process".
    const file = join(await tempDir('safelight-he-two-'), 'delivery.sqlite');
    const open = () => {
      const database = new Database(file);
      database.pragma('journal_mode = WAL');
      database.pragma('busy_timeout = 5000');
      return new Kysely<ServerDatabase>({ dialect: new SqliteDialect({ database }) });
    };
    dbA = open();
    await migrateToLatest(dbA as Kysely<unknown>, deliveryMigrationSet('sqlite'));
    dbB = open();
    storeA = new KyselyChallengeStore(dbA);
    storeB = new KyselyChallengeStore(dbB);
    [a, b] = await Promise.all([heFuzzyMode(deployment, context), heFuzzyMode(deployment, context)]);
    assert.deepEqual(a.download, b.download);
    device = await HeFuzzyClient.create({ bucketBits: (a.download as { bucketBits: number }).bucketBits });
    // The device registered with A only: B holds no key of it.
    a.registerKeys('device-1', device.registration);
  });

  after(async () => {
    device?.close();
    await Promise.all([a?.close(), b?.close()]);
    await Promise.all([dbA?.destroy(), dbB?.destroy()]);
  });

  /** evaluate on A (challenge stored by A), the device answers, finish on B (state taken by B). */
  async function acrossProcesses(pdq: PdqHash, messageId: string) {
    const detection: DetectionContext = { accountId: 'acct-1', conversationId: 'conv-1', messageId };
    const payload = withHeader(
      'he-fuzzy',
      (await device.prepare({ pdq, quality: 100, context: detection }))!,
    );
    const outcome = await a.evaluate(payload, { ...detection, deviceId: 'device-1' });
    assert.equal(outcome.kind, 'challenge');
    if (outcome.kind !== 'challenge') throw new Error('unreachable');
    const id = randomBytes(16).toString('base64url');
    await storeA.put(id, { deviceId: 'device-1', state: outcome.state, expiresAt: Date.now() + 60_000 });
    const answer = await device.answer(outcome.bytes);
    const taken = await storeB.take(id, 'device-1', Date.now());
    assert.equal(taken.status, 'found');
    if (taken.status !== 'found') throw new Error('unreachable');
    const verdicts = await b.finish(taken.state, answer);
    assert.deepEqual(await storeA.take(id, 'device-1', Date.now()), { status: 'answered' });
    return { verdicts, state: outcome.state, answer, payload };
  }

  it('gives the verdict for a banked image (near-duplicate) and none for an unrelated one', async () => {
    const match = await acrossProcesses(flipped(banked, 12), 'msg-banked');
    assert.deepEqual(
      match.verdicts.map((v) => ({
        mode: v.mode,
        entry: v.bankEntryId,
        bank: v.bankName,
        context: v.context,
      })),
      [
        {
          mode: 'he-fuzzy',
          entry: 'banked',
          bank: 'TWO_PROCESS_TEST',
          context: { accountId: 'acct-1', conversationId: 'conv-1', messageId: 'msg-banked' },
        },
      ],
    );
    const none = await acrossProcesses(randomHash(random), 'msg-unrelated');
    assert.deepEqual(none.verdicts, []);
    // B could not have started either: it never saw the device's keys.
    await assert.rejects(
      b.evaluate(none.payload, {
        accountId: 'acct-1',
        deviceId: 'device-1',
        conversationId: 'conv-1',
        messageId: 'm',
      }),
      (error: Error & { code?: string }) => error.code === 'HE_UNKNOWN_KEYS',
    );
  });

  it('stores the pending state sealed: no plaintext framing, and another state key cannot finish it', async () => {
    const { state, answer } = await acrossProcesses(flipped(banked, 3), 'msg-sealed');
    assert.equal(Buffer.from(state).includes(Buffer.from('SLHP')), false);
    assert.equal(Buffer.from(state).includes(Buffer.from('msg-sealed')), false);
    const stranger = await heFuzzyMode(deployment, { ...context, secret: async () => new Uint8Array(32) });
    try {
      await assert.rejects(
        stranger.finish(state, answer),
        (error: Error & { code?: string }) => error.code === 'DETECTION_CHALLENGE_EXPIRED',
      );
      const flippedState = state.slice();
      flippedState[20] = (flippedState[20] as number) ^ 1;
      await assert.rejects(
        b.finish(flippedState, answer),
        (error: Error & { code?: string }) => error.code === 'DETECTION_CHALLENGE_EXPIRED',
      );
    } finally {
      await stranger.close();
    }
  });
});
