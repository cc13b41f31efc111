// The canary: unique plaintext strings and an attachment go through the real server; afterwards
// nothing the server holds — its database files, its blob store, its log, and every byte it
// received on the wire — contains any of them, in clear or base64/base64url/hex encoded.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SafelightClient } from '@safelight/client';
import { MemoryStateStore } from '@safelight/e2ee';
import WebSocket from 'ws';
import { tempDir } from '../support/image-fixtures.js';
import { type RunningServer, startTestServer } from '../support/server.js';

/** A TCP pass-through that records every byte clients send to the server. */
async function recordingProxy(
  target: number,
): Promise<{ port: number; received: () => Buffer; close: () => Promise<void> }> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const proxy: Server = createTcpServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => chunks.push(Buffer.from(chunk)));
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    received: () => Buffer.concat(chunks),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        proxy.close(() => resolve());
      }),
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if ((await stat(path)).size > 0) out.push(path);
  }
  return out;
}

/** Every way a secret could appear in bytes we inspect. */
function encodings(secret: Buffer): Buffer[] {
  return [
    secret,
    Buffer.from(secret.toString('base64')),
    Buffer.from(secret.toString('base64url')),
    Buffer.from(secret.toString('hex')),
  ];
}

describe('canary: the server never holds plaintext', () => {
  let server: RunningServer;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let dataDir: string;
  const canaries = Array.from({ length: 4 }, () => `canary-${randomBytes(12).toString('hex')}`);
  // The attachment: recognisable random bytes (long enough that a chance match is impossible).
  const attachment = randomBytes(48 * 1024);

  before(async () => {
    dataDir = await tempDir('safelight-canary-');
    server = await startTestServer({ dataDir, captureLog: true });
    proxy = await recordingProxy(server.port);
    const serverUrl = `http://127.0.0.1:${proxy.port}`;
    const alice = await SafelightClient.register({
      serverUrl,
      handle: 'canary_alice',
      store: new MemoryStateStore(),
      WebSocket,
    });
    const bob = await SafelightClient.register({
      serverUrl,
      handle: 'canary_bob',
      store: new MemoryStateStore(),
      WebSocket,
    });
    await bob.connect();
    const conversation = await alice.createConversation([bob.accountId]);
    await bob.sync();
    for (const text of canaries.slice(0, 3)) await alice.sendMessage(conversation, { text });
    await alice.sendMessage(conversation, {
      text: canaries[3] as string,
      attachments: [{ bytes: attachment, mediaType: 'application/octet-stream' }],
    });
    await bob.sync();
    await bob.idle();
    // The canaries really went through: the recipient has them all and the attachment opens.
    const received = bob.history(conversation).filter((m) => m.direction === 'in');
    assert.deepEqual(
      received.map((m) => m.text),
      canaries,
    );
    const ref = received[3]?.attachments[0];
    assert.ok(ref);
    assert.deepEqual(Buffer.from(await bob.fetchAttachment(ref)), attachment);
    await Promise.all([alice.close(), bob.close()]);
    await server.close(); // flush the WAL and close files before we read them
  });

  after(async () => {
    await proxy?.close();
  });

  const secrets = () => [
    ...canaries.map((c) => Buffer.from(c)),
    attachment.subarray(0, 64),
    attachment.subarray(-64),
  ];

  it('the database files and blob store contain no canary', async () => {
    const files = await filesUnder(dataDir);
    // Positive control: what the server is meant to know (a handle) is found by the same scan.
    const all = Buffer.concat(await Promise.all(files.map((f) => readFile(f))));
    assert.ok(all.includes(Buffer.from('canary_alice')), 'the scan finds a handle the server does store');
    assert.ok(
      files.some((f) => /\.(db|sqlite)/.test(f)),
      `expected a database file under ${dataDir}: ${files.join(', ')}`,
    );
    for (const file of files) {
      const bytes = await readFile(file);
      for (const secret of secrets()) {
        for (const encoded of encodings(secret)) {
          assert.equal(bytes.includes(encoded), false, `${file} contains a canary`);
        }
      }
    }
  });

  it('the server log contains no canary', () => {
    const log = Buffer.from(server.log());
    assert.ok(log.length > 0, 'the log was captured');
    for (const secret of secrets()) {
      for (const encoded of encodings(secret))
        assert.equal(log.includes(encoded), false, 'log contains a canary');
    }
  });

  it('the bytes the server received contain no canary', () => {
    const wire = proxy.received();
    assert.ok(wire.length > attachment.length, 'the proxy saw the traffic');
    assert.ok(wire.includes(Buffer.from('canary_bob')), 'the scan finds a handle that was sent in clear');
    for (const secret of secrets()) {
      for (const encoded of encodings(secret))
        assert.equal(wire.includes(encoded), false, 'wire contains a canary');
    }
  });
});
