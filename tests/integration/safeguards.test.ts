// On-device safeguards through the real delivery server (SQLite) and real client SDKs: nudges on
// text a minor receives, blur decisions for images, the classifier fallback, and a check that
// nothing the safeguards find leaves the device (every fetch and WebSocket frame is recorded).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type SafeguardOptions, SafelightClient, type StoredMessage } from '@safelight/client';
import { MemoryStateStore } from '@safelight/e2ee';
import { NUDGE_CATEGORIES, NUDGE_RULES_EN } from '@safelight/safety';
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
  <rect width="320" height="240" fill="url(#sky)"/>
  <path d="M0 170 Q80 90 160 160 T320 150 L320 240 L0 240 Z" fill="#3f9b3a"/>
  <path d="M0 200 Q120 140 220 200 T320 190 L320 240 L0 240 Z" fill="#2d7a2a"/>
</svg>`;

function birthDate(yearsAgo: number): string {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() - yearsAgo);
  d.setUTCDate(d.getUTCDate() - 10);
  return d.toISOString().slice(0, 10);
}

async function waitFor(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('on-device safeguards in the client SDK', () => {
  let dataDir: string;
  let server: RunningServer;
  let landscape: Uint8Array;
  const clients: SafelightClient[] = [];
  const register = async (
    handle: string,
    extra: { dateOfBirth?: string; safeguards?: boolean | SafeguardOptions; wire?: Wire } = {},
  ) => {
    const client = await SafelightClient.register({
      serverUrl: server.url,
      handle,
      store: new MemoryStateStore(),
      WebSocket: (extra.wire?.WebSocket ?? WebSocket) as never,
      ...(extra.wire ? { fetch: extra.wire.fetch } : {}),
      ...(extra.dateOfBirth ? { dateOfBirth: extra.dateOfBirth } : {}),
      ...(extra.safeguards === undefined ? {} : { safeguards: extra.safeguards }),
    });
    clients.push(client);
    return client;
  };
  const received = (client: SafelightClient, conversationId: string) =>
    client.history(conversationId).filter((m) => m.direction === 'in');
  const lastIn = (client: SafelightClient, conversationId: string): StoredMessage => {
    const message = received(client, conversationId).at(-1);
    assert.ok(message);
    return message;
  };

  before(async () => {
    dataDir = await tempDir('safelight-safeguards-');
    server = await startTestServer({ dataDir });
    landscape = new Uint8Array(await sharp(Buffer.from(LANDSCAPE_SVG)).jpeg().toBuffer());
  });
  after(async () => {
    for (const client of clients) await client.close();
    await server.close();
  });

  it('turns on for minors from their band, off for adults, and can be forced or disabled', async () => {
    const adult = await register('sg_adult');
    assert.equal(adult.safeguardState.active, false);
    assert.equal(adult.safeguardState.band, 'adult');
    const teen = await register('sg_teen', { dateOfBirth: birthDate(14) });
    assert.equal(teen.safeguardState.active, true);
    assert.equal(teen.safeguardState.band, 'teen13to15');
    const off = await register('sg_teen_off', { dateOfBirth: birthDate(14), safeguards: false });
    assert.equal(off.safeguardState.active, false);
    const forced = await register('sg_adult_on', { safeguards: { enabled: true } });
    assert.equal(forced.safeguardState.active, true);
  });

  it("a 14-year-old gets nudges and blur on receipt; the classifier shows a contact's landscape; nothing leaves the device", async () => {
    const wire = new Wire();
    const kid = await register('sg_kid', {
      dateOfBirth: birthDate(14),
      wire,
      safeguards: { classifier: createNodeImageClassifier() },
    });
    const coach = await register('sg_coach');
    const stranger = await register('sg_stranger');
    // The kid asks first; the adult may answer. The stranger is never a contact.
    await kid.requestContact(coach.accountId);
    await coach.acceptContact(kid.accountId);
    await kid.refreshSafeguards();
    assert.ok(kid.safeguardState.contacts.has(coach.accountId));

    const events: StoredMessage[] = [];
    kid.on((event) => {
      if (event.type === 'message') events.push(event.message);
    });
    const requestsBefore = wire.requests.length;
    await kid.connect();
    const chat = await coach.createConversation([kid.accountId]);
    await coach.addMembers(chat, [stranger.accountId]); // the known gap: an adult added beside a minor
    await stranger.sync();
    await coach.sendMessage(chat, {
      text: "don't tell your mom about our chats",
      attachments: [{ bytes: landscape, mediaType: 'image/jpeg' }],
    });
    await coach.sendMessage(chat, { text: 'tell me about the science project' });
    await stranger.sendMessage(chat, {
      text: 'send me a pic, where do you live? add me on snapchat',
      attachments: [{ bytes: landscape, mediaType: 'image/jpeg' }],
    });
    await waitFor(() => received(kid, chat).length === 3, 'three messages at the kid');
    const [fromCoach, science, fromStranger] = received(kid, chat) as [
      StoredMessage,
      StoredMessage,
      StoredMessage,
    ];

    assert.deepEqual(
      fromCoach.nudges?.map((n) => n.category),
      ['secrecy'],
    );
    assert.equal(fromCoach.attachments[0]?.blur, false);
    assert.equal(science.nudges, undefined);
    assert.deepEqual(
      new Set(fromStranger.nudges?.map((n) => n.category)),
      new Set(['photo-request', 'location-request', 'move-platform']),
    );
    assert.equal(fromStranger.attachments[0]?.blur, true); // non-contact, media from contacts only
    assert.ok(fromStranger.nudges?.[0]?.actions.some((a) => a.label === 'Talk to someone you trust'));

    // Opening: the classifier runs on the device on the bytes the app downloads anyway.
    const opened = await kid.openAttachment(fromCoach, 0);
    assert.deepEqual(opened.bytes, landscape);
    assert.equal(opened.blur.blur, false, `landscape from a contact blurred: ${JSON.stringify(opened.blur)}`);
    assert.equal(typeof opened.blur.nudity, 'number');
    const strangers = await kid.openAttachment(fromStranger, 0);
    assert.deepEqual(strangers.blur, { blur: true, reason: 'non-contact' });

    // The sender's own copy carries nothing: nudges exist only on the minor's device.
    assert.ok(coach.history(chat).every((m) => m.nudges === undefined));

    // Nothing the safeguards found left the device, over HTTP or the WebSocket.
    const sent = wire.all().join('\n').toLowerCase();
    for (const needle of [
      'nudge',
      'blur',
      'nudity',
      'talk to someone',
      ...NUDGE_CATEGORIES,
      ...Object.values(NUDGE_RULES_EN.messages).map((m) => m.toLowerCase().slice(0, 40)),
    ]) {
      assert.ok(!sent.includes(needle.toLowerCase()), `"${needle}" was sent`);
    }
    // And no request happened because of them: after the setup, only the inbox protocol, key
    // package top-ups after the welcome, and one blob download per attachment the app opened.
    const later = wire.requests
      .slice(requestsBefore)
      .map((r) => `${r.method} ${r.path.replace(/\?.*$/, '')}`);
    const allowed = new Set(['GET /v1/inbox', 'POST /v1/inbox/ack', 'POST /v1/key-packages']);
    const blobs = later.filter((r) => r.startsWith('GET /v1/blobs/'));
    assert.equal(blobs.length, 2);
    assert.deepEqual(
      later.filter((r) => !allowed.has(r) && !r.startsWith('GET /v1/blobs/')),
      [],
    );
  });

  it('with the model missing, a 17-year-old taking media from everyone gets every non-contact image blurred, contacts shown', async () => {
    const broken = new NsfwjsClassifier({
      model: {
        ...BUNDLED_NSFWJS_MODEL,
        modelJson: () => import(new URL('./no-such-model.min.js', import.meta.url).href),
      },
    });
    const teen = await register('sg_teen17', {
      dateOfBirth: birthDate(17),
      safeguards: { classifier: broken },
    });
    assert.equal(await teen.updateSafetySetting('mediaFrom', 'everyone'), 'applied');
    const friend = await register('sg_friend');
    const other = await register('sg_other');
    await teen.requestContact(friend.accountId);
    await friend.acceptContact(teen.accountId);
    await teen.refreshSafeguards();
    assert.equal(teen.safeguardState.mediaFrom, 'everyone');

    const chat = await friend.createConversation([teen.accountId]);
    await friend.addMembers(chat, [other.accountId]);
    await other.sync();
    await friend.sendMessage(chat, {
      text: 'look',
      attachments: [{ bytes: landscape, mediaType: 'image/jpeg' }],
    });
    await other.sendMessage(chat, {
      text: 'hills',
      attachments: [{ bytes: landscape, mediaType: 'image/jpeg' }],
    });
    await teen.sync();
    const [fromFriend, fromOther] = received(teen, chat) as [StoredMessage, StoredMessage];
    assert.equal(fromOther.attachments[0]?.blur, true);
    assert.deepEqual((await teen.openAttachment(fromOther, 0)).blur, {
      blur: true,
      reason: 'classifier-unavailable',
    });
    assert.deepEqual((await teen.openAttachment(fromFriend, 0)).blur, { blur: false, reason: 'none' });
  });

  it('an adult gets no nudges and no blur', async () => {
    const adult = await register('sg_adult2');
    const sender = await register('sg_sender');
    const chat = await sender.createConversation([adult.accountId]);
    await sender.sendMessage(chat, {
      text: 'send me a pic',
      attachments: [{ bytes: landscape, mediaType: 'image/jpeg' }],
    });
    await adult.sync();
    const message = lastIn(adult, chat);
    assert.equal(message.nudges, undefined);
    assert.equal(message.attachments[0]?.blur, undefined);
  });
});
