// Detection wired into the messenger: for every registered mode, the sender's device hashes an
// image before encrypting it, the mode's client half prepares its payload, the server's half
// judges it, and a match opens a case in the moderation queue. Benign data only: the "known"
// image is a generated drawing placed in a bank.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SafelightClient } from '@safelight/client';
import { type DetectionModeInstance, detectionModes } from '@safelight/detection';
import { MemoryStateStore } from '@safelight/e2ee';
import WebSocket from 'ws';
import { detectionTestImages, hashImage } from '../support/detection-bank.js';
import { tempDir } from '../support/image-fixtures.js';
import { moderationQueue, type RunningServer, startTestServer } from '../support/server.js';

const auditor = { id: 'audit-1', role: 'auditor', token: 'staff-token-auditor-001' } as const;

describe('detection modes in the send path open cases', async () => {
  const { reshared, unrelated, bank } = await detectionTestImages();

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
