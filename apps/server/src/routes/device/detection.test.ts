// routes/device/detection.ts against a fake round-trip mode: everything around the mode comes in as
// parameters (no repository, no case code), challenges go through a ChallengeStore, and the HTTP
// answers (200 / 404 / 409 / 410 / 400) follow the store and the clock. The real modes run in
// tests/integration/detection*.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DetectionVerdict } from '@safelight/detection';
import Fastify, { type FastifyRequest } from 'fastify';
import { MemoryChallengeStore } from '../../detection/challenge-store.js';
import type { ServerDetectionMode } from '../../detection/mode.js';
import { ServerError } from '../../errors.js';
import { registerDetection } from './detection.js';

const enc = (text: string) => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const b64u = (text: string) => Buffer.from(text).toString('base64url');

/** A round-trip mode whose "state" is the payload text; an answer "yes" matches. */
const echoMode: ServerDetectionMode = {
  name: 'he-fuzzy',
  download: { mode: null },
  evaluate: async (payload, context) => {
    if (dec(payload) === 'bad')
      throw Object.assign(new Error('refused'), { code: 'HE_MALFORMED_CIPHERTEXT' });
    return {
      kind: 'challenge',
      bytes: enc(`challenge for ${dec(payload)}`),
      state: enc(JSON.stringify(context)),
    };
  },
  finish: async (state, answer) => {
    if (dec(answer) === 'garbage') throw Object.assign(new Error('bad'), { code: 'HE_MALFORMED_ANSWER' });
    const { accountId, conversationId, messageId } = JSON.parse(dec(state));
    return dec(answer) === 'yes'
      ? [{ mode: 'he-fuzzy', context: { accountId, conversationId, messageId }, bankEntryId: 'entry-1' }]
      : [];
  },
  answerTimeoutMs: 1_000,
  notes: [],
  close: async () => {},
};

async function app() {
  let clock = 10_000;
  const recorded: Array<[string, readonly DetectionVerdict[]]> = [];
  const server = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  server.decorateRequest('session', null);
  server.setErrorHandler((error: Error, _request, reply) => {
    const problem =
      error instanceof ServerError ? error : new ServerError('VALIDATION_FAILED', error.message);
    reply.status(problem.status).send(problem.toProblem());
  });
  const authenticate = async (request: FastifyRequest) => {
    const device = String(request.headers.authorization ?? '').replace(/^Bearer /, '');
    request.session = {
      deviceId: device,
      accountId: `account-of-${device}`,
      expiresAt: Number.MAX_SAFE_INTEGER,
    };
  };
  // As on the device plugin: one hook authenticates, the routes read the session.
  server.addHook('onRequest', authenticate);
  await registerDetection(server, {
    mode: echoMode,
    messageSentBy: async (_conversation, messageId, deviceId) => messageId.startsWith(deviceId),
    recordVerdicts: async (accountId, verdicts) => void recorded.push([accountId, verdicts]),
    challenges: new MemoryChallengeStore(),
    now: () => clock,
  });
  const post = async (device: string, url: string, payload: unknown) => {
    const response = await server.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${device}` },
      payload: payload as Record<string, unknown>,
    });
    return { status: response.statusCode, body: response.json() };
  };
  const evaluate = (device: string, messageId: string, text: string) =>
    post(device, '/v1/detection/evaluate', { conversationId: 'conv', messageId, payload: b64u(text) });
  const answer = (device: string, challengeId: string, text: string) =>
    post(device, '/v1/detection/he/answer', { challengeId, answer: b64u(text) });
  const tick = (ms: number) => {
    clock += ms;
  };
  return { server, recorded, evaluate, answer, tick };
}

describe('detection routes over a round-trip mode', () => {
  it('answers every payload with a challenge of the same shape and records only a matching answer', async () => {
    const { server, recorded, evaluate, answer } = await app();
    const one = await evaluate('dev1', 'dev1-message-1', 'image one');
    const two = await evaluate('dev1', 'dev1-message-2', 'image two');
    for (const reply of [one, two]) {
      assert.equal(reply.status, 200);
      assert.deepEqual(Object.keys(reply.body), ['accepted', 'challenge']);
      assert.match(reply.body.challenge.id, /^[A-Za-z0-9_-]{22}$/);
    }
    assert.equal(Buffer.from(one.body.challenge.bytes, 'base64url').toString(), 'challenge for image one');
    assert.deepEqual(await answer('dev1', one.body.challenge.id, 'no'), {
      status: 200,
      body: { accepted: true },
    });
    assert.deepEqual(recorded, []);
    assert.deepEqual(await answer('dev1', two.body.challenge.id, 'yes'), {
      status: 200,
      body: { accepted: true },
    });
    assert.deepEqual(recorded, [
      [
        'account-of-dev1',
        [
          {
            mode: 'he-fuzzy',
            context: { accountId: 'account-of-dev1', conversationId: 'conv', messageId: 'dev1-message-2' },
            bankEntryId: 'entry-1',
          },
        ],
      ],
    ]);
    await server.close();
  });

  it('404 for unknown or foreign challenges, 409 when repeated, 410 when late, 400 for a refused answer', async () => {
    const { server, recorded, evaluate, answer, tick } = await app();
    const code = (reply: { status: number; body: { code?: string; reason?: string } }) =>
      `${reply.status} ${reply.body.code}${reply.body.reason ? ` ${reply.body.reason}` : ''}`;
    assert.equal(code(await answer('dev1', 'A'.repeat(22), 'yes')), '404 DETECTION_CHALLENGE_UNKNOWN');
    const { body } = await evaluate('dev1', 'dev1-message-3', 'image');
    assert.equal(code(await answer('dev2', body.challenge.id, 'yes')), '404 DETECTION_CHALLENGE_UNKNOWN');
    assert.equal((await answer('dev1', body.challenge.id, 'no')).status, 200);
    assert.equal(code(await answer('dev1', body.challenge.id, 'yes')), '409 DETECTION_CHALLENGE_ANSWERED');

    const late = await evaluate('dev1', 'dev1-message-4', 'image');
    tick(1_000);
    const expired = await answer('dev1', late.body.challenge.id, 'yes');
    assert.equal(code(expired), '410 DETECTION_CHALLENGE_EXPIRED');
    assert.match(expired.body.detail, /expired/);

    const refused = await evaluate('dev1', 'dev1-message-5', 'image');
    assert.equal(
      code(await answer('dev1', refused.body.challenge.id, 'garbage')),
      '400 DETECTION_REFUSED HE_MALFORMED_ANSWER',
    );
    assert.equal(
      code(await answer('dev1', refused.body.challenge.id, 'yes')),
      '409 DETECTION_CHALLENGE_ANSWERED',
    );

    assert.equal(
      code(await evaluate('dev1', 'dev1-message-6', 'bad')),
      '400 DETECTION_REFUSED HE_MALFORMED_CIPHERTEXT',
    );
    assert.equal(code(await evaluate('dev1', 'dev2-message', 'image')), '404 NOT_FOUND');
    assert.deepEqual(recorded, []);
    await server.close();
  });
});
