// The unencrypted surfaces through the real server: display names and group names against a term
// list (with the normalisation that defeats leetspeak and spacing), profile photos and group
// avatars against a bank; a known image is refused and opens a case on the account.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SafelightClient } from '@safelight/client';
import { MemoryStateStore } from '@safelight/e2ee';
import { hashImageBytes } from '@safelight/media';
import { parsePdqHex } from '@safelight/pdq';
import WebSocket from 'ws';
import { drawing, nearDuplicate } from '../../packages/detection/src/test-support/fixtures.js';
import { tempDir } from '../support/image-fixtures.js';
import { moderationQueue, type RunningServer, startTestServer } from '../support/server.js';

const auditor = { id: 'audit-1', role: 'auditor', token: 'staff-token-auditor-001' } as const;

describe('unencrypted surfaces: names against term lists, images against banks', () => {
  let server: RunningServer;
  let alice: SafelightClient;
  let bob: SafelightClient;
  const known = drawing(1);

  before(async () => {
    const { pdq } = await hashImageBytes(await known);
    server = await startTestServer({
      dataDir: await tempDir('safelight-surfaces-'),
      moderation: { staff: [auditor], sweepIntervalMs: 0 },
      // Ordinary words stand in for a real term list.
      surfaces: {
        terms: ['pinecone'],
        bank: { bankName: 'TEST_KNOWN_IMAGES', entries: [{ id: 'known-drawing', pdq: parsePdqHex(pdq) }] },
      },
    });
    const register = (handle: string) =>
      SafelightClient.register({ serverUrl: server.url, handle, store: new MemoryStateStore(), WebSocket });
    alice = await register('surface_alice');
    bob = await register('surface_bob');
  });

  after(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await server?.close();
  });

  const cases = () => moderationQueue(server.url, auditor.token);

  it('refuses blocked terms in names, through leetspeak and spacing, naming the field', async () => {
    await assert.rejects(
      alice.updateProfile({ displayName: 'P1neC0ne fan' }),
      /403 POLICY_REFUSED: .*displayName contains a blocked term/,
    );
    await assert.rejects(
      alice.updateProfile({ displayName: 'ok', description: 'p i n e c o n e' }),
      /description/,
    );
    const ok = await alice.updateProfile({ displayName: 'Alice', description: 'likes pine trees and cones' });
    assert.equal(ok.displayName, 'Alice');
  });

  it('accepts an ordinary photo; refuses a re-shared bank image and opens a case on the account', async () => {
    const fine = await alice.updateProfile({ avatar: await drawing(303) });
    assert.match(String(fine.avatarBlobId), /^[0-9a-f]{64}$/);
    assert.deepEqual(await cases(), []);
    await assert.rejects(
      alice.updateProfile({ avatar: await nearDuplicate(await known) }),
      /403 POLICY_REFUSED/,
    );
    const [opened] = await cases();
    assert.equal(opened?.subjectAccountId, alice.accountId);
    assert.equal(opened?.priority, 'P1');
  });

  it('checks group names and avatars, for members only', async () => {
    const conversation = await alice.createConversation([bob.accountId]);
    await bob.sync();
    await assert.rejects(
      alice.updateGroupProfile(conversation, { name: 'The p-i-n-e-c-o-n-e club' }),
      /groupName/,
    );
    const named = await bob.updateGroupProfile(conversation, { name: 'Chess club' });
    assert.equal(named.name, 'Chess club');
    const carol = await SafelightClient.register({
      serverUrl: server.url,
      handle: 'surface_carol',
      store: new MemoryStateStore(),
      WebSocket,
    });
    await assert.rejects(carol.updateGroupProfile(conversation, { name: 'mine now' }), /403 NOT_A_MEMBER/);
    await carol.close();
  });
});
