// Detection wired into the messenger: for every registered mode, the sender's device hashes an
// image before encrypting it, the mode's client half prepares its payload, the server's half
// judges it, and a match opens a case in the moderation queue. Benign data only: the "known"
// image is a generated drawing placed in a bank.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SafelightClient } from '@safelight/client';
import { type DetectionModeInstance, detectionModes } from '@safelight/detection';
import { MemoryStateStore } from '@safelight/e2ee';
import { hashImageBytes } from '@safelight/media';
import { parsePdqHex } from '@safelight/pdq';
import WebSocket from 'ws';
import { drawing, nearDuplicate } from '../../packages/detection/src/test-support/fixtures.js';
import { tempDir } from '../support/image-fixtures.js';
import { moderationQueue, type RunningServer, startTestServer } from '../support/server.js';

const auditor = { id: 'audit-1', role: 'auditor', token: 'staff-token-auditor-001' } as const;

async function hashImage(bytes: Uint8Array) {
  const hashes = await hashImageBytes(bytes);
  return { pdq: parsePdqHex(hashes.pdq), quality: hashes.quality };
}

describe('detection modes in the send path open cases', async () => {
  const known = await drawing(1);
  const reshared = await nearDuplicate(known); // halved, cropped 1%, brightness +5%, JPEG q70
  const unrelated = await drawing(202);
  const { pdq } = await hashImage(known);
  const random = (i: number) => {
    const words = new Uint32Array(8);
    for (let w = 0; w < 8; w++) words[w] = (Math.imul(i + 1, 2654435761) ^ Math.imul(w + 7, 40503)) >>> 0;
    return words;
  };
  const bank = {
    bankName: 'TEST_KNOWN_IMAGES',
    entries: [
      ...Array.from({ length: 40 }, (_, i) => ({ id: `random-${i}`, pdq: random(i) })),
      { id: 'known-drawing', pdq },
    ],
  };

  for (const [name, factory] of Object.entries(detectionModes)) {
    if (!factory) continue;
    describe(name, { timeout: 120_000 }, () => {
      let instance: DetectionModeInstance;
      let server: RunningServer;
      let alice: SafelightClient;
      let bob: SafelightClient;
      // What the server answered alice's detection requests: it must not depend on the verdict.
      const evaluateAnswers: string[] = [];
      const recordingFetch: typeof fetch = async (input, init) => {
        const response = await globalThis.fetch(input, init);
        if (new URL(String(input)).pathname === '/v1/detection/evaluate')
          evaluateAnswers.push(`${response.status} ${await response.clone().text()}`);
        return response;
      };

      before(async () => {
        instance = await factory.setup({ bank });
        server = await startTestServer({
          dataDir: await tempDir(`safelight-detect-${name}-`),
          detection: instance.server,
          moderation: { staff: [auditor], sweepIntervalMs: 0 },
        });
        const register = (handle: string, detect: boolean) =>
          SafelightClient.register({
            serverUrl: server.url,
            handle,
            store: new MemoryStateStore(),
            WebSocket,
            ...(detect ? { detection: { detector: instance.client, hashImage }, fetch: recordingFetch } : {}),
          });
        alice = await register(`det_${name.replace(/-/g, '_')}_a`, true);
        bob = await register(`det_${name.replace(/-/g, '_')}_b`, false);
      });

      after(async () => {
        await Promise.all([alice?.close(), bob?.close()]);
        await server?.close();
        await instance?.close();
      });

      const cases = () => moderationQueue(server.url, auditor.token);

      it('an unrelated image opens nothing; a re-shared bank image opens a P1 case on the sender', async () => {
        const conversation = await alice.createConversation([bob.accountId]);
        await bob.sync();
        const errors: string[] = [];
        alice.on((event) => {
          if (event.type === 'detection-error') errors.push(event.reason);
        });
        await alice.sendMessage(conversation, {
          text: 'my drawing',
          attachments: [{ bytes: unrelated, mediaType: 'image/png' }],
        });
        assert.deepEqual(await cases(), []);
        await alice.sendMessage(conversation, {
          text: 'look at this',
          attachments: [{ bytes: reshared, mediaType: 'image/jpeg' }],
        });
        assert.deepEqual(errors, []);
        // The sender's device hears the same answer for the unrelated image and the bank image.
        // (client-match devices only report matches, so they send one request, the others two.)
        assert.equal(evaluateAnswers.length, name === 'client-match' ? 1 : 2);
        for (const answer of evaluateAnswers) assert.equal(answer, '200 {"accepted":true}');
        const opened = await cases();
        assert.equal(opened.length, 1);
        assert.equal(opened[0]?.subjectAccountId, alice.accountId);
        assert.equal(opened[0]?.priority, 'P1');
        // The message itself was delivered end to end encrypted as usual.
        await bob.sync();
        assert.equal(bob.history(conversation).filter((m) => m.direction === 'in').length, 2);
      });
    });
  }
});
