import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { conversationQueries } from './conversation-repository.js';
import type { DeliveryRepository, NewInboxItem } from './repository.js';

export interface RepositoryFixture {
  repository: DeliveryRepository;
  cleanup: () => Promise<void>;
}

/** The storage contract, run once per backend (sqlite.test.ts, postgres.test.ts). */
export function describeRepository(
  name: string,
  open: () => Promise<RepositoryFixture>,
  options: { skip?: string | false } = {},
): void {
  describe(`DeliveryRepository on ${name}`, { skip: options.skip ?? false }, () => {
    let fixture: RepositoryFixture | undefined;
    const repo = () => fixture!.repository;
    before(async () => {
      fixture = await open();
    });
    after(async () => {
      await fixture?.repository.close();
      await fixture?.cleanup();
    });

    it('consumes a challenge once, and not after it expired', async () => {
      await repo().insertChallenge('c1', 1000);
      await repo().insertChallenge('c2', 1000);
      assert.equal(await repo().consumeChallenge('c1', 500), true);
      assert.equal(await repo().consumeChallenge('c1', 500), false);
      assert.equal(await repo().consumeChallenge('c2', 1001), false);
      assert.equal(await repo().consumeChallenge('nope', 0), false);
    });

    it('stores accounts, devices (bytes intact) and sessions by token hash', async () => {
      const publicKey = new Uint8Array(32).map((_, i) => i);
      await repo().insertAccount({ accountId: 'acct_a', handle: 'alice', createdAt: 1 });
      await repo().insertDevice({ deviceId: 'dev_a', accountId: 'acct_a', publicKey, createdAt: 2 });
      await repo().insertDevice({
        deviceId: 'dev_b',
        accountId: 'acct_a',
        publicKey: new Uint8Array(32),
        createdAt: 3,
      });
      assert.deepEqual(await repo().accountByHandle('alice'), {
        accountId: 'acct_a',
        handle: 'alice',
        createdAt: 1,
      });
      assert.equal(await repo().accountById('acct_x'), undefined);
      const device = await repo().device('dev_a');
      assert.deepEqual(device?.publicKey, publicKey);
      assert.deepEqual(
        (await repo().devicesOfAccount('acct_a')).map((d) => d.deviceId),
        ['dev_a', 'dev_b'],
      );
      const hash = new Uint8Array(32).fill(1);
      await repo().insertSession(hash, { deviceId: 'dev_a', accountId: 'acct_a', expiresAt: 99 });
      assert.deepEqual(await repo().session(hash), { deviceId: 'dev_a', accountId: 'acct_a', expiresAt: 99 });
      assert.equal(await repo().session(new Uint8Array(32)), undefined);
    });

    it('hands out key packages oldest first, each once', async () => {
      await repo().insertKeyPackages('dev_a', [new Uint8Array([1]), new Uint8Array([2])], 5);
      assert.equal(await repo().countKeyPackages('dev_a'), 2);
      assert.deepEqual(await repo().takeKeyPackage('dev_a'), new Uint8Array([1]));
      assert.deepEqual(await repo().takeKeyPackage('dev_a'), new Uint8Array([2]));
      assert.equal(await repo().takeKeyPackage('dev_a'), undefined);
    });

    it('keeps groups, rosters and idempotency records', async () => {
      await repo().insertGroup({ groupId: 'g1', epoch: 0, nextSeq: 1 }, 1);
      await repo().addMembers('g1', [
        { deviceId: 'dev_a', accountId: 'acct_a' },
        { deviceId: 'dev_b', accountId: 'acct_a' },
      ]);
      await repo().updateGroup({ groupId: 'g1', epoch: 3, nextSeq: 7 });
      assert.deepEqual(await repo().group('g1'), { groupId: 'g1', epoch: 3, nextSeq: 7 });
      await repo().removeMembers('g1', ['dev_b']);
      assert.deepEqual(await repo().members('g1'), [{ deviceId: 'dev_a', accountId: 'acct_a' }]);
      const record = {
        groupId: 'g1',
        messageId: 'm1',
        kind: 'application' as const,
        senderDeviceId: 'dev_a',
        digest: new Uint8Array(32).fill(4),
        answer: '{"seq":1}',
        receivedAt: 10,
      };
      await repo().insertMessage(record);
      assert.deepEqual(await repo().message('g1', 'm1'), record);
      await assert.rejects(repo().insertMessage(record));
      // The hot path's form: inserts once, then reports the clash and writes nothing.
      const second = { ...record, messageId: 'm2' };
      assert.equal(await repo().insertMessageIfNew(second), true);
      assert.equal(await repo().insertMessageIfNew({ ...second, answer: '{"seq":99}' }), false);
      assert.deepEqual(await repo().message('g1', 'm2'), second);
    });

    it('a rolled-back transaction leaves no trace in the cached group state', async () => {
      await repo().insertGroup({ groupId: 'g-cache', epoch: 0, nextSeq: 1 }, 1);
      await repo().transaction(async (tx) => {
        await tx.group('g-cache'); // warm the cache
      });
      await assert.rejects(
        repo().transaction(async (tx) => {
          await tx.updateGroup({ groupId: 'g-cache', epoch: 5, nextSeq: 50 });
          await tx.addMembers('g-cache', [{ deviceId: 'dev_z', accountId: 'acct_z' }]);
          throw new Error('boom');
        }),
      );
      const seen = await repo().transaction(async (tx) => ({
        group: await tx.group('g-cache'),
        members: await tx.members('g-cache'),
      }));
      assert.deepEqual(seen, { group: { groupId: 'g-cache', epoch: 0, nextSeq: 1 }, members: [] });
      assert.deepEqual(await repo().group('g-cache'), { groupId: 'g-cache', epoch: 0, nextSeq: 1 });
    });

    it('numbers inbox items ascending, never reuses a seq, pages and acknowledges', async () => {
      const item = (deviceId: string, i: number): NewInboxItem => ({
        deviceId,
        kind: 'application',
        groupId: 'g1',
        messageId: `m${i}`,
        senderAccountId: 'acct_a',
        senderDeviceId: 'dev_a',
        payload: new Uint8Array([i, 0, 255]),
        receivedAt: 100 + i,
        frank: i === 1 ? new Uint8Array([9]) : null,
      });
      const seqs = await repo().appendInbox([item('dev_b', 1), item('dev_c', 2), item('dev_b', 3)]);
      assert.equal(seqs.length, 3);
      assert.ok(seqs[0]! < seqs[1]! && seqs[1]! < seqs[2]!);
      const page = await repo().inbox('dev_b', 0, 10);
      assert.deepEqual(
        page.map((i) => i.seq),
        [seqs[0], seqs[2]],
      );
      assert.deepEqual(page[0]!.payload, new Uint8Array([1, 0, 255]));
      assert.deepEqual(page[0]!.frank, new Uint8Array([9]));
      assert.equal(page[1]!.frank, null);
      assert.equal(await repo().ack('dev_b', seqs[2]!), 2);
      assert.deepEqual(await repo().inbox('dev_b', 0, 10), []);
      const [next] = await repo().appendInbox([item('dev_b', 4)]);
      assert.ok(next! > seqs[2]!);
    });

    it('rolls a failed transaction back and commits a good one', async () => {
      await assert.rejects(
        repo().transaction(async (tx) => {
          await tx.insertGroup({ groupId: 'g-rollback', epoch: 0, nextSeq: 1 }, 1);
          throw new Error('abort');
        }),
      );
      assert.equal(await repo().group('g-rollback'), undefined);
      await repo().transaction((tx) => tx.insertGroup({ groupId: 'g-commit', epoch: 0, nextSeq: 1 }, 1));
      assert.ok(await repo().group('g-commit'));
      await repo().ping();
    });

    it("records who started conversations and reads a window with each group's whole history", async () => {
      const q = conversationQueries(repo());
      await q.recordOrigin('g-old', 'acct_x', 100);
      await q.recordAdds('g-old', 'acct_x', ['acct_adult'], 110); // started long before the window
      await q.recordAdds('g-old', 'acct_x', ['acct_minor'], 5_000); // grown in the window
      await q.recordOrigin('g-new', 'acct_x', 4_000);
      await q.recordAdds('g-new', 'acct_x', ['acct_m1', 'acct_m2'], 4_100);
      await q.recordAdds('g-new', 'acct_x', ['acct_m1'], 4_900); // a re-add keeps the first time
      await q.recordOrigin('g-theirs', 'acct_y', 4_000);
      await q.recordAdds('g-theirs', 'acct_x', ['acct_z'], 4_200); // not x's group: x did not start it
      await q.recordOrigin('g-quiet', 'acct_x', 50);
      await q.recordAdds('g-quiet', 'acct_x', ['acct_q'], 60); // nothing in the window
      await assert.rejects(q.recordOrigin('g-new', 'acct_y', 4_500)); // one origin per group

      const started = (await q.startedSince('acct_x', 3_000)).sort((a, b) =>
        a.groupId.localeCompare(b.groupId),
      );
      const adds = (c: (typeof started)[number]) => c.adds.map((a) => `${a.accountId}@${a.at}`).sort();
      assert.deepEqual(
        started.map((c) => c.groupId),
        ['g-new', 'g-old'],
      );
      assert.deepEqual(adds(started[0]!), ['acct_m1@4100', 'acct_m2@4100']);
      assert.deepEqual(adds(started[1]!), ['acct_adult@110', 'acct_minor@5000']);
      assert.deepEqual(await q.startedSince('acct_y', 0), []);
    });
  });
}
