import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyReport } from '@safelight/franking';
import {
  b64u,
  call,
  type TestDevice as Device,
  messageId,
  startTestServer,
  TestDevice,
  type TestStorage,
  uniqueHandle,
} from './server.test-support.js';

/**
 * The core HTTP flow over real loopback sockets, run against every storage backend
 * (http.sqlite.test.ts, http.postgres.test.ts).
 */
export function describeDelivery(backend: TestStorage, options: { skip?: string | false } = {}): void {
  describe(`delivery server on ${backend.name}`, { skip: options.skip ?? false }, () => {
    let data: Awaited<ReturnType<TestStorage['make']>>;
    let running: Awaited<ReturnType<typeof startTestServer>>;
    const franking = { keyId: 'test-key-1', key: new Uint8Array(32).fill(9) };

    before(async () => {
      data = await backend.make();
      running = await startTestServer(data, { franking });
    });
    after(async () => {
      await running?.server.close();
      await data?.cleanup();
    });

    const device = (handle: string) => new TestDevice(running.url, uniqueHandle(handle));

    it('registers, logs in, and refuses a replayed challenge and a bad signature', async () => {
      const alice = device('alice');
      const registered = await alice.register();
      assert.equal(registered.status, 201);
      assert.match(registered.body.accountId, /^acct_[A-Za-z0-9_-]{22}$/);
      assert.equal(registered.body.deviceId, alice.deviceId);

      const challenge = await alice.challenge();
      const login = { deviceId: alice.deviceId, challenge, signature: alice.sign('login', challenge) };
      const first = await call(running.url, 'POST', '/v1/auth/login', login);
      assert.equal(first.status, 200);
      assert.ok(first.body.token && first.body.expiresAt > Date.now());
      const replay = await call(running.url, 'POST', '/v1/auth/login', login);
      assert.equal(replay.status, 401);
      assert.equal(replay.body.code, 'CHALLENGE_INVALID');

      const c2 = await alice.challenge();
      const wrongPurpose = await call(running.url, 'POST', '/v1/auth/login', {
        deviceId: alice.deviceId,
        challenge: c2,
        signature: alice.sign('register', c2),
      });
      assert.equal(wrongPurpose.body.code, 'BAD_SIGNATURE');
      // The failed attempt did not consume the challenge.
      const retry = await call(running.url, 'POST', '/v1/auth/login', {
        deviceId: alice.deviceId,
        challenge: c2,
        signature: alice.sign('login', c2),
      });
      assert.equal(retry.status, 200);

      const taken = await new TestDevice(running.url, alice.handle).register();
      assert.equal(taken.status, 409);
      assert.equal(taken.body.code, 'HANDLE_TAKEN');

      const me = await call(
        running.url,
        'GET',
        `/v1/accounts/by-handle/${alice.handle}`,
        undefined,
        first.body.token,
      );
      assert.deepEqual(me.body, {
        accountId: alice.accountId,
        handle: alice.handle,
        devices: [alice.deviceId],
      });
    });

    it('groups, commits with welcome, franked messages, fan-out, inbox, ack and idempotency', async () => {
      const alice = device('alice');
      const bob = device('bob');
      const bobPhone = new TestDevice(running.url, bob.handle);
      await alice.register();
      await bob.register();
      assert.equal((await bobPhone.addTo(bob)).status, 201);
      assert.equal((await bob.uploadKeyPackages(2)).status, 200);
      assert.equal((await bobPhone.uploadKeyPackages(1)).status, 200);

      const { groupId, reply } = await alice.createGroup();
      assert.equal(reply.status, 201);
      assert.equal((await alice.post('POST', '/v1/groups', { groupId })).body.code, 'GROUP_EXISTS');

      const claimed = await alice.post('POST', '/v1/key-packages/claim', { accountId: bob.accountId });
      assert.equal(claimed.status, 200);
      assert.deepEqual(
        claimed.body.keyPackages.map((k: { deviceId: string }) => k.deviceId).sort(),
        [bob.deviceId, bobPhone.deviceId].sort(),
      );
      const again = await alice.post('POST', '/v1/key-packages/claim', { accountId: bob.accountId });
      assert.equal(again.status, 409);
      assert.equal(again.body.code, 'KEY_PACKAGES_EXHAUSTED');
      assert.deepEqual(again.body.devices, [bobPhone.deviceId]);

      const add = await alice.makeAddCommit(claimed.body.keyPackages);
      const commitId = messageId();
      const commitBody = {
        messageId: commitId,
        commit: add.commit,
        welcome: add.welcome,
        addDevices: [bob.deviceId, bobPhone.deviceId],
      };
      const committed = await alice.post('POST', `/v1/groups/${groupId}/commits`, commitBody);
      assert.equal(committed.status, 200, JSON.stringify(committed.body));
      assert.deepEqual(committed.body, { seq: 1, epoch: 1 });
      alice.state = add.newState;
      const replayed = await alice.post('POST', `/v1/groups/${groupId}/commits`, commitBody);
      assert.deepEqual(replayed.body, { seq: 1, epoch: 1, duplicate: true });

      // A stale commit (made at epoch 0) loses.
      const stale = await alice.post('POST', `/v1/groups/${groupId}/commits`, {
        messageId: messageId(),
        commit: add.commit,
      });
      assert.equal(stale.status, 409);
      assert.equal(stale.body.code, 'WRONG_EPOCH');
      assert.equal(stale.body.currentEpoch, 1);

      const group = await bob.post('GET', `/v1/groups/${groupId}`);
      assert.equal(group.body.epoch, 1);
      assert.equal(group.body.members.length, 3);

      // Bob's phone is online over WebSocket; Bob's laptop is offline.
      const socket = await bobPhone.openSocket();
      socket.send({ type: 'subscribe', after: 0 });
      await socket.waitFor((s) => s.items().length >= 1);
      assert.equal(socket.items()[0].kind, 'welcome');
      assert.equal(socket.items()[0].payload, add.welcome);

      const sent = [];
      for (const text of ['first', 'second', 'third']) {
        const m = await alice.makeMessage(text);
        const id = messageId();
        const posted = await alice.post('POST', `/v1/groups/${groupId}/messages`, {
          messageId: id,
          message: m.message,
        });
        assert.equal(posted.status, 200, JSON.stringify(posted.body));
        sent.push({ ...m, id, answer: posted.body });
      }
      assert.deepEqual(
        sent.map((s) => s.answer.seq),
        [2, 3, 4],
      );
      const first = sent[0]!;
      const dup = await alice.post('POST', `/v1/groups/${groupId}/messages`, {
        messageId: first.id,
        message: first.message,
      });
      assert.deepEqual(dup.body, { ...first.answer, duplicate: true });
      const reused = await alice.post('POST', `/v1/groups/${groupId}/messages`, {
        messageId: first.id,
        message: sent[1]!.message,
      });
      assert.equal(reused.body.code, 'MESSAGE_ID_REUSED');

      // The frank verifies as a report would.
      const verdict = verifyReport(
        { [franking.keyId]: { key: franking.key, notAfter: Number.MAX_SAFE_INTEGER } },
        {
          plaintext: first.plaintext,
          attachments: [],
          frankingKey: first.frankingKey,
          tag: first.tag,
          frank: Buffer.from(first.answer.frank, 'base64url'),
          senderId: alice.accountId,
          conversationId: groupId,
          messageId: first.id,
          receivedAt: first.answer.receivedAt,
        },
        { now: Date.now(), maxAgeMs: 60_000 },
      );
      assert.deepEqual(verdict, { ok: true, keyId: franking.keyId });

      // Pushed to the phone as they committed.
      await socket.waitFor((s) => s.items().length >= 4);
      assert.deepEqual(
        socket
          .items()
          .slice(1)
          .map((i: { messageId: string }) => i.messageId),
        sent.map((s) => s.id),
      );
      assert.equal(socket.items()[1].frank, first.answer.frank);

      // The offline laptop fetches everything in order.
      const inbox = await bob.post('GET', '/v1/inbox?after=0&limit=2');
      assert.equal(inbox.status, 200);
      assert.equal(inbox.body.hasMore, true);
      const rest = await bob.post('GET', `/v1/inbox?after=${inbox.body.items[1].seq}`);
      const all = [...inbox.body.items, ...rest.body.items];
      assert.deepEqual(
        all.map((i: { kind: string }) => i.kind),
        ['welcome', 'application', 'application', 'application'],
      );
      assert.ok(all.every((item, i) => i === 0 || item.seq > all[i - 1].seq));
      const app = all[1];
      assert.equal(app.senderAccountId, alice.accountId);
      assert.equal(app.senderDeviceId, alice.deviceId);
      assert.equal(app.payload, first.message);

      // The sender's own device gets nothing back.
      assert.deepEqual((await alice.post('GET', '/v1/inbox')).body.items, []);

      // Ack deletes up to a seq (HTTP and WebSocket).
      const acked = await bob.post('POST', '/v1/inbox/ack', { upTo: all[1].seq });
      assert.deepEqual(acked.body, { deleted: 2 });
      assert.equal((await bob.post('GET', '/v1/inbox')).body.items.length, 2);
      socket.send({ type: 'ack', upTo: socket.items()[3].seq });
      await socket.waitFor((s) => s.frames.some((f) => f.type === 'acked'));
      assert.deepEqual((await bobPhone.post('GET', '/v1/inbox')).body.items, []);
      await socket.close();

      // An outsider cannot post or read.
      const eve = device('eve');
      await eve.register();
      const m = await alice.makeMessage('not for eve');
      const outsider = await eve.post('POST', `/v1/groups/${groupId}/messages`, {
        messageId: messageId(),
        message: m.message,
      });
      assert.equal(outsider.status, 403);
      assert.equal(outsider.body.code, 'NOT_A_MEMBER');
      assert.equal((await eve.post('GET', `/v1/groups/${groupId}`)).status, 403);
    });

    it('answers health, readiness, metrics and franking key metadata', async () => {
      assert.equal((await call(running.url, 'GET', '/healthz')).status, 200);
      assert.deepEqual((await call(running.url, 'GET', '/readyz')).body, { status: 'ready' });
      const keys = await call(running.url, 'GET', '/v1/franking/keys');
      assert.deepEqual(keys.body, { keys: [{ keyId: franking.keyId, current: true, notAfter: null }] });
      const metrics = await fetch(`${running.url}/metrics`).then((r) => r.text());
      assert.match(metrics, /safelight_messages_accepted_total\{kind="application"\} 3/);
      assert.match(metrics, /safelight_write_queue_depth 0/);
      assert.match(metrics, /safelight_http_requests_total/);
    });

    it('keeps everything across a restart on the same storage', async () => {
      const alice = device('alice');
      const bob = device('bob');
      await alice.register();
      await bob.register();
      await bob.uploadKeyPackages(1);
      const { groupId } = await alice.createGroup();
      const claimed = await alice.post('POST', '/v1/key-packages/claim', { accountId: bob.accountId });
      const add = await alice.makeAddCommit(claimed.body.keyPackages);
      await alice.post('POST', `/v1/groups/${groupId}/commits`, {
        messageId: messageId(),
        commit: add.commit,
        welcome: add.welcome,
        addDevices: [bob.deviceId],
      });
      alice.state = add.newState;
      const before = await alice.makeMessage('before restart');
      const beforeId = messageId();
      const beforeAnswer = await alice.post('POST', `/v1/groups/${groupId}/messages`, {
        messageId: beforeId,
        message: before.message,
      });
      assert.equal(beforeAnswer.status, 200);

      await running.server.close();
      running = await startTestServer(data, { franking });
      alice.url !== running.url && Object.assign(alice, { url: running.url });
      Object.assign(bob, { url: running.url });

      // Sessions, group epoch, inbox and idempotency answers all survived.
      const retried = await alice.post('POST', `/v1/groups/${groupId}/messages`, {
        messageId: beforeId,
        message: before.message,
      });
      assert.deepEqual(retried.body, { ...beforeAnswer.body, duplicate: true });
      const after = await alice.makeMessage('after restart');
      const afterAnswer = await alice.post('POST', `/v1/groups/${groupId}/messages`, {
        messageId: messageId(),
        message: after.message,
      });
      assert.equal(afterAnswer.status, 200);
      assert.equal(afterAnswer.body.seq, beforeAnswer.body.seq + 1);
      const inbox = await bob.post('GET', '/v1/inbox');
      assert.deepEqual(
        inbox.body.items.map((i: { kind: string }) => i.kind),
        ['welcome', 'application', 'application'],
      );
      assert.equal(inbox.body.items[1].payload, before.message);
    });
  });
}

export type { Device };

void b64u;
