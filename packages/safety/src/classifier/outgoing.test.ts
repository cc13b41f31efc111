import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SafetyError } from '../errors.js';
import type { ImageClassifier, RgbaImage } from './index.js';
import { decideAskBeforeSend, SEND_PROMPT_EN, sendPrompt } from './outgoing.js';

// Scores stand in for the model here: the policy is what is under test (the real model runs in
// classifier.test.ts and tests/integration/ask-before-send.test.ts, on benign images only).
const image: RgbaImage = { width: 1, height: 1, data: new Uint8Array(4) };
const scoring = (nudity: number): ImageClassifier => ({ classify: async () => ({ nudity }) });
const broken: ImageClassifier = {
  classify: async () => {
    throw new SafetyError('SAFETY_CLASSIFIER_UNAVAILABLE', 'model', 'gone');
  },
};
const minorJpeg = { protectedMinor: true, mediaType: 'image/jpeg' };

describe('ask before send (decideAskBeforeSend)', () => {
  it('asks a minor at or above the threshold, not below', async () => {
    assert.deepEqual(await decideAskBeforeSend(minorJpeg, scoring(0.5), image), {
      ask: true,
      reason: 'nudity',
      nudity: 0.5,
    });
    assert.deepEqual(await decideAskBeforeSend(minorJpeg, scoring(0.49), image), {
      ask: false,
      reason: 'none',
      nudity: 0.49,
    });
    assert.equal((await decideAskBeforeSend(minorJpeg, scoring(0.3), image, 0.25)).ask, true);
  });

  it('asks for every image when the classifier is missing, failing or out of range', async () => {
    for (const classifier of [undefined, broken, scoring(Number.NaN), scoring(1.5)]) {
      assert.deepEqual(await decideAskBeforeSend(minorJpeg, classifier, image), {
        ask: true,
        reason: 'classifier-unavailable',
      });
    }
  });

  it('never asks an adult, nor about something that is not an image', async () => {
    let calls = 0;
    const counting: ImageClassifier = {
      classify: async () => {
        calls++;
        return { nudity: 1 };
      },
    };
    const adult = { protectedMinor: false, mediaType: 'image/png' };
    assert.deepEqual(await decideAskBeforeSend(adult, counting, image), { ask: false, reason: 'none' });
    const pdf = { protectedMinor: true, mediaType: 'application/pdf' };
    assert.deepEqual(await decideAskBeforeSend(pdf, counting, image), { ask: false, reason: 'none' });
    assert.equal(calls, 0, 'the classifier does not run when no question can follow');
    assert.equal(
      (await decideAskBeforeSend({ ...minorJpeg, mediaType: 'IMAGE/PNG' }, counting, image)).ask,
      true,
    );
  });

  it('refuses a threshold outside (0, 1] with a typed error naming the field', async () => {
    for (const threshold of [0, -1, 1.01, Number.NaN]) {
      await assert.rejects(
        decideAskBeforeSend(minorJpeg, scoring(0.9), image, threshold),
        (e: unknown) =>
          e instanceof SafetyError && e.code === 'THRESHOLDS_INVALID' && e.field === 'threshold',
      );
    }
  });

  it('builds the prompt with the three choices, the help path included', () => {
    const prompt = sendPrompt({ ask: true, reason: 'nudity', nudity: 0.9 }, 'image/jpeg', 2);
    assert.equal(prompt.message, SEND_PROMPT_EN.nudity);
    assert.equal(prompt.attachmentIndex, 2);
    assert.deepEqual(
      prompt.choices.map((c) => c.choice),
      ['cancel', 'get-help', 'send'],
    );
    assert.equal(prompt.choices[1]?.label, 'Talk to someone you trust');
    assert.ok(!('nudity' in prompt), 'the score is not part of what the UI gets');
    assert.throws(
      () => sendPrompt({ ask: false, reason: 'none' }, 'image/jpeg', 0),
      (e: unknown) => e instanceof SafetyError && e.code === 'SEND_PROMPT_INVALID',
    );
  });
});
