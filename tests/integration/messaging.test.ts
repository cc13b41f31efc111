// End to end over real loopback sockets: the delivery server (SQLite, its default) and three
// client SDK instances, each with its own persisted device store. Nothing is mocked.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ClientEvent, SafelightClient } from '@safelight/client';
import { type DeviceStateStore, MemoryStateStore } from '@safelight/e2ee';
import { FileStateStore } from '@safelight/e2ee/node';
import { verifyReport } from '@safelight/franking';
import pg from 'pg';
import WebSocket from 'ws';
import { noiseJpeg, tempDir } from '../support/image-fixtures.js';
import { postgresSkipReason, testDatabaseUrl } from '../support/postgres.js';
import { type PostgresOption, type RunningServer, startTestServer } from '../support/server.js';

async function dropSchema({ url, schema }: PostgresOption): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}

async function waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function texts(client: SafelightClient, conversationId: string, direction?: 'in' | 'out'): string[] {
  return client
    .history(conversationId)
    .filter((m) => direction === undefined || m.direction === direction)
    .map((m) => m.text);
}

const postgresSchema = `it_messaging_${process.pid}_${Date.now()}`;
const storages: Array<{ name: string; postgres?: PostgresOption; skip: () => Promise<string | false> }> = [
  { name: 'SQLite', skip: async () => false },
  {
    name: 'PostgreSQL',
    postgres: { url: testDatabaseUrl, schema: postgresSchema },
    skip: postgresSkipReason,
  },
];

for (const storage of storages) {
  describe(`E2EE messaging over the delivery server (${storage.name})`, async () => {
    const skipReason = await storage.skip();
    if (skipReason) {
      it('runs against this storage', { skip: skipReason }, () => {});
      return;
    }
    let dataDir: string;
    let server: RunningServer;
    let alice: SafelightClient;
    let bob: SafelightClient;
    let carol: SafelightClient;
    let carolDir: string;
    const rejected: ClientEvent[] = [];

    const register = async (handle: string, store: DeviceStateStore = new MemoryStateStore()) => {
      const client = await SafelightClient.register({ serverUrl: server.url, handle, store, WebSocket });
      client.on((event) => {
        if (event.type === 'rejected') rejected.push(event);
      });
      return client;
    };

    before(async () => {
      dataDir = await tempDir('safelight-it-');
      server = await startTestServer({ dataDir, postgres: storage.postgres });
      carolDir = await tempDir('safelight-carol-');
      alice = await register('alice');
      bob = await register('bob');
      carol = await register('carol', new FileStateStore(carolDir));
    });

    after(async () => {
      await Promise.all([alice?.close(), bob?.close(), carol?.close()]);
      await server?.close();
      if (storage.postgres) await dropSchema(storage.postgres);
    });

    it('one-to-one: text both ways, in order, with verifiable franks', async () => {
      const conversation = await alice.createConversation([bob.accountId]);
      await bob.sync();
      assert.deepEqual(bob.conversations(), [conversation]);
      await alice.sendMessage(conversation, { text: 'hi bob' });
      await alice.sendMessage(conversation, { text: 'are you coming to practice?' });
      await bob.sync();
      assert.deepEqual(texts(bob, conversation, 'in'), ['hi bob', 'are you coming to practice?']);
      await bob.sendMessage(conversation, { text: 'yes, at four' });
      await alice.sync();
      assert.deepEqual(texts(alice, conversation, 'in'), ['yes, at four']);

      // Bob reports Alice's second message: the moderator's keyring verifies exactly it.
      const [, second] = bob.history(conversation).filter((m) => m.direction === 'in');
      assert.ok(second);
      const evidence = bob.reportEvidence(conversation, second.messageId);
      const ok = verifyReport(server.frankingKeyring, evidence, { now: Date.now(), maxAgeMs: 60_000 });
      assert.deepEqual(ok, { ok: true, keyId: server.frankingKeyId });
      assert.equal(evidence.senderId, alice.accountId);
      const forged = verifyReport(
        server.frankingKeyring,
        { ...evidence, plaintext: new TextEncoder().encode('something alice never said') },
        { now: Date.now(), maxAgeMs: 60_000 },
      );
      assert.equal(forged.ok, false);
    });

    it('attachments: encrypted before upload, opened and checked by the recipient', async () => {
      const conversation = await alice.createConversation([bob.accountId]);
      await bob.sync();
      const image = await noiseJpeg(320, 240);
      await alice.sendMessage(conversation, {
        text: 'the poster',
        attachments: [{ bytes: image, mediaType: 'image/jpeg' }],
      });
      await bob.sync();
      const [received] = bob.history(conversation).filter((m) => m.direction === 'in');
      assert.ok(received?.attachments[0]);
      assert.deepEqual(Buffer.from(await bob.fetchAttachment(received.attachments[0])), Buffer.from(image));
      const evidence = bob.reportEvidence(conversation, received.messageId);
      assert.equal(
        verifyReport(server.frankingKeyring, evidence, { now: Date.now(), maxAgeMs: 60_000 }).ok,
        true,
      );
    });

    it('group of three: add, messages from everyone, remove, re-add', async () => {
      const group = await alice.createConversation([bob.accountId, carol.accountId]);
      await Promise.all([bob.sync(), carol.sync()]);
      await alice.sendMessage(group, { text: 'group: hello from alice' });
      await bob.sync();
      await bob.sendMessage(group, { text: 'group: hello from bob' });
      await carol.sync();
      await carol.sendMessage(group, { text: 'group: hello from carol' });
      await Promise.all([alice.sync(), bob.sync(), carol.sync()]);
      assert.deepEqual(texts(alice, group, 'in'), ['group: hello from bob', 'group: hello from carol']);
      assert.deepEqual(texts(carol, group, 'in'), ['group: hello from alice', 'group: hello from bob']);
      assert.equal(alice.members(group).length, 3);

      await bob.removeMembers(group, [carol.accountId]);
      await Promise.all([alice.sync(), carol.sync()]);
      assert.equal(alice.members(group).length, 2);
      await alice.sendMessage(group, { text: 'group: carol cannot read this' });
      await Promise.all([bob.sync(), carol.sync()]);
      assert.ok(texts(bob, group).includes('group: carol cannot read this'));
      assert.ok(!texts(carol, group).includes('group: carol cannot read this'));

      await alice.addMembers(group, [carol.accountId]);
      await Promise.all([bob.sync(), carol.sync()]);
      await bob.sendMessage(group, { text: 'group: welcome back carol' });
      await carol.sync();
      assert.ok(texts(carol, group).includes('group: welcome back carol'));
    });

    it('competing commits: one wins the epoch, the other retries on top of it', async () => {
      const group = await alice.createConversation([bob.accountId]);
      await bob.sync();
      let retries = 0;
      const stopCounting = [alice, bob].map((c) => c.on((e) => void (e.type === 'epoch-retry' && retries++)));
      // Alice's add and Bob's update are both made at the same epoch: exactly one can win it.
      await Promise.all([
        alice.addMembers(group, [carol.accountId]),
        bob.updateKeys(group),
        bob.sendMessage(group, { text: 'race' }),
      ]);
      for (const stop of stopCounting) stop();
      assert.ok(retries >= 1, 'one of the two commits lost the epoch and was retried');
      await Promise.all([alice.sync(), bob.sync(), carol.sync()]);
      await bob.removeMembers(group, [carol.accountId]);
      await alice.sync();
      await alice.sendMessage(group, { text: 'after the race' });
      await bob.sync();
      assert.ok(texts(bob, group).includes('after the race'));
      assert.equal(alice.members(group).length, 2);
      assert.deepEqual(texts(alice, group, 'in'), ['race']);
    });

    it('a member offline receives everything exactly once, in order, over push after reconnecting', async () => {
      const group = await alice.createConversation([bob.accountId, carol.accountId]);
      await Promise.all([bob.sync(), carol.sync()]);
      // Carol goes away; her device's state stays on disk.
      await carol.close();
      const sent: string[] = [];
      for (let i = 0; i < 12; i++) {
        const text = `offline message ${i}`;
        sent.push(text);
        await (i % 3 === 0 ? bob : alice).sendMessage(group, { text });
        if (i % 3 === 0) await alice.sync();
        else await bob.sync();
      }
      carol = await SafelightClient.open({
        serverUrl: server.url,
        store: new FileStateStore(carolDir),
        WebSocket,
      });
      await carol.connect();
      await waitFor(() => texts(carol, group, 'in').length >= sent.length, 'carol to receive the backlog');
      await carol.idle();
      assert.deepEqual(texts(carol, group, 'in'), sent);
      // Live push while connected.
      await alice.sendMessage(group, { text: 'live' });
      await waitFor(() => texts(carol, group, 'in').includes('live'), 'the pushed message');
      assert.equal(texts(carol, group, 'in').filter((t) => t === 'live').length, 1);
    });

    it('push and fetch delivering the same items at once still yield each message exactly once', async () => {
      const group = await alice.createConversation([carol.accountId]);
      await carol.sync();
      const sending = (async () => {
        for (let i = 0; i < 10; i++) await alice.sendMessage(group, { text: `overlap ${i}` });
      })();
      // Carol is connected for push (from the previous test) and also fetches over HTTP meanwhile.
      const deadline = Date.now() + 15_000;
      while (texts(carol, group, 'in').length < 10) {
        if (Date.now() > deadline) throw new Error(`carol has ${texts(carol, group, 'in').length} of 10`);
        await carol.sync();
        await new Promise((r) => setTimeout(r, 5));
      }
      await sending;
      await carol.idle();
      assert.deepEqual(
        texts(carol, group, 'in'),
        Array.from({ length: 10 }, (_, i) => `overlap ${i}`),
      );
    });

    it('a server restart in the middle of a conversation loses nothing', async () => {
      const group = await alice.createConversation([bob.accountId, carol.accountId]);
      await Promise.all([bob.sync(), carol.sync()]);
      await alice.sendMessage(group, { text: 'before restart 1' });
      await alice.sendMessage(group, { text: 'before restart 2' });
      await server.restart();
      await alice.sendMessage(group, { text: 'after restart' });
      await Promise.all([bob.sync(), carol.sync()]);
      for (const member of [bob, carol]) {
        assert.deepEqual(texts(member, group, 'in').slice(-3), [
          'before restart 1',
          'before restart 2',
          'after restart',
        ]);
      }
    });

    it('no item was rejected along the way', () => {
      assert.deepEqual(rejected, []);
    });
  });
}
