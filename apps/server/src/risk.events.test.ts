import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DomainEvent } from './events.js';
import { createServer } from './server.js';
import { sqliteStorage, startTestServer, TestDevice, uniqueHandle } from './server.test-support.js';

/**
 * The risk engine as an event subscriber, in process: the safety service emits `contact.requested`
 * and `block.created` once the write commits, the subscriber re-scores the account concerned in a
 * write of its own (server.context.events.idle() waits for it), and a refused request emits
 * nothing. The engine's configuration is checked at start.
 */
describe('risk engine on domain events (in process)', () => {
  let data: Awaited<ReturnType<typeof sqliteStorage.make>>;
  let running: Awaited<ReturnType<typeof startTestServer>>;
  const seen: DomainEvent[] = [];

  before(async () => {
    data = await sqliteStorage.make();
    running = await startTestServer(data);
    for (const type of ['contact.requested', 'block.created', 'report.received'] as const)
      running.server.context.events.subscribe(type, (event) => void seen.push(event));
  });
  after(async () => {
    await running?.server.close();
    await data?.cleanup();
  });

  const account = async (prefix: string) => {
    const device = new TestDevice(running.url, uniqueHandle(prefix));
    assert.equal((await device.register()).status, 201);
    return device;
  };
  const verdict = (accountId: string) => running.server.context.read().safety.riskOf(accountId);
  const settled = () => running.server.context.events.idle();

  it('a contact request emits contact.requested and re-scores the requester', async () => {
    const [asker, asked] = [await account('ask'), await account('asked')];
    const reply = await asker.post('POST', '/v1/safety/contact-requests', { accountId: asked.accountId });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    await settled();
    assert.ok(
      seen.some(
        (e) =>
          e.type === 'contact.requested' &&
          e.fromAccountId === asker.accountId &&
          e.toAccountId === asked.accountId &&
          e.state === 'requested',
      ),
    );
    assert.ok(await verdict(asker.accountId), 'the requester has a stored verdict');
    assert.equal(await verdict(asked.accountId), undefined, 'the asked account is not re-scored');
  });

  it('a block emits block.created and re-scores the blocked account', async () => {
    const [blocker, blocked] = [await account('blocker'), await account('blocked')];
    const reply = await blocker.post('POST', '/v1/safety/blocks', { accountId: blocked.accountId });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.deepEqual(reply.body, { accountId: blocked.accountId, state: 'blocked' });
    await settled();
    assert.ok(seen.some((e) => e.type === 'block.created' && e.blockedAccountId === blocked.accountId));
    assert.ok(await verdict(blocked.accountId));
    assert.equal(await verdict(blocker.accountId), undefined);
  });

  it('a refused request emits nothing; a report.received event re-scores the subject', async () => {
    const [blocker, blocked] = [await account('refuser'), await account('refused')];
    assert.equal(
      (await blocker.post('POST', '/v1/safety/blocks', { accountId: blocked.accountId })).status,
      200,
    );
    await settled();
    const before = seen.length;
    const refused = await blocked.post('POST', '/v1/safety/contact-requests', {
      accountId: blocker.accountId,
    });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'POLICY_REFUSED');
    assert.equal(typeof refused.body.rule, 'string');
    await settled();
    assert.equal(seen.length, before);

    // report.received comes from the moderation service; the subscriber only needs the event.
    const subject = await account('reported');
    running.server.context.events.publish([
      {
        type: 'report.received',
        at: Date.now(),
        reportId: 'rep_test',
        caseId: 'case_test',
        reporterAccountId: blocker.accountId,
        subjectAccountId: subject.accountId,
      },
    ]);
    await settled();
    assert.ok(await verdict(subject.accountId));
  });

  it('answers only what the contract lists (GET /v1/safety/me)', async () => {
    const me = await account('me');
    const reply = await me.post('GET', '/v1/safety/me');
    assert.equal(reply.status, 200);
    assert.deepEqual(Object.keys(reply.body).sort(), [
      'accountId',
      'band',
      'declared',
      'parentLinked',
      'pendingApprovals',
      'settings',
    ]);
  });
});

describe('risk configuration', () => {
  it('refuses to start with thresholds that do not rise, naming the field', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'safelight-risk-config-'));
    try {
      await assert.rejects(
        createServer({
          storage: { kind: 'sqlite', dataDir },
          dataDir,
          logger: false,
          risk: { thresholds: { friction: 50, restriction: 10, review: 5 } },
        }),
        (error: unknown) => (error as { field?: string }).field === 'thresholds',
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
