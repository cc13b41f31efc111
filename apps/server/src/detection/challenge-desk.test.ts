import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChallengeDesk } from './challenge-desk.js';

/** An evaluator shaped like HeFuzzyServer's: async work, then one call to the answer channel. */
function evaluator(desk: ChallengeDesk, delayMs: number) {
  return async (challenge: string): Promise<string> => {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    const answer = await desk.channel(new TextEncoder().encode(challenge));
    return new TextDecoder().decode(answer);
  };
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (value: string) => new TextEncoder().encode(value);

describe('ChallengeDesk (the HTTP round trip of he-fuzzy)', () => {
  it('gives concurrent evaluations, also of one device, their own challenge and answer', async () => {
    const desk = new ChallengeDesk({ timeoutMs: 5_000 });
    const evaluate = evaluator(desk, 0);
    const results: string[] = [];
    // The slower evaluation starts first: challenges are matched by async context, not by order.
    const slow = evaluator(desk, 30);
    const first = desk.start('device-1', async () => void results.push(`first:${await slow('challenge-1')}`));
    const second = desk.start(
      'device-1',
      async () => void results.push(`second:${await evaluate('challenge-2')}`),
    );
    const [a, b] = await Promise.all([first, second]);
    assert.equal(text(a.bytes), 'challenge-1');
    assert.equal(text(b.bytes), 'challenge-2');
    assert.notEqual(a.id, b.id);
    await desk.answer('device-1', b.id, bytes('answer-2'));
    await desk.answer('device-1', a.id, bytes('answer-1'));
    assert.deepEqual(results.sort(), ['first:answer-1', 'second:answer-2']);
    assert.equal(desk.pending, 0);
  });

  it('names unknown, foreign, repeated and expired answers', async () => {
    const abandoned: unknown[] = [];
    const desk = new ChallengeDesk({ timeoutMs: 50, onAbandoned: (error) => abandoned.push(error) });
    const evaluate = evaluator(desk, 0);
    await assert.rejects(desk.answer('device-1', 'no-such-id', bytes('x')), {
      code: 'DETECTION_CHALLENGE_UNKNOWN',
    });
    const live = await desk.start('device-1', async () => void (await evaluate('c')));
    await assert.rejects(desk.answer('device-2', live.id, bytes('x')), {
      code: 'DETECTION_CHALLENGE_UNKNOWN',
    });
    await desk.answer('device-1', live.id, bytes('x'));
    await assert.rejects(desk.answer('device-1', live.id, bytes('x')), {
      code: 'DETECTION_CHALLENGE_ANSWERED',
    });
    const late = await desk.start('device-1', async () => void (await evaluate('c')));
    await new Promise((resolve) => setTimeout(resolve, 120));
    await assert.rejects(desk.answer('device-1', late.id, bytes('x')), {
      code: 'DETECTION_CHALLENGE_EXPIRED',
      message: /expired/,
    });
    assert.equal(desk.pending, 0, 'the expired entry was dropped');
    assert.equal(abandoned.length, 1);
    assert.match(String(abandoned[0]), /not answered within 50 ms/);
  });

  it("passes the evaluation's errors on: before the challenge to start(), after it to answer()", async () => {
    const desk = new ChallengeDesk({ timeoutMs: 5_000 });
    const refused = Object.assign(new Error('bad payload'), { code: 'HE_MALFORMED_CIPHERTEXT' });
    await assert.rejects(
      desk.start('device-1', async () => {
        throw refused;
      }),
      refused,
    );
    const evaluate = evaluator(desk, 0);
    const issued = await desk.start('device-1', async () => {
      if ((await evaluate('c')) !== 'good') throw new Error('HE_MALFORMED_ANSWER');
    });
    await assert.rejects(desk.answer('device-1', issued.id, bytes('bad')), /HE_MALFORMED_ANSWER/);
    // A channel call outside any evaluation has nobody to answer it.
    await assert.rejects(desk.channel(bytes('stray')), /outside an evaluate request/);
  });
});
