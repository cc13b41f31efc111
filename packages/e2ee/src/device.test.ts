import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  createCommit,
  createGroup,
  decode,
  defaultProposalTypes,
  encode,
  generateKeyPackageWithKey,
  getCiphersuiteImpl,
  mlsMessageDecoder,
  mlsMessageEncoder,
  protocolVersions,
  unsafeTestingAuthenticationService,
  wireformats,
} from 'ts-mls';
import { E2eeDevice, type Incoming, type PendingCommit } from './device.js';
import { E2eeError } from './errors.js';
import { inspectMlsMessage } from './framing.js';
import { createDeviceIdentity } from './identity.js';
import { credentialFor } from './mls.js';
import { FileStateStore } from './node.js';
import { type DeviceStateStore, MemoryStateStore } from './state-store.js';

const text = (s: string) => new TextEncoder().encode(s);
const read = (b: Uint8Array) => new TextDecoder().decode(b);
const tag = (n: number) => new Uint8Array(32).fill(n);

async function newDevice(accountId: string, store: DeviceStateStore = new MemoryStateStore()) {
  return E2eeDevice.create({ identity: createDeviceIdentity(), accountId, store });
}

function rejectsWith(code: string) {
  return (e: unknown) => {
    assert.ok(e instanceof E2eeError, `expected E2eeError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

/** Sends one commit the way the server would: apply on the committer, process on the others. */
async function commitAndDeliver(committer: E2eeDevice, pending: PendingCommit, others: E2eeDevice[]) {
  await committer.applyPendingCommit(pending);
  const results: Incoming[] = [];
  for (const other of others) results.push(await other.process(pending.groupId, pending.commit));
  return results;
}

async function roundTrip(
  from: E2eeDevice,
  to: E2eeDevice[],
  groupId: Uint8Array,
  message: string,
  aad = tag(1),
) {
  const ct = await from.encrypt(groupId, text(message), aad);
  for (const device of to) {
    const incoming = await device.process(groupId, ct);
    assert.equal(incoming.kind, 'application');
    if (incoming.kind !== 'application') return ct;
    assert.equal(read(incoming.plaintext), message);
    assert.deepEqual(incoming.authenticatedData, aad);
    assert.deepEqual(incoming.sender, { accountId: from.accountId, deviceId: from.deviceId });
  }
  return ct;
}

/** alice creates a group and adds bob (and carol); everyone joins from the welcome. */
async function setupGroup(names: string[]) {
  const devices = await Promise.all(names.map((n) => newDevice(`acct_${n}`)));
  const [owner, ...rest] = devices as [E2eeDevice, ...E2eeDevice[]];
  const groupId = text(`group-${names.join('-')}`);
  await owner.createGroup(groupId);
  if (rest.length > 0) {
    const kps = await Promise.all(rest.map(async (d) => (await d.generateKeyPackages(1))[0] as Uint8Array));
    const pending = await owner.proposeAdd(groupId, kps);
    assert.ok(pending.welcome);
    await owner.applyPendingCommit(pending);
    for (const d of rest) await d.joinFromWelcome(pending.welcome as Uint8Array);
  }
  return { devices, groupId };
}

describe('E2eeDevice', () => {
  it('1:1: create, add by key package, join from a self-contained welcome, talk both ways', async () => {
    const { devices, groupId } = await setupGroup(['alice', 'bob']);
    const [alice, bob] = devices as [E2eeDevice, E2eeDevice];
    assert.equal(alice.epoch(groupId), 1n);
    assert.equal(bob.epoch(groupId), 1n);
    const expected = [alice, bob].map((d) => ({ accountId: d.accountId, deviceId: d.deviceId }));
    assert.deepEqual(
      alice
        .members(groupId)
        .map((m) => m.deviceId)
        .sort(),
      expected.map((m) => m.deviceId).sort(),
    );
    assert.deepEqual(bob.members(groupId), alice.members(groupId));
    await roundTrip(alice, [bob], groupId, 'hi bob');
    await roundTrip(bob, [alice], groupId, 'hi alice');
    await roundTrip(alice, [bob], groupId, 'again');
    assert.equal(bob.unusedKeyPackageCount(), 0, 'the used key package is forgotten');
  });

  it('application messages carry the franking tag in clear authenticated data', async () => {
    const { devices, groupId } = await setupGroup(['alice', 'bob']);
    const [alice] = devices as [E2eeDevice];
    const ct = await alice.encrypt(groupId, text('x'), tag(9));
    const framing = inspectMlsMessage(ct);
    assert.equal(framing.wireFormat, 'private');
    if (framing.wireFormat !== 'private') return;
    assert.equal(framing.contentType, 'application');
    assert.deepEqual(framing.authenticatedData, tag(9));
    assert.equal(framing.epoch, 1n);
  });

  it('group of three: add, update, remove; the removed device cannot read later messages', async () => {
    const { devices, groupId } = await setupGroup(['alice', 'bob']);
    const [alice, bob] = devices as [E2eeDevice, E2eeDevice];
    const carol = await newDevice('acct_carol');
    const add = await bob.proposeAdd(groupId, await carol.generateKeyPackages(1));
    assert.deepEqual(add.addedDevices, [carol.deviceId]);
    assert.equal(add.epoch, 1n);
    const [seen] = await commitAndDeliver(bob, add, [alice]);
    assert.equal(seen?.kind, 'commit');
    if (seen?.kind === 'commit') {
      assert.equal(seen.epoch, 2n);
      assert.deepEqual(seen.added, [{ accountId: carol.accountId, deviceId: carol.deviceId }]);
      assert.deepEqual(seen.sender, { accountId: bob.accountId, deviceId: bob.deviceId });
      assert.equal(seen.removedSelf, false);
    }
    const joined = await carol.joinFromWelcome(add.welcome as Uint8Array);
    assert.deepEqual(joined.groupId, groupId);
    assert.equal(joined.members.length, 3);
    await roundTrip(carol, [alice, bob], groupId, 'hello all');

    const update = await carol.proposeUpdate(groupId);
    assert.equal(update.welcome, undefined);
    await commitAndDeliver(carol, update, [alice, bob]);
    assert.equal(alice.epoch(groupId), 3n);
    await roundTrip(alice, [bob, carol], groupId, 'after update');

    const remove = await alice.proposeRemove(groupId, [bob.deviceId]);
    assert.deepEqual(remove.removedDevices, [bob.deviceId]);
    const [carolSees, bobSees] = await commitAndDeliver(alice, remove, [carol, bob]);
    assert.equal(carolSees?.kind === 'commit' && carolSees.removed[0]?.deviceId, bob.deviceId);
    assert.equal(bobSees?.kind === 'commit' && bobSees.removedSelf, true);
    assert.equal(bob.hasGroup(groupId), false, 'a removed device forgets the group');
    assert.equal(alice.members(groupId).length, 2);
    const later = await roundTrip(alice, [carol], groupId, 'bob is gone');
    await assert.rejects(bob.process(groupId, later), rejectsWith('E2EE_UNKNOWN_GROUP'));
  });

  it('a removed device that kept its old state cannot decrypt, and its messages are refused', async () => {
    const storeBob = new MemoryStateStore();
    const alice = await newDevice('acct_alice');
    const bob = await newDevice('acct_bob', storeBob);
    const carol = await newDevice('acct_carol');
    const groupId = text('removal-group');
    await alice.createGroup(groupId);
    const add = await alice.proposeAdd(groupId, [
      ...(await bob.generateKeyPackages(1)),
      ...(await carol.generateKeyPackages(1)),
    ]);
    await alice.applyPendingCommit(add);
    await bob.joinFromWelcome(add.welcome as Uint8Array);
    await carol.joinFromWelcome(add.welcome as Uint8Array);
    // A copy of bob's state from before his removal (as if he ignored the commit).
    const staleBob = await E2eeDevice.load({ store: storeBob });
    const remove = await alice.proposeRemove(groupId, [bob.deviceId]);
    await commitAndDeliver(alice, remove, [carol, bob]);
    const later = await alice.encrypt(groupId, text('secret after removal'), tag(2));
    await assert.rejects(staleBob.process(groupId, later), rejectsWith('E2EE_WRONG_EPOCH'));
    // Bob still sends at the old epoch: carol holds that epoch's keys but refuses a non-member.
    const fromBob = await staleBob.encrypt(groupId, text('still here?'), tag(3));
    await assert.rejects(carol.process(groupId, fromBob), rejectsWith('E2EE_SENDER_NOT_MEMBER'));
    await roundTrip(alice, [carol], groupId, 'carol still fine');
  });

  it('messages from the previous epoch still decrypt after a commit (key retention)', async () => {
    const { devices, groupId } = await setupGroup(['alice', 'bob', 'carol']);
    const [alice, bob, carol] = devices as [E2eeDevice, E2eeDevice, E2eeDevice];
    const inFlight = await bob.encrypt(groupId, text('sent before the update'), tag(4));
    const update = await alice.proposeUpdate(groupId);
    await commitAndDeliver(alice, update, [bob, carol]);
    const incoming = await carol.process(groupId, inFlight);
    assert.equal(incoming.kind === 'application' && read(incoming.plaintext), 'sent before the update');
    assert.equal(incoming.kind === 'application' && incoming.epoch, 2n - 1n);
    // The committer too: the server may accept bob's message just before alice's commit, so she
    // meets it after applying her own commit (regression: wiping the commit's consumed secrets
    // broke the previous epoch's secret tree she keeps).
    const atCommitter = await alice.process(groupId, inFlight);
    assert.equal(atCommitter.kind === 'application' && read(atCommitter.plaintext), 'sent before the update');
  });

  it('persists after every mutation: load and continue the conversation', async () => {
    const storeA = new MemoryStateStore();
    const storeB = new MemoryStateStore();
    let alice = await newDevice('acct_alice', storeA);
    let bob = await newDevice('acct_bob', storeB);
    const groupId = text('persisted');
    await alice.createGroup(groupId);
    const spare = await bob.generateKeyPackages(2);
    const add = await alice.proposeAdd(groupId, [spare[0] as Uint8Array]);
    await alice.applyPendingCommit(add);
    bob = await E2eeDevice.load({ store: storeB }); // key-package private parts survived
    assert.equal(bob.unusedKeyPackageCount(), 2);
    await bob.joinFromWelcome(add.welcome as Uint8Array);
    await roundTrip(alice, [bob], groupId, 'one');
    alice = await E2eeDevice.load({ store: storeA });
    bob = await E2eeDevice.load({ store: storeB });
    assert.equal(bob.unusedKeyPackageCount(), 1);
    assert.equal(alice.deviceId, (await E2eeDevice.load({ store: storeA })).deviceId);
    assert.equal(bob.accountId, 'acct_bob');
    assert.deepEqual(bob.groupIds(), [groupId]);
    await roundTrip(alice, [bob], groupId, 'two');
    await roundTrip(bob, [alice], groupId, 'three');
    const update = await bob.proposeUpdate(groupId);
    await commitAndDeliver(bob, update, [alice]);
    bob = await E2eeDevice.load({ store: storeB });
    assert.equal(bob.epoch(groupId), 2n);
    await roundTrip(bob, [alice], groupId, 'four');
  });

  it('FileStateStore: atomic 0600 files, load from disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'safelight-e2ee-'));
    try {
      const store = new FileStateStore(join(dir, 'device'));
      const alice = await newDevice('acct_alice', store);
      const bob = await newDevice('acct_bob');
      const groupId = text('on-disk');
      await alice.createGroup(groupId);
      const add = await alice.proposeAdd(groupId, await bob.generateKeyPackages(1));
      await alice.applyPendingCommit(add);
      await bob.joinFromWelcome(add.welcome as Uint8Array);
      const reloaded = await E2eeDevice.load({ store: new FileStateStore(join(dir, 'device')) });
      await roundTrip(reloaded, [bob], groupId, 'from disk');
      const info = await stat(join(dir, 'device', 'e2ee-device'));
      assert.equal(info.mode & 0o777, 0o600);
      await store.delete('e2ee-device');
      assert.equal(await store.get('e2ee-device'), undefined);
      await assert.rejects(store.get('../escape'), rejectsWith('E2EE_INVALID_INPUT'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('competing commits: the server takes one, the loser drops its own and processes the winner', async () => {
    const { devices, groupId } = await setupGroup(['alice', 'bob', 'carol']);
    const [alice, bob, carol] = devices as [E2eeDevice, E2eeDevice, E2eeDevice];
    const dave = await newDevice('acct_dave');
    const alicePending = await alice.proposeUpdate(groupId);
    const bobPending = await bob.proposeAdd(groupId, await dave.generateKeyPackages(1));
    assert.equal(alicePending.epoch, bobPending.epoch);
    // The server accepted alice's (same epoch, first): bob's is rejected with WRONG_EPOCH.
    await commitAndDeliver(alice, alicePending, [bob, carol]);
    await assert.rejects(bob.applyPendingCommit(bobPending), rejectsWith('E2EE_WRONG_EPOCH'));
    assert.equal(bob.epoch(groupId), 2n);
    await roundTrip(bob, [alice, carol], groupId, 'after losing');
    // Bob retries on the new epoch and wins this time.
    const retry = await bob.proposeAdd(groupId, await dave.generateKeyPackages(1));
    assert.equal(retry.epoch, 2n);
    await commitAndDeliver(bob, retry, [alice, carol]);
    await dave.joinFromWelcome(retry.welcome as Uint8Array);
    // The server never delivers the losing commit's welcome; were it replayed, dave (already in
    // the group) refuses it.
    await assert.rejects(
      dave.joinFromWelcome(bobPending.welcome as Uint8Array),
      rejectsWith('E2EE_GROUP_EXISTS'),
    );
    await roundTrip(dave, [alice, bob, carol], groupId, 'dave is in');
  });

  describe('bad input leaves state unchanged', async () => {
    it('malformed, wrong group, wrong epoch, replay, unknown group', async () => {
      const storeBob = new MemoryStateStore();
      const alice = await newDevice('acct_alice');
      const bob = await newDevice('acct_bob', storeBob);
      const groupId = text('bad-inputs');
      const otherGroup = text('other-group');
      await alice.createGroup(groupId);
      await alice.createGroup(otherGroup);
      const kps = await bob.generateKeyPackages(2);
      for (const [i, g] of [groupId, otherGroup].entries()) {
        const add = await alice.proposeAdd(g, [kps[i] as Uint8Array]);
        await alice.applyPendingCommit(add);
        await bob.joinFromWelcome(add.welcome as Uint8Array);
      }
      const [strayKeyPackage] = await bob.generateKeyPackages(1);
      const persisted = await storeBob.get('e2ee-device');
      const good = await alice.encrypt(groupId, text('good'), tag(5));
      const forOther = await alice.encrypt(otherGroup, text('other'), tag(5));

      await assert.rejects(
        bob.process(groupId, new Uint8Array([1, 2, 3])),
        rejectsWith('E2EE_MALFORMED_MESSAGE'),
      );
      await assert.rejects(
        bob.process(groupId, good.subarray(0, good.length - 3)),
        rejectsWith('E2EE_MALFORMED_MESSAGE'),
      );
      await assert.rejects(bob.process(groupId, forOther), rejectsWith('E2EE_WRONG_GROUP'));
      await assert.rejects(bob.process(text('nope'), good), rejectsWith('E2EE_UNKNOWN_GROUP'));
      const tampered = good.slice();
      tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1; // inside the AEAD ciphertext
      await assert.rejects(bob.process(groupId, tampered), rejectsWith('E2EE_DECRYPT_FAILED'));
      await assert.rejects(
        bob.process(groupId, strayKeyPackage as Uint8Array),
        rejectsWith('E2EE_UNEXPECTED_MESSAGE'),
      );
      assert.deepEqual(await storeBob.get('e2ee-device'), persisted, 'nothing was written');

      // Epoch too new: alice moves on without telling bob.
      const update = await alice.proposeUpdate(groupId);
      await alice.applyPendingCommit(update);
      const tooNew = await alice.encrypt(groupId, text('from the future'), tag(6));
      await assert.rejects(bob.process(groupId, tooNew), rejectsWith('E2EE_WRONG_EPOCH'));

      // None of that changed bob: the good message still decrypts, then its replay is refused.
      const first = await bob.process(groupId, good);
      assert.equal(first.kind === 'application' && read(first.plaintext), 'good');
      await assert.rejects(bob.process(groupId, good), rejectsWith('E2EE_DECRYPT_FAILED'));
      const reloaded = await E2eeDevice.load({ store: storeBob });
      await assert.rejects(reloaded.process(groupId, good), rejectsWith('E2EE_DECRYPT_FAILED'));
      // And the commit is still processable, then the message from the new epoch.
      await bob.process(groupId, update.commit);
      const late = await bob.process(groupId, tooNew);
      assert.equal(late.kind === 'application' && read(late.plaintext), 'from the future');
      // Epoch too old: a commit for an epoch already passed.
      await assert.rejects(bob.process(groupId, update.commit), rejectsWith('E2EE_WRONG_EPOCH'));
    });

    it('messages older than the retained epochs are refused', async () => {
      const { devices, groupId } = await setupGroup(['alice', 'bob']);
      const [alice, bob] = devices as [E2eeDevice, E2eeDevice];
      const old = await alice.encrypt(groupId, text('old'), tag(7));
      for (let i = 0; i < 5; i++) await commitAndDeliver(alice, await alice.proposeUpdate(groupId), [bob]);
      await assert.rejects(bob.process(groupId, old), rejectsWith('E2EE_WRONG_EPOCH'));
      await roundTrip(alice, [bob], groupId, 'current');
    });

    it('our Authentication Service rejects a credential naming another device', async () => {
      const alice = await newDevice('acct_alice');
      const victim = await newDevice('acct_victim');
      const groupId = text('as-check');
      await alice.createGroup(groupId);
      // Mallory signs a key package with her own key but claims the victim's deviceId.
      const cipherSuite = await getCiphersuiteImpl('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519');
      const mallory = createDeviceIdentity();
      const forged = await generateKeyPackageWithKey({
        credential: credentialFor('acct_victim', victim.deviceId),
        signatureKeyPair: { signKey: mallory.privateKey, publicKey: mallory.publicKey },
        cipherSuite,
      });
      const forgedBytes = encode(mlsMessageEncoder, {
        wireformat: wireformats.mls_key_package,
        version: protocolVersions.mls10,
        keyPackage: forged.publicPackage,
      });
      await assert.rejects(alice.proposeAdd(groupId, [forgedBytes]), rejectsWith('E2EE_INVALID_CREDENTIAL'));
      const malformedIdentity = await generateKeyPackageWithKey({
        credential: { credentialType: 1, identity: text('no-slash-here') },
        signatureKeyPair: { signKey: mallory.privateKey, publicKey: mallory.publicKey },
        cipherSuite,
      });
      const malformedBytes = encode(mlsMessageEncoder, {
        wireformat: wireformats.mls_key_package,
        version: protocolVersions.mls10,
        keyPackage: malformedIdentity.publicPackage,
      });
      await assert.rejects(
        alice.proposeAdd(groupId, [malformedBytes]),
        rejectsWith('E2EE_INVALID_CREDENTIAL'),
      );

      // A group built with raw ts-mls and the testing AS holds a forged leaf; the welcome it sends
      // our device is refused when our AS validates the ratchet tree.
      const bob = await newDevice('acct_bob');
      const creatorKey = createDeviceIdentity();
      const creator = await generateKeyPackageWithKey({
        credential: credentialFor('acct_creator', creatorKey.deviceId),
        signatureKeyPair: { signKey: creatorKey.privateKey, publicKey: creatorKey.publicKey },
        cipherSuite,
      });
      const context = { cipherSuite, authService: unsafeTestingAuthenticationService };
      const raw = await createGroup({
        context,
        groupId: text('raw-group'),
        keyPackage: creator.publicPackage,
        privateKeyPackage: creator.privatePackage,
      });
      const bobKp = decode(mlsMessageDecoder, (await bob.generateKeyPackages(1))[0] as Uint8Array);
      assert.ok(bobKp && bobKp.wireformat === wireformats.mls_key_package);
      const commit = await createCommit({
        context,
        state: raw,
        ratchetTreeExtension: true,
        extraProposals: [
          { proposalType: defaultProposalTypes.add, add: { keyPackage: forged.publicPackage } },
          { proposalType: defaultProposalTypes.add, add: { keyPackage: bobKp.keyPackage } },
        ],
      });
      const welcome = encode(mlsMessageEncoder, commit.welcome!);
      await assert.rejects(bob.joinFromWelcome(welcome), rejectsWith('E2EE_INVALID_CREDENTIAL'));
      assert.equal(bob.unusedKeyPackageCount(), 1, 'the key package stays for a later, valid welcome');
    });

    it('a welcome for none of our key packages and garbage welcomes are refused', async () => {
      const { devices, groupId } = await setupGroup(['alice', 'bob']);
      const [alice] = devices as [E2eeDevice];
      const carol = await newDevice('acct_carol');
      const dave = await newDevice('acct_dave');
      const add = await alice.proposeAdd(groupId, await carol.generateKeyPackages(1));
      await assert.rejects(
        dave.joinFromWelcome(add.welcome as Uint8Array),
        rejectsWith('E2EE_NO_MATCHING_KEY_PACKAGE'),
      );
      await assert.rejects(
        dave.joinFromWelcome(new Uint8Array([0, 1, 0, 3, 9])),
        rejectsWith('E2EE_MALFORMED_MESSAGE'),
      );
      await assert.rejects(dave.joinFromWelcome(add.commit), rejectsWith('E2EE_UNEXPECTED_MESSAGE'));
    });
  });

  it('refuses to create over an existing device and to load garbage', async () => {
    const store = new MemoryStateStore();
    await newDevice('acct_alice', store);
    await assert.rejects(newDevice('acct_alice', store), rejectsWith('E2EE_INVALID_INPUT'));
    await assert.rejects(newDevice('bad/account'), rejectsWith('E2EE_INVALID_INPUT'));
    await store.set('e2ee-device', text('{"format":"nope"}'));
    await assert.rejects(E2eeDevice.load({ store }), rejectsWith('E2EE_STATE_CORRUPT'));
    await assert.rejects(
      E2eeDevice.load({ store: new MemoryStateStore() }),
      rejectsWith('E2EE_STATE_CORRUPT'),
    );
  });
});
