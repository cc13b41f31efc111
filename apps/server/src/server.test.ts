import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  b64u,
  call,
  messageId,
  sqliteStorage,
  startTestServer,
  TestDevice,
  uniqueHandle,
} from './server.test-support.js';

describe('delivery server: bad input, blobs, privacy, group commit (SQLite)', () => {
  let data: Awaited<ReturnType<typeof sqliteStorage.make>>;
  let running: Awaited<ReturnType<typeof startTestServer>>;
  let alice: TestDevice;
  let bob: TestDevice;
  let groupId: string;
  const SECRET = 'canary-plaintext-7f3a9c';

  before(async () => {
    data = await sqliteStorage.make();
    running = await startTestServer(data, { limits: { blobBytes: 64 * 1024, messageBytes: 256 * 1024 } });
    alice = new TestDevice(running.url, uniqueHandle('alice'));
    bob = new TestDevice(running.url, uniqueHandle('bob'));
    await alice.register();
    await bob.register();
    await bob.uploadKeyPackages(1);
    ({ groupId } = await alice.createGroup());
    const claimed = await alice.post('POST', '/v1/key-packages/claim', { accountId: bob.accountId });
    const add = await alice.makeAddCommit(claimed.body.keyPackages);
    const r = await alice.post('POST', `/v1/groups/${groupId}/commits`, {
      messageId: messageId(),
      commit: add.commit,
      welcome: add.welcome,
      addDevices: [bob.deviceId],
    });
    assert.equal(r.status, 200);
    alice.state = add.newState;
  });
  after(async () => {
    await running?.server.close();
    await data?.cleanup();
  });

  /** Posts, checks status and code, and checks that nothing changed (epoch, seq, inboxes). */
  async function refused(
    expect: { status: number; code: string },
    send: () => Promise<{ status: number; body: { code?: string; detail?: string } }>,
  ) {
    const before = await snapshot();
    const reply = await send();
    assert.equal(reply.status, expect.status, JSON.stringify(reply.body));
    assert.equal(reply.body?.code, expect.code, JSON.stringify(reply.body));
    assert.equal(typeof reply.body.detail, 'string');
    assert.deepEqual(await snapshot(), before);
    return reply;
  }
  async function snapshot() {
    const group = await alice.post('GET', `/v1/groups/${groupId}`);
    const inbox = await bob.post('GET', '/v1/inbox');
    const own = await alice.post('GET', '/v1/inbox');
    return { group: group.body, inbox: inbox.body, own: own.body };
  }
  const postMessage = (body: unknown, device = alice, group = groupId) =>
    device.post('POST', `/v1/groups/${group}/messages`, body);

  it('refuses malformed MLS bytes, wrong content types and a wrong group id', async () => {
    const garbage = b64u(randomBytes(100));
    await refused({ status: 400, code: 'MALFORMED_MESSAGE' }, () =>
      postMessage({ messageId: messageId(), message: garbage }),
    );
    const m = await alice.makeMessage('x');
    const truncated = b64u(Buffer.from(m.message, 'base64url').subarray(0, 20));
    await refused({ status: 400, code: 'MALFORMED_MESSAGE' }, () =>
      postMessage({ messageId: messageId(), message: truncated }),
    );
    const kp = await bob.makeKeyPackage();
    await refused({ status: 400, code: 'WRONG_CONTENT_TYPE' }, () =>
      postMessage({ messageId: messageId(), message: kp }),
    );
    await refused({ status: 400, code: 'WRONG_CONTENT_TYPE' }, () =>
      alice.post('POST', `/v1/groups/${groupId}/commits`, { messageId: messageId(), commit: m.message }),
    );
    // A message of this group posted under another group's URL.
    const saved = alice.state;
    const other = await alice.createGroup();
    alice.state = saved;
    assert.equal(other.reply.status, 201);
    const reply = await refused({ status: 400, code: 'GROUP_MISMATCH' }, () =>
      postMessage({ messageId: messageId(), message: m.message }, alice, other.groupId),
    );
    assert.match(reply.body.detail!, /message/);
  });

  it('requires the franking tag and the current epoch', async () => {
    const short = await alice.makeMessage('no tag', { aad: new Uint8Array(5) });
    await refused({ status: 400, code: 'MISSING_FRANKING_TAG' }, () =>
      postMessage({ messageId: messageId(), message: short.message }),
    );
    const none = await alice.makeMessage('no tag', { aad: new Uint8Array() });
    await refused({ status: 400, code: 'MISSING_FRANKING_TAG' }, () =>
      postMessage({ messageId: messageId(), message: none.message }),
    );
  });

  it('refuses schema violations naming the field, and invalid JSON', async () => {
    let r = await refused({ status: 400, code: 'VALIDATION_FAILED' }, () =>
      postMessage({ messageId: 'short', message: 'AAAA' }),
    );
    assert.match(r.body.detail!, /messageId/);
    r = await refused({ status: 400, code: 'VALIDATION_FAILED' }, () =>
      postMessage({ messageId: messageId() }),
    );
    assert.match(r.body.detail!, /message/);
    r = await refused({ status: 400, code: 'VALIDATION_FAILED' }, () =>
      postMessage({ messageId: messageId(), message: 'has padding==' }),
    );
    assert.match(r.body.detail!, /message/);
    await refused({ status: 400, code: 'INVALID_JSON' }, () =>
      call(running.url, 'POST', `/v1/groups/${groupId}/messages`, '{"messageId":', alice.token),
    );
    const handle = await call(running.url, 'POST', '/v1/accounts', {
      handle: 'NO CAPS',
      publicKey: 'AAAA',
      challenge: 'AAAA',
      signature: 'AAAA',
    });
    assert.equal(handle.body.code, 'VALIDATION_FAILED');
    assert.match(handle.body.detail, /handle/);
    const welcomeMissing = await alice.post('POST', `/v1/groups/${groupId}/commits`, {
      messageId: messageId(),
      commit: (await alice.makeAddCommit([])).commit,
      addDevices: [bob.deviceId],
    });
    assert.equal(welcomeMissing.body.code, 'VALIDATION_FAILED');
    assert.match(welcomeMissing.body.detail, /welcome/);
  });

  it('refuses oversize messages with 413', async () => {
    const big = b64u(randomBytes(300 * 1024));
    await refused({ status: 413, code: 'MESSAGE_TOO_LARGE' }, () =>
      postMessage({ messageId: messageId(), message: big }),
    );
  });

  it('answers 401 for missing, bad and unknown tokens, and 404 for unknown things', async () => {
    await refused({ status: 401, code: 'UNAUTHENTICATED' }, () =>
      call(running.url, 'GET', '/v1/inbox', undefined, undefined),
    );
    await refused({ status: 401, code: 'UNAUTHENTICATED' }, () =>
      call(running.url, 'GET', '/v1/inbox', undefined, b64u(randomBytes(32))),
    );
    await refused({ status: 404, code: 'DEVICE_NOT_FOUND' }, () =>
      call(running.url, 'POST', '/v1/auth/login', {
        deviceId: b64u(randomBytes(16)),
        challenge: b64u(randomBytes(32)),
        signature: b64u(randomBytes(64)),
      }),
    );
    await refused({ status: 404, code: 'ACCOUNT_NOT_FOUND' }, () =>
      alice.post('POST', '/v1/key-packages/claim', { accountId: `acct_${b64u(randomBytes(16))}` }),
    );
    await refused({ status: 404, code: 'ACCOUNT_NOT_FOUND' }, () =>
      alice.post('GET', '/v1/accounts/by-handle/nobody_here'),
    );
    const stranger = new TestDevice(running.url, uniqueHandle('stranger'));
    const strangerPackage = await stranger.makeKeyPackage();
    const add = await alice.makeAddCommit([{ deviceId: stranger.deviceId, keyPackage: strangerPackage }]);
    await refused({ status: 404, code: 'DEVICE_NOT_FOUND' }, () =>
      alice.post('POST', `/v1/groups/${groupId}/commits`, {
        messageId: messageId(),
        commit: add.commit,
        welcome: add.welcome,
        addDevices: [stranger.deviceId],
      }),
    );
    await refused({ status: 409, code: 'ALREADY_MEMBER' }, () =>
      alice.post('POST', `/v1/groups/${groupId}/commits`, {
        messageId: messageId(),
        commit: add.commit,
        welcome: add.welcome,
        addDevices: [bob.deviceId],
      }),
    );
    const unknownGroup = await alice.post('GET', `/v1/groups/${b64u(randomBytes(8))}`);
    assert.equal(unknownGroup.body.code, 'GROUP_NOT_FOUND');
    const ws = await alice.openSocket().then(
      () => 'opened',
      (e: Error) => e.message,
    );
    assert.equal(ws, 'opened');
    const bad = await new TestDevice(running.url, 'x').openSocket().then(
      () => 'opened',
      (e: Error) => e.message,
    );
    assert.match(bad, /401/);
  });

  it('accepts application messages over the WebSocket send frame, with the same checks as HTTP', async () => {
    const socket = await alice.openSocket();
    const inbox = await bob.openSocket();
    inbox.send({ type: 'subscribe', after: 0 });
    try {
      const id = messageId();
      const sent = await alice.makeMessage('over the socket');
      socket.send({ type: 'send', groupId, messageId: id, message: sent.message });
      await socket.waitFor((s) => s.frames.some((f) => f.type === 'sent' && f.messageId === id));
      const answer = socket.frames.find((f) => f.type === 'sent' && f.messageId === id);
      assert.equal(typeof answer.seq, 'number');
      assert.equal(typeof answer.frank, 'string');
      await inbox.waitFor((s) => s.items().some((item) => item.messageId === id));
      assert.equal(inbox.items().find((item) => item.messageId === id).payload, sent.message);

      // Replayed id with the same bytes: the original answer; with other bytes: refused.
      socket.send({ type: 'send', groupId, messageId: id, message: sent.message });
      const other = await alice.makeMessage('different bytes');
      socket.send({ type: 'send', groupId, messageId: id, message: other.message });
      socket.send({ type: 'send', groupId, messageId: 'x', message: sent.message });
      socket.send({ type: 'send', groupId, messageId: messageId(), message: b64u(randomBytes(40)) });
      await socket.waitFor(
        (s) => s.frames.filter((f) => f.messageId === id || f.messageId === 'x').length >= 4,
      );
      await socket.waitFor((s) => s.frames.filter((f) => f.type === 'send-error').length >= 3);
      const frames = socket.frames.filter((f) => f.type === 'sent' || f.type === 'send-error');
      const replay = frames.filter((f) => f.type === 'sent' && f.messageId === id);
      assert.equal(replay.length, 2);
      assert.equal(replay[1].duplicate, true);
      assert.equal(replay[1].seq, replay[0].seq);
      const codes = frames
        .filter((f) => f.type === 'send-error')
        .map((f) => f.error.code)
        .sort();
      assert.deepEqual(codes, ['MALFORMED_MESSAGE', 'MESSAGE_ID_REUSED', 'VALIDATION_FAILED']);
    } finally {
      await socket.close();
      await inbox.close();
    }
  });

  it('refuses key packages that are not the device key', async () => {
    const alicePackage = await alice.makeKeyPackage();
    await refused({ status: 400, code: 'INVALID_KEY_PACKAGE' }, () =>
      bob.post('POST', '/v1/key-packages', { keyPackages: [alicePackage] }),
    );
    await refused({ status: 400, code: 'MALFORMED_MESSAGE' }, () =>
      bob.post('POST', '/v1/key-packages', { keyPackages: [b64u(randomBytes(40))] }),
    );
  });

  it('stores blobs content-addressed, streams them back and refuses oversize ones', async () => {
    const bytes = randomBytes(50 * 1024);
    const upload = () =>
      fetch(`${running.url}/v1/blobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/octet-stream' },
        body: bytes,
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const first = await upload();
    assert.equal(first.status, 201);
    const blobId = createHash('sha256').update(bytes).digest('hex');
    assert.deepEqual(first.body, { blobId, size: bytes.length });
    assert.deepEqual((await upload()).body, first.body);
    const download = await fetch(`${running.url}/v1/blobs/${blobId}`, {
      headers: { authorization: `Bearer ${bob.token}` },
    });
    assert.equal(download.status, 200);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), bytes);
    const tooBig = await fetch(`${running.url}/v1/blobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/octet-stream' },
      body: randomBytes(65 * 1024),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as { code: string } }));
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.body.code, 'BLOB_TOO_LARGE');
    const missing = await fetch(`${running.url}/v1/blobs/${'0'.repeat(64)}`, {
      headers: { authorization: `Bearer ${bob.token}` },
    });
    assert.equal(missing.status, 404);
    // No partial files left behind.
    assert.deepEqual(await readdir(join(data.dataDir, 'blobs', 'tmp')), []);
  });

  it('group-commits concurrent messages: all acknowledged, in one order, fewer transactions than messages', async () => {
    const posts = [];
    for (let i = 0; i < 50; i++) {
      const m = await alice.makeMessage(`burst ${i}`);
      posts.push({ messageId: messageId(), message: m.message });
    }
    const answers = await Promise.all(posts.map((p) => postMessage(p)));
    assert.ok(answers.every((a) => a.status === 200));
    const seqs = answers.map((a) => a.body.seq).sort((a, b) => a - b);
    assert.equal(new Set(seqs).size, 50);
    assert.equal(seqs[49] - seqs[0], 49);
    const metrics = await fetch(`${running.url}/metrics`).then((r) => r.text());
    const count = Number(/safelight_write_batch_size_count (\d+)/.exec(metrics)?.[1]);
    const sum = Number(/safelight_write_batch_size_sum (\d+)/.exec(metrics)?.[1]);
    assert.ok(sum / count > 1, `mean batch ${sum / count}`);
  });

  it('never writes plaintexts or tokens to logs, and keeps the franking key private', async () => {
    const m = await alice.makeMessage(SECRET);
    assert.equal((await postMessage({ messageId: messageId(), message: m.message })).status, 200);
    const socket = await bob.openSocket();
    await socket.close();
    const log = running.logs.join('');
    assert.ok(log.includes('/v1/ws?token=[redacted]'));
    assert.ok(!log.includes(bob.token) && !log.includes(alice.token));
    assert.ok(!log.includes(SECRET));
    assert.ok(!log.includes(m.message.slice(0, 40)));
    const db = await readFile(join(data.dataDir, 'delivery.sqlite'));
    const wal = await readFile(join(data.dataDir, 'delivery.sqlite-wal')).catch(() => Buffer.alloc(0));
    for (const file of [db, wal]) {
      assert.ok(!file.includes(SECRET));
      assert.ok(!file.includes(alice.token));
    }
    const key = await stat(join(data.dataDir, 'franking-key'));
    assert.equal(key.mode & 0o777, 0o600);
  });

  it('serves OpenAPI and the docs page, and a 404 in our error shape', async () => {
    const spec = await call(running.url, 'GET', '/openapi.json');
    assert.equal(spec.status, 200);
    assert.equal(spec.body.openapi, '3.0.3');
    for (const path of [
      '/v1/accounts',
      '/v1/groups/{groupId}/commits',
      '/v1/groups/{groupId}/messages',
      '/v1/inbox',
    ]) {
      assert.ok(spec.body.paths[path], path);
    }
    const docs = await fetch(`${running.url}/docs`, { redirect: 'follow' });
    assert.equal(docs.status, 200);
    const missing = await call(running.url, 'GET', '/v1/nothing');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'NOT_FOUND');
  });
});
