// Detection provisioned to devices over HTTP, as `safelight serve --detection MODE` runs it: the
// server gets a deployment ({ mode, bank }) and builds the server half; an SDK client that knows
// nothing but the server's URL, its own key and what its build pins (the enclave measurement and
// platform key) builds the client half from GET /v1/detection/device. Then the same acceptance as
// tests/integration/detection.test.ts: an unrelated drawing opens nothing, a re-shared bank
// drawing opens a P1 case on the sender, and the sender hears the same answers either way. Plus
// what a hostile server, client or network can try per mode. Benign data only: the "known" image
// is a generated drawing placed in a bank.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SafelightClient } from '@safelight/client';
import { nodeDetectionModes } from '@safelight/client/node';
import {
  type DetectionModeName,
  HeFuzzyClient,
  measureMatcher,
  SoftwareAttestationPlatform,
  SoftwareAttestationVerifier,
  withHeader,
} from '@safelight/detection';
import { createDeviceIdentity, MemoryStateStore } from '@safelight/e2ee';
import type { DetectionDeployment } from '@safelight/server';
import WebSocket from 'ws';
import { detectionTestImages, hashImage } from '../support/detection-bank.js';
import { type DetectionAnswer as Answer, postAsDevice as post } from '../support/detection-http.js';
import { tempDir } from '../support/image-fixtures.js';
import { moderationQueue, type RunningServer, startTestServer } from '../support/server.js';

const auditor = { id: 'audit-1', role: 'auditor', token: 'staff-token-auditor-001' } as const;
/** Long enough for a loaded CI machine to answer, short enough to test expiry. */
const ANSWER_TIMEOUT_MS = 2_500;

/** A device's view of the wire: every detection request it made and what it was answered. */
class Wire {
  readonly exchanges: Array<{ path: string; status: number; body: string }> = [];
  token: string | undefined;
  /** Rewrites a response before the device sees it (a hostile network or server). */
  tamper: ((path: string, response: Response) => Promise<Response>) | undefined;

  readonly fetch: typeof fetch = async (input, init) => {
    const path = new URL(String(input)).pathname;
    const authorization = new Headers(init?.headers).get('authorization');
    if (authorization) this.token = authorization.replace(/^Bearer /, '');
    let response = await globalThis.fetch(input, init);
    if (this.tamper) response = await this.tamper(path, response);
    if (path.startsWith('/v1/detection/') && path !== '/v1/detection/psi/table') {
      this.exchanges.push({ path, status: response.status, body: await response.clone().text() });
    }
    return response;
  };

  of(path: string) {
    return this.exchanges.filter((e) => e.path === path);
  }
}

const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

describe('detection modes provisioned to SDK clients over HTTP', async () => {
  const { reshared, unrelated, bank } = await detectionTestImages();
  // What an enclave device's build pins: the measurement of the published matcher code and the
  // attestation platform's public key. The server is configured with the platform's secret.
  const platformSecretKey = new Uint8Array(randomBytes(32));
  const trustedEnclave = {
    verifier: new SoftwareAttestationVerifier([new SoftwareAttestationPlatform(platformSecretKey).publicKey]),
    allowedMeasurements: [measureMatcher({ radius: 31, qualityFloor: 50 })],
  };

  const modes: DetectionModeName[] = [
    'client-match',
    'psi-threshold',
    'he-fuzzy',
    'enclave',
    'server-plaintext',
  ];
  for (const mode of modes) {
    describe(mode, { timeout: 180_000 }, () => {
      let server: RunningServer;
      let alice: SafelightClient;
      let bob: SafelightClient;
      const wire = new Wire();
      const bobWire = new Wire();
      const identity = createDeviceIdentity();
      const handle = (name: string) => `prov_${mode.replace(/-/g, '_')}_${name}`;

      before(async () => {
        const detection: DetectionDeployment = {
          mode,
          bank,
          // t = 1 and no synthetic vouchers, so one matching image is revealed at once; one
          // worker thread: the test machine is small and shared.
          psi: { threshold: 1, syntheticRate: 0, threads: 1 },
          he: { answerTimeoutMs: ANSWER_TIMEOUT_MS },
          enclave: { platformSecretKey },
        };
        server = await startTestServer({
          dataDir: await tempDir(`safelight-prov-${mode}-`),
          detection,
          moderation: { staff: [auditor], sweepIntervalMs: 0 },
        });
        alice = await SafelightClient.register({
          serverUrl: server.url,
          handle: handle('a'),
          store: new MemoryStateStore(),
          WebSocket,
          identity,
          fetch: wire.fetch,
        });
        bob = await SafelightClient.register({
          serverUrl: server.url,
          handle: handle('b'),
          store: new MemoryStateStore(),
          WebSocket,
          fetch: bobWire.fetch,
        });
        // Everything the device gets from the server, checked against what it pins itself.
        // client-match runs on the SDK's default (browser) provisioners, as the web app does.
        const provisioned = await alice.provisionDetection({
          hashImage,
          ...(mode === 'client-match' ? {} : { modes: nodeDetectionModes }),
          signingKey: identity.privateKey,
          enclave: trustedEnclave,
        });
        assert.equal(provisioned, mode);
        assert.equal(alice.detectionMode, mode);
      });

      after(async () => {
        await Promise.all([alice?.close(), bob?.close()]);
        await server?.close();
      });

      const cases = () => moderationQueue(server.url, auditor.token);

      it('an unrelated image opens nothing; a near-duplicate of a bank image opens a P1 case; the sender hears the same', async () => {
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
        assert.deepEqual(errors, []);
        assert.deepEqual(await cases(), []);
        await alice.sendMessage(conversation, {
          text: 'look at this',
          attachments: [{ bytes: reshared, mediaType: 'image/jpeg' }],
        });
        assert.deepEqual(errors, []);
        const opened = await cases();
        assert.equal(opened.length, 1);
        assert.equal(opened[0]?.subjectAccountId, alice.accountId);
        assert.equal(opened[0]?.priority, 'P1');

        // What the sender was answered does not depend on the verdict. client-match devices only
        // report matches (one request); he-fuzzy answers every payload with a challenge (fresh
        // bytes, same shape) and every answer with the same body.
        const evaluated = wire.of('/v1/detection/evaluate');
        assert.equal(evaluated.length, mode === 'client-match' ? 1 : 2);
        if (mode === 'he-fuzzy') {
          const shapes = evaluated.map(({ status, body }) => {
            const parsed = JSON.parse(body) as {
              accepted: boolean;
              challenge: { id: string; bytes: string };
            };
            assert.match(parsed.challenge.id, /^[A-Za-z0-9_-]{22}$/);
            assert.ok(parsed.challenge.bytes.length > 1000);
            return `${status} ${JSON.stringify({ ...parsed, challenge: { id: '<id>', bytes: '<bytes>' } })}`;
          });
          assert.deepEqual(
            shapes,
            Array(2).fill('200 {"accepted":true,"challenge":{"id":"<id>","bytes":"<bytes>"}}'),
          );
          const answered = wire.of('/v1/detection/he/answer').map((e) => `${e.status} ${e.body}`);
          assert.deepEqual(answered, Array(2).fill('200 {"accepted":true}'));
        } else {
          for (const { status, body } of evaluated)
            assert.equal(`${status} ${body}`, '200 {"accepted":true}');
        }
        // The message itself was delivered end to end encrypted as usual.
        await bob.sync();
        assert.equal(bob.history(conversation).filter((m) => m.direction === 'in').length, 2);
      });

      it("refuses another mode's payload with a 4xx naming DETECTION_WRONG_MODE", async () => {
        const conversation = await alice.createConversation([]);
        const { messageId } = await alice.sendMessage(conversation, { text: 'no image' });
        const other = mode === 'enclave' ? 'client-match' : 'enclave';
        const reply = await post(`${server.url}/v1/detection/evaluate`, wire.token as string, {
          conversationId: conversation,
          messageId,
          payload: b64u(withHeader(other, new Uint8Array(200))),
        });
        assert.equal(reply.status, 400);
        assert.equal(reply.body?.code, 'DETECTION_REFUSED');
        assert.equal(reply.body?.reason, 'DETECTION_WRONG_MODE');
        assert.deepEqual(await cases().then((c) => c.length), 1, 'no new case');
      });

      if (mode === 'psi-threshold') {
        it('a device refuses a table that does not match the publication and sends no voucher', async () => {
          const carolWire = new Wire();
          const carol = await SafelightClient.register({
            serverUrl: server.url,
            handle: handle('c'),
            store: new MemoryStateStore(),
            WebSocket,
            fetch: carolWire.fetch,
          });
          try {
            // One element of the table flipped on the way (or served by a dishonest server).
            carolWire.tamper = async (path, response) => {
              if (path !== '/v1/detection/psi/table') return response;
              const bytes = new Uint8Array(await response.arrayBuffer());
              bytes[bytes.length - 7] = (bytes[bytes.length - 7] as number) ^ 0x01;
              return new Response(bytes, { status: response.status, headers: response.headers });
            };
            await assert.rejects(
              carol.provisionDetection({ hashImage, modes: nodeDetectionModes }),
              /PSI_PUBLICATION_MISMATCH.*table\.sha256/,
            );
            assert.equal(carol.detectionMode, undefined);
            const conversation = await carol.createConversation([]);
            await carol.sendMessage(conversation, {
              text: 'no detection without a verified table',
              attachments: [{ bytes: reshared, mediaType: 'image/jpeg' }],
            });
            assert.deepEqual(carolWire.of('/v1/detection/evaluate'), []);
          } finally {
            await carol.close();
          }
        });

        it('serves the table with the published digest as its ETag (304 when the device has it)', async () => {
          const device = (await (await fetch(`${server.url}/v1/detection/device`)).json()) as {
            publication: { table: { sha256: string } };
            table: { url: string; bytes: number };
          };
          const table = await fetch(server.url + device.table.url);
          assert.equal(table.headers.get('content-type'), 'application/octet-stream');
          assert.equal(table.headers.get('etag'), `"${device.publication.table.sha256}"`);
          assert.equal((await table.arrayBuffer()).byteLength, device.table.bytes);
          const again = await fetch(server.url + device.table.url, {
            headers: { 'if-none-match': `"${device.publication.table.sha256}"` },
          });
          assert.equal(again.status, 304);
        });
      }

      if (mode === 'he-fuzzy') {
        it('refuses keys under other BFV parameters with a 4xx naming HE_WRONG_PARAMETERS', async () => {
          const keys = await HeFuzzyClient.create({ bucketBits: 0 });
          try {
            const registration = keys.registration.slice();
            registration[5] = (registration[5] as number) ^ 0xff; // 'SLHK' | version | 8-byte fingerprint
            const reply = await post(
              `${server.url}/v1/detection/he/keys`,
              wire.token as string,
              registration,
            );
            assert.equal(reply.status, 400);
            assert.equal(reply.body?.code, 'DETECTION_REFUSED');
            assert.equal(reply.body?.reason, 'HE_WRONG_PARAMETERS');
          } finally {
            keys.close();
          }
        });

        it('answers for unknown, expired, repeated or foreign challenges get 4xx naming the problem', async () => {
          const token = wire.token as string;
          const unknown = await post(`${server.url}/v1/detection/he/answer`, token, {
            challengeId: b64u(new Uint8Array(randomBytes(16))),
            answer: 'AAAA',
          });
          assert.equal(unknown.status, 404);
          assert.equal(unknown.body?.code, 'DETECTION_CHALLENGE_UNKNOWN');

          // Raw protocol as alice's device: its own keys, a query for a message it sent.
          const device = (await (await fetch(`${server.url}/v1/detection/device`)).json()) as {
            bucketBits: number;
          };
          const keys = await HeFuzzyClient.create({ bucketBits: device.bucketBits });
          try {
            assert.equal(
              (await post(`${server.url}/v1/detection/he/keys`, token, keys.registration)).status,
              201,
            );
            const conversation = await alice.createConversation([]);
            const challenge = async () => {
              const { messageId } = await alice.sendMessage(conversation, { text: 'raw' });
              const signals = {
                ...(await hashImage(unrelated)),
                context: { accountId: alice.accountId, conversationId: conversation, messageId },
              };
              const query = await keys.prepare(signals);
              const reply = await post(`${server.url}/v1/detection/evaluate`, token, {
                conversationId: conversation,
                messageId,
                payload: b64u(withHeader('he-fuzzy', query as Uint8Array)),
              });
              assert.equal(reply.status, 200);
              assert.ok(reply.body.challenge);
              return reply.body.challenge;
            };

            // Answered once: fine; twice: already answered; by another device: unknown to it.
            const first = await challenge();
            const answer = b64u(await keys.answer(Buffer.from(first.bytes, 'base64url')));
            const foreign = await post(`${server.url}/v1/detection/he/answer`, bobWire.token as string, {
              challengeId: first.id,
              answer,
            });
            assert.equal(foreign.status, 404);
            assert.equal(foreign.body?.code, 'DETECTION_CHALLENGE_UNKNOWN');
            const ok = await post(`${server.url}/v1/detection/he/answer`, token, {
              challengeId: first.id,
              answer,
            });
            assert.deepEqual(ok, { status: 200, body: { accepted: true } });
            const repeated = await post(`${server.url}/v1/detection/he/answer`, token, {
              challengeId: first.id,
              answer,
            });
            assert.equal(repeated.status, 409);
            assert.equal(repeated.body?.code, 'DETECTION_CHALLENGE_ANSWERED');

            // Not answered in time: the evaluation ended without a verdict; a late answer is 410.
            const late = await challenge();
            await new Promise((resolve) => setTimeout(resolve, ANSWER_TIMEOUT_MS + 300));
            const expired = await post(`${server.url}/v1/detection/he/answer`, token, {
              challengeId: late.id,
              answer: b64u(await keys.answer(Buffer.from(late.bytes, 'base64url'))),
            });
            assert.equal(expired.status, 410);
            assert.equal(expired.body?.code, 'DETECTION_CHALLENGE_EXPIRED');
            assert.match(expired.body.detail ?? '', /expired/);

            // An answer naming another query ('SLHA' | version | 16-byte query id | u16 claims) is
            // the device's fault: 400 with the he-fuzzy code; the evaluation ends without a verdict.
            const third = await challenge();
            const otherQuery = new Uint8Array([...Buffer.from('SLHA'), 1, ...new Uint8Array(16), 0, 0]);
            const malformed = await post(`${server.url}/v1/detection/he/answer`, token, {
              challengeId: third.id,
              answer: b64u(otherQuery),
            });
            assert.equal(malformed.status, 400);
            assert.equal(malformed.body?.code, 'DETECTION_REFUSED');
            assert.equal(malformed.body?.reason, 'HE_MALFORMED_ANSWER');
          } finally {
            keys.close();
          }
          assert.equal((await cases()).length, 1, 'no new case');
        });
      }

      if (mode === 'he-fuzzy') {
        it('after a server restart (keys are kept in memory only) the device registers again and resends', async () => {
          await server.restart();
          const before = wire.exchanges.length;
          const errors: string[] = [];
          const stop = alice.on((event) => {
            if (event.type === 'detection-error') errors.push(event.reason);
          });
          const conversation = await alice.createConversation([]);
          await alice.sendMessage(conversation, {
            text: 'again',
            attachments: [{ bytes: reshared, mediaType: 'image/jpeg' }],
          });
          stop();
          assert.deepEqual(errors, []);
          const after = wire.exchanges.slice(before).map((e) => {
            const reason = (JSON.parse(e.body) as Answer)?.reason;
            return `${e.status} ${e.path}${reason ? ` ${reason}` : ''}`;
          });
          assert.deepEqual(after, [
            '400 /v1/detection/evaluate HE_UNKNOWN_KEYS',
            '201 /v1/detection/he/keys',
            '200 /v1/detection/evaluate',
            '200 /v1/detection/he/answer',
          ]);
          assert.equal((await cases()).length, 1, 'the match extends the sender’s case');
        });
      }

      if (mode === 'enclave') {
        it('a device refuses a matcher whose measurement its build does not allow', async () => {
          await assert.rejects(
            alice.provisionDetection({
              hashImage,
              modes: nodeDetectionModes,
              enclave: {
                ...trustedEnclave,
                allowedMeasurements: [measureMatcher({ radius: 30, qualityFloor: 50 })],
              },
            }),
            /DETECTION_MEASUREMENT_NOT_ALLOWED/,
          );
          await assert.rejects(
            alice.provisionDetection({ hashImage, modes: nodeDetectionModes }),
            /enclave\.verifier and enclave\.allowedMeasurements/,
          );
        });
      }
    });
  }

  it('a browser-only device is told which mode it cannot run', async () => {
    const server = await startTestServer({
      dataDir: await tempDir('safelight-prov-browser-'),
      detection: { mode: 'server-plaintext', bank },
    });
    try {
      const device = await SafelightClient.register({
        serverUrl: server.url,
        handle: 'prov_browser_a',
        store: new MemoryStateStore(),
        WebSocket,
      });
      await assert.rejects(
        device.provisionDetection({ hashImage }),
        (error: Error & { code?: string }) =>
          error.code === 'CLIENT_DETECTION_UNSUPPORTED' && /server-plaintext/.test(error.message),
      );
      await device.close();
    } finally {
      await server.close();
    }
  });

  it('refuses a deployment without a bank or with an unknown mode, naming the field', async () => {
    const dataDir = await tempDir('safelight-prov-bad-');
    await assert.rejects(
      startTestServer({
        dataDir,
        detection: { mode: 'psi-threshold', bank: { bankName: 'EMPTY', entries: [] } },
      }),
      /detection\.bank: psi-threshold needs a bank/,
    );
    await assert.rejects(
      startTestServer({ dataDir, detection: { mode: 'nonsense' as DetectionModeName, bank } }),
      /detection\.mode "nonsense" is not a detection mode/,
    );
  });
});
