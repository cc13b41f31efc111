// he-fuzzy's round trip across two server processes over one PostgreSQL database: the device's
// keys are registered with server A, A answers the payload with a challenge and stores its pending
// state, and the device's answer goes to server B, which finishes it from the stored state (and
// opens the case in the shared database). Both servers share a data folder, hence the key that
// seals pending states. Benign data only: the "known" image is a generated drawing in a bank.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SafelightClient } from '@safelight/client';
import { HeFuzzyClient, withHeader } from '@safelight/detection';
import { MemoryStateStore } from '@safelight/e2ee';
import type { DetectionDeployment } from '@safelight/server';
import pg from 'pg';
import WebSocket from 'ws';
import { detectionTestImages, hashImage } from '../support/detection-bank.js';
import { postAsDevice as post } from '../support/detection-http.js';
import { tempDir } from '../support/image-fixtures.js';
import { postgresSkipReason, testDatabaseUrl } from '../support/postgres.js';
import { moderationQueue, type RunningServer, startTestServer } from '../support/server.js';

const auditor = { id: 'audit-1', role: 'auditor', token: 'staff-token-auditor-001' } as const;
const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

const skip = await postgresSkipReason();
if (skip) console.warn(`# skipping the two-server he-fuzzy test: ${skip}`);

describe('he-fuzzy challenges are finished by whichever server gets the answer', {
  skip,
  timeout: 240_000,
}, async () => {
  const { reshared, unrelated, bank } = await detectionTestImages();
  let a: RunningServer;
  let b: RunningServer;
  let alice: SafelightClient;
  let token: string | undefined;
  let keys: HeFuzzyClient;
  const postgres = { url: testDatabaseUrl, schema: `it_he_two_${process.pid}_${Date.now()}` };

  before(async () => {
    const dataDir = await tempDir('safelight-he-two-servers-');
    const detection: DetectionDeployment = { mode: 'he-fuzzy', bank, he: { threads: 1 } };
    const moderation = { staff: [auditor], sweepIntervalMs: 0 };
    a = await startTestServer({ dataDir, postgres, detection, moderation });
    b = await startTestServer({ dataDir, postgres, detection, moderation });
    alice = await SafelightClient.register({
      serverUrl: a.url,
      handle: 'he_two_servers_a',
      store: new MemoryStateStore(),
      WebSocket,
      fetch: async (input, init) => {
        const authorization = new Headers(init?.headers).get('authorization');
        if (authorization) token = authorization.replace(/^Bearer /, '');
        return globalThis.fetch(input, init);
      },
    });
    const device = (await (await fetch(`${a.url}/v1/detection/device`)).json()) as { bucketBits: number };
    keys = await HeFuzzyClient.create({ bucketBits: device.bucketBits });
    // Keys live in server memory: registered with A only.
    assert.equal(
      (await post(`${a.url}/v1/detection/he/keys`, token as string, keys.registration)).status,
      201,
    );
  });

  after(async () => {
    keys?.close();
    await alice?.close();
    await b?.close();
    await a?.close();
    const client = new pg.Client({ connectionString: testDatabaseUrl });
    await client.connect();
    try {
      await client.query(`drop schema if exists ${postgres.schema} cascade`);
    } finally {
      await client.end();
    }
  });

  /** Evaluate on A, answer on B; returns what the device was told at each step. */
  async function acrossServers(image: Uint8Array) {
    const conversation = await alice.createConversation([]);
    const { messageId } = await alice.sendMessage(conversation, { text: 'a drawing' });
    const query = await keys.prepare({
      ...(await hashImage(image)),
      context: { accountId: alice.accountId, conversationId: conversation, messageId },
    });
    const evaluated = await post(`${a.url}/v1/detection/evaluate`, token as string, {
      conversationId: conversation,
      messageId,
      payload: b64u(withHeader('he-fuzzy', query as Uint8Array)),
    });
    assert.equal(evaluated.status, 200);
    const challenge = evaluated.body.challenge as { id: string; bytes: string };
    const answer = b64u(await keys.answer(Buffer.from(challenge.bytes, 'base64url')));
    const answered = await post(`${b.url}/v1/detection/he/answer`, token as string, {
      challengeId: challenge.id,
      answer,
    });
    const again = await post(`${a.url}/v1/detection/he/answer`, token as string, {
      challengeId: challenge.id,
      answer,
    });
    return { evaluated: evaluated.body.accepted, answered, again };
  }

  it('opens a case for the re-shared bank drawing and none for an unrelated one', async () => {
    const none = await acrossServers(unrelated);
    assert.deepEqual(none.answered, { status: 200, body: { accepted: true } });
    assert.deepEqual(await moderationQueue(a.url, auditor.token), []);

    const match = await acrossServers(reshared);
    assert.deepEqual(match.answered, { status: 200, body: { accepted: true } });
    const opened = await moderationQueue(a.url, auditor.token);
    assert.equal(opened.length, 1);
    assert.equal(opened[0]?.subjectAccountId, alice.accountId);
    assert.equal(opened[0]?.priority, 'P1');

    // The challenge B took is answered for A too (one store), and B never held the keys.
    for (const { again } of [none, match]) {
      assert.equal(again.status, 409);
      assert.equal(again.body?.code, 'DETECTION_CHALLENGE_ANSWERED');
    }
    const conversation = await alice.createConversation([]);
    const { messageId } = await alice.sendMessage(conversation, { text: 'to b' });
    const query = await keys.prepare({
      ...(await hashImage(unrelated)),
      context: { accountId: alice.accountId, conversationId: conversation, messageId },
    });
    const onB = await post(`${b.url}/v1/detection/evaluate`, token as string, {
      conversationId: conversation,
      messageId,
      payload: b64u(withHeader('he-fuzzy', query as Uint8Array)),
    });
    assert.equal(onB.status, 400);
    assert.equal(onB.body?.reason, 'HE_UNKNOWN_KEYS');
  });
});
