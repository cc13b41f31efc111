// Ask before send through the real delivery server (SQLite) and real client SDKs: a minor about to
// send an image the classifier flags is asked first (send / cancel / talk to someone you trust);
// a cancelled send makes no request at all, and the classifier's result never leaves the device.
// Only benign generated images are used. The "flagged" image is an ordinary drawing that a
// stand-in classifier scores high, as ordinary images play the known-harmful role in banks; the
// real bundled model runs on the benign landscape.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClientError, type SafeguardOptions, SafelightClient, SendCancelledError } from '@safelight/client';
import { MemoryStateStore } from '@safelight/e2ee';
import { type ImageClassifier, SEND_PROMPT_EN, type SendChoice, type SendPrompt } from '@safelight/safety';
import { createNodeImageClassifier } from '@safelight/safety/classifier/node';
import { BUNDLED_NSFWJS_MODEL, NsfwjsClassifier } from '@safelight/safety/classifier/nsfwjs';
import sharp from 'sharp';
import WebSocket from 'ws';
import { tempDir } from '../support/image-fixtures.js';
import { type RunningServer, startTestServer } from '../support/server.js';
import { Wire } from '../support/wire.js';

const LANDSCAPE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240">
  <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
    <stop offset="0" stop-color="#2a6fdb"/><stop offset="1" stop-color="#bfe3ff"/></linearGradient></defs>
  <rect width="320" height="240" fill="url(#sky)"/><circle cx="250" cy="60" r="28" fill="#ffd23f"/>
  <path d="M0 170 Q80 90 160 160 T320 150 L320 240 L0 240 Z" fill="#3f9b3a"/>
</svg>`;
const SHAPES_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="240">
  <rect width="240" height="240" fill="#fafafa"/><rect x="20" y="30" width="90" height="70" fill="#e4572e"/>
  <circle cx="160" cy="150" r="50" fill="#17bebb"/><polygon points="40,220 90,130 140,220" fill="#ffc914"/>
</svg>`;
const STAND_IN_SCORE = 0.93;

function birthDate(yearsAgo: number): string {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() - yearsAgo);
  d.setUTCDate(d.getUTCDate() - 10);
  return d.toISOString().slice(0, 10);
}

/** Scores the stand-in image high and everything else low; counts its calls. */
class StandInClassifier implements ImageClassifier {
  calls = 0;
  constructor(private readonly flagged: Uint8Array) {}
  async classify(image: Uint8Array | object) {
    this.calls++;
    const same = image instanceof Uint8Array && Buffer.compare(image, this.flagged) === 0;
    return { nudity: same ? STAND_IN_SCORE : 0.01 };
  }
}

/** The app's prompt: records each question and answers from a script. */
class ScriptedPrompt {
  readonly prompts: SendPrompt[] = [];
  readonly answers: SendChoice[] = [];
  readonly confirmSend = async (prompt: SendPrompt): Promise<SendChoice> => {
    this.prompts.push(prompt);
    const answer = this.answers.shift();
    if (!answer) throw new Error('the test did not expect a prompt');
    return answer;
  };
}

describe('ask before send (client SDK, minors)', () => {
  let server: RunningServer;
  let landscape: Uint8Array;
  let shapes: Uint8Array;
  const clients: SafelightClient[] = [];

  const register = async (
    handle: string,
    extra: { age?: number; safeguards?: SafeguardOptions; wire?: Wire } = {},
  ) => {
    const client = await SafelightClient.register({
      serverUrl: server.url,
      handle,
      store: new MemoryStateStore(),
      WebSocket: (extra.wire?.WebSocket ?? WebSocket) as never,
      ...(extra.wire ? { fetch: extra.wire.fetch } : {}),
      ...(extra.age === undefined ? {} : { dateOfBirth: birthDate(extra.age) }),
      ...(extra.safeguards === undefined ? {} : { safeguards: extra.safeguards }),
    });
    clients.push(client);
    return client;
  };
  /** A 14-year-old and a 14-year-old contact in one conversation. */
  const kidWithFriend = async (name: string, safeguards: SafeguardOptions, wire = new Wire()) => {
    const kid = await register(`ab_${name}`, { age: 14, safeguards, wire });
    const friend = await register(`ab_${name}_friend`, { age: 14 });
    await kid.requestContact(friend.accountId);
    await friend.acceptContact(kid.accountId);
    await kid.refreshSafeguards();
    const chat = await kid.createConversation([friend.accountId]);
    await friend.sync();
    return { kid, friend, chat, wire };
  };
  const cancelled = (choice: 'cancel' | 'get-help', index: number) => (error: unknown) =>
    error instanceof SendCancelledError &&
    error.code === 'SEND_CANCELLED_BY_USER' &&
    error.choice === choice &&
    error.attachmentIndex === index;

  before(async () => {
    server = await startTestServer({ dataDir: await tempDir('safelight-ask-') });
    landscape = new Uint8Array(await sharp(Buffer.from(LANDSCAPE_SVG)).jpeg().toBuffer());
    shapes = new Uint8Array(await sharp(Buffer.from(SHAPES_SVG)).png().toBuffer());
  });
  after(async () => {
    for (const client of clients) await client.close();
    await server.close();
  });

  it('cancel and "talk to someone you trust" send nothing: no request, nothing delivered', async () => {
    const prompt = new ScriptedPrompt();
    const classifier = new StandInClassifier(shapes);
    const { kid, friend, chat, wire } = await kidWithFriend('cancel', {
      classifier,
      confirmSend: prompt.confirmSend,
    });
    const requests = wire.requests.length;
    const frames = wire.frames.length;

    prompt.answers.push('cancel');
    await assert.rejects(
      kid.sendMessage(chat, { text: 'look', attachments: [{ bytes: shapes, mediaType: 'image/png' }] }),
      cancelled('cancel', 0),
    );
    // Two images, the flagged one second: the first is not uploaded either.
    prompt.answers.push('get-help');
    await assert.rejects(
      kid.sendMessage(chat, {
        text: 'and these',
        attachments: [
          { bytes: landscape, mediaType: 'image/jpeg' },
          { bytes: shapes, mediaType: 'image/png' },
        ],
      }),
      cancelled('get-help', 1),
    );
    assert.equal(wire.requests.length, requests, 'a cancelled send made a request');
    assert.equal(wire.frames.length, frames, 'a cancelled send wrote to the WebSocket');
    assert.equal(prompt.prompts.length, 2);
    assert.equal(prompt.prompts[0]?.reason, 'nudity');
    assert.equal(prompt.prompts[0]?.message, SEND_PROMPT_EN.nudity);
    assert.deepEqual(
      prompt.prompts[0]?.choices.map((c) => c.label),
      ["Don't send", 'Talk to someone you trust', 'Send anyway'],
    );
    assert.equal(classifier.calls, 3, 'each image was classified on the device');
    assert.equal(kid.history(chat).length, 0);
    await friend.sync();
    assert.equal(friend.history(chat).filter((m) => m.direction === 'in').length, 0);
  });

  it('"send anyway" delivers the image, and the score and the question never leave the device', async () => {
    const prompt = new ScriptedPrompt();
    const { kid, friend, chat, wire } = await kidWithFriend('send', {
      classifier: new StandInClassifier(shapes),
      confirmSend: prompt.confirmSend,
    });
    const requests = wire.requests.length;
    prompt.answers.push('send');
    await kid.sendMessage(chat, { text: 'ok', attachments: [{ bytes: shapes, mediaType: 'image/png' }] });
    assert.equal(prompt.prompts.length, 1);
    await friend.sync();
    const got = friend.history(chat).filter((m) => m.direction === 'in');
    assert.equal(got.length, 1);
    assert.deepEqual((await friend.fetchAttachment(got[0]!.attachments[0]!)).slice(), shapes.slice());
    // The send was the ordinary one (blob upload, message post), carrying nothing about the check.
    const later = wire.requests.slice(requests);
    assert.deepEqual(
      later.map((r) => `${r.method} ${r.path.replace(/\/[A-Za-z0-9_-]{20,}/g, '/:id')}`),
      ['POST /v1/blobs', 'POST /v1/groups/:id/messages'],
    );
    const sent = [...later.map((r) => r.body), ...wire.frames].join('\n').toLowerCase();
    for (const needle of ['nudity', String(STAND_IN_SCORE), 'send anyway', 'someone you trust'])
      assert.ok(!sent.includes(needle), `"${needle}" left the device`);
  });

  it('with the model missing, a minor is asked before every image; a benign one still goes on "send"', async () => {
    const missing = new NsfwjsClassifier({
      model: {
        ...BUNDLED_NSFWJS_MODEL,
        modelJson: () => import(new URL('./no-such-model.min.js', import.meta.url).href),
      },
    });
    const prompt = new ScriptedPrompt();
    const { kid, friend, chat } = await kidWithFriend('nomodel', {
      classifier: missing,
      confirmSend: prompt.confirmSend,
    });
    prompt.answers.push('send');
    await kid.sendMessage(chat, {
      text: 'view',
      attachments: [{ bytes: landscape, mediaType: 'image/jpeg' }],
    });
    assert.equal(prompt.prompts[0]?.reason, 'classifier-unavailable');
    assert.equal(prompt.prompts[0]?.message, SEND_PROMPT_EN['classifier-unavailable']);
    // Text alone is never asked about.
    await kid.sendMessage(chat, { text: 'just text' });
    assert.equal(prompt.prompts.length, 1);
    await friend.sync();
    assert.equal(friend.history(chat).filter((m) => m.direction === 'in').length, 2);
  });

  it('without a confirmSend hook a flagged image is refused, typed, before any request', async () => {
    const { kid, chat, wire } = await kidWithFriend('nohook', { classifier: new StandInClassifier(shapes) });
    const requests = wire.requests.length;
    await assert.rejects(
      kid.sendMessage(chat, { text: 'x', attachments: [{ bytes: shapes, mediaType: 'image/png' }] }),
      (error: unknown) => error instanceof ClientError && error.code === 'SEND_CONFIRMATION_REQUIRED',
    );
    assert.equal(wire.requests.length, requests);
    // checkOutgoing: the same decision for the UI, computed on the device.
    assert.deepEqual(await kid.checkOutgoing({ bytes: shapes, mediaType: 'image/png' }), {
      ask: true,
      reason: 'nudity',
      nudity: STAND_IN_SCORE,
    });
    assert.equal((await kid.checkOutgoing({ bytes: landscape, mediaType: 'image/jpeg' })).ask, false);
    assert.equal(wire.requests.length, requests, 'checkOutgoing made a request');
  });

  it('adults are never asked, even about a flagged image', async () => {
    const prompt = new ScriptedPrompt();
    const adult = await register('ab_adult', {
      safeguards: { classifier: new StandInClassifier(shapes), confirmSend: prompt.confirmSend },
    });
    const other = await register('ab_adult_other');
    const chat = await adult.createConversation([other.accountId]);
    await adult.sendMessage(chat, { text: 'x', attachments: [{ bytes: shapes, mediaType: 'image/png' }] });
    assert.equal(prompt.prompts.length, 0);
  });

  it('the real bundled model lets a benign landscape go without asking', async () => {
    const prompt = new ScriptedPrompt();
    const { kid, friend, chat } = await kidWithFriend('real', {
      classifier: createNodeImageClassifier(),
      confirmSend: prompt.confirmSend,
    });
    const decision = await kid.checkOutgoing({ bytes: landscape, mediaType: 'image/jpeg' });
    assert.equal(decision.ask, false, JSON.stringify(decision));
    assert.ok(typeof decision.nudity === 'number' && decision.nudity < 0.5);
    await kid.sendMessage(chat, {
      text: 'hills',
      attachments: [{ bytes: landscape, mediaType: 'image/jpeg' }],
    });
    assert.equal(prompt.prompts.length, 0);
    await friend.sync();
    assert.equal(friend.history(chat).filter((m) => m.direction === 'in').length, 1);
  });
});
