// Friction notices and conversation bursts through the real delivery server and real client SDKs,
// on SQLite and PostgreSQL. The risk engine runs on live metadata (blocks, contact requests, group
// creation and commits that add accounts); at the friction threshold every minor in touch with the
// account gets a safety notice with block and report actions, and the flagged account is told
// nothing. Thresholds are the production friction (25) with review lowered so a burst opens a case
// whose explanation can be read.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SafelightClient, type SafetyNotice } from '@safelight/client';
import { MemoryStateStore } from '@safelight/e2ee';
import pg from 'pg';
import WebSocket from 'ws';
import { tempDir } from '../support/image-fixtures.js';
import { postgresSkipReason, testDatabaseUrl } from '../support/postgres.js';
import {
  moderationQueue,
  type PostgresOption,
  type RunningServer,
  startTestServer,
} from '../support/server.js';

const auditor = { id: 'audit-fr', role: 'auditor', token: 'staff-token-auditor-fric' } as const;
const thisYear = new Date().getUTCFullYear();

async function dropSchema({ url, schema }: PostgresOption): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Lets the risk subscriber's assessments of earlier requests (domain events, after commit) finish. */
const settle = () => new Promise((r) => setTimeout(r, 400));

const storages: Array<{ name: string; postgres?: PostgresOption; skip: () => Promise<string | false> }> = [
  { name: 'SQLite', skip: async () => false },
  {
    name: 'PostgreSQL',
    postgres: { url: testDatabaseUrl, schema: `it_friction_${process.pid}_${Date.now()}` },
    skip: postgresSkipReason,
  },
];

for (const storage of storages) {
  describe(`friction notices and conversation bursts (${storage.name})`, async () => {
    const skipReason = await storage.skip();
    if (skipReason) {
      it('runs against this storage', { skip: skipReason }, () => {});
      return;
    }
    let server: RunningServer;
    const clients: SafelightClient[] = [];

    before(async () => {
      server = await startTestServer({
        dataDir: await tempDir('safelight-friction-'),
        postgres: storage.postgres,
        moderation: { staff: [auditor], sweepIntervalMs: 0 },
        risk: {
          // friction as in production; review (and restriction) at 31 so that only the burst
          // test's account (33) opens a case; the notice test's account peaks at 29.4.
          thresholds: { friction: 25, restriction: 31, review: 31 },
          // One conversation with a minor a day is free; each beyond it counts fully.
          weights: { minorBurstFree: 1, minorBurstScale: 1 },
        },
      });
    });
    after(async () => {
      await Promise.all(clients.map((c) => c.close()));
      await server?.close();
      if (storage.postgres) await dropSchema(storage.postgres);
    });

    const register = async (handle: string, age: number) => {
      const client = await SafelightClient.register({
        serverUrl: server.url,
        handle,
        store: new MemoryStateStore(),
        WebSocket,
        keyPackageStock: 3,
        dateOfBirth: `${thisYear - age}-01-01`,
        safeguards: false,
      });
      clients.push(client);
      return client;
    };
    const casesOn = async (accountId: string) =>
      (await moderationQueue(server.url, auditor.token)).filter((c) => c.subjectAccountId === accountId);

    it('minors in touch with a flagged account get a notice with block and report; nobody else does', async () => {
      const risky = await register('fr_risky17', 17);
      const contact = await register('fr_contact14', 14); // accepted contact, shares a conversation
      const asked = await register('fr_asked14', 14); // got a contact request from it
      const adult = await register('fr_adult', 35); // shares the conversation, but is an adult
      const unrelated = await register('fr_unrelated14', 14);
      const blockers = await Promise.all([1, 2, 3].map((i) => register(`fr_blocker14_${i}`, 14)));

      await risky.requestContact(contact.accountId);
      await contact.acceptContact(risky.accountId);
      await risky.createConversation([contact.accountId, adult.accountId]);
      await risky.requestContact(asked.accountId);
      await settle();
      // Before: a new account contacting minors scores 10, below friction (25): no notice.
      assert.deepEqual(await contact.safetyNotices(), []);
      assert.deepEqual(await asked.safetyNotices(), []);

      // Three minors block it: +19.4, over friction.
      for (const minor of blockers) await minor.block(risky.accountId);
      const notices = await eventually(
        () => contact.safetyNotices(),
        (n) => n.length > 0,
        'a notice for the contact',
      );
      assert.equal(notices.length, 1);
      const notice = notices[0] as SafetyNotice;
      assert.equal(notice.kind, 'risk-friction');
      assert.equal(notice.accountId, risky.accountId);
      assert.deepEqual(notice.relations, ['contact', 'conversation']);
      assert.deepEqual(
        notice.actions.map((a) => a.kind),
        ['block', 'report', 'talk-to-someone-you-trust'],
      );
      // The notice does not say why: no score, no signal names, no reporter.
      const text = JSON.stringify(notice);
      for (const leak of ['score', 'blocksFromMinors', 'points', ...blockers.map((b) => b.accountId)])
        assert.ok(!text.includes(leak), `notice carries ${leak}`);

      const toAsked = await asked.safetyNotices();
      assert.deepEqual(
        toAsked.map((n) => [n.accountId, n.relations]),
        [[risky.accountId, ['contact-request']]],
      );
      // The adult in the same conversation, an unrelated minor, the blockers (who acted already)
      // and the flagged account itself get nothing; nor is the flagged account told by a decision.
      assert.deepEqual(await adult.safetyNotices(), []);
      assert.deepEqual(await unrelated.safetyNotices(), []);
      for (const b of blockers) assert.deepEqual(await b.safetyNotices(), []);
      assert.deepEqual(await risky.safetyNotices(), []);
      assert.deepEqual(await risky.notices(), []);
      // Below review: no case.
      assert.deepEqual(await casesOn(risky.accountId), []);

      // The contact takes the notice's block action: the notice goes, though the group stays.
      await contact.block(risky.accountId);
      assert.deepEqual(await contact.safetyNotices(), []);
    });

    it('a burst of new conversations with minors is recorded, scored with its explanation and reaches friction', async () => {
      const adult = await register('fr_burst_adult', 40);
      const minors = await Promise.all([1, 2, 3].map((i) => register(`fr_burst_minor_${i}`, 14)));
      const adults = await Promise.all([1, 2, 3].map((i) => register(`fr_burst_other_${i}`, 30)));
      // The minors ask first; the adult may answer.
      for (const minor of minors) {
        await minor.requestContact(adult.accountId);
        await adult.acceptContact(minor.accountId);
      }
      // Conversations with adults are not with minors: no burst however many (below the general 10).
      for (const other of adults) await adult.createConversation([other.accountId]);
      await settle();
      // Age gap (10) + new account (10) = 20: below friction.
      assert.deepEqual(await minors[0]!.safetyNotices(), []);
      assert.deepEqual(await casesOn(adult.accountId), []);

      // Three new conversations with minors in a day: two beyond the free one, +13.0 -> 33.
      for (const minor of minors) await adult.createConversation([minor.accountId]);
      const cases = await eventually(
        () => casesOn(adult.accountId),
        (c) => c.length > 0,
        'a review case',
      );
      const view = await fetch(`${server.url}/v1/mod/cases/${cases[0]!.caseId}`, {
        headers: { authorization: `Staff ${auditor.token}` },
      });
      const events = ((await view.json()) as { events: Array<{ type: string; detail?: string }> }).events;
      const detail = events.find((e) => e.type === 'match')?.detail ?? '';
      assert.match(
        detail,
        /conversationBurstWithMinors \(\+13\.0: new conversations with minors in 24 hours \(1 free\)\)/,
      );
      // Conversations with adults were counted as conversations, not as bursts with minors.
      assert.doesNotMatch(detail, /conversationBurst \(/);

      const notices = await minors[2]!.safetyNotices();
      assert.deepEqual(
        notices.map((n) => [n.accountId, n.relations]),
        [[adult.accountId, ['contact', 'conversation']]],
      );
      assert.deepEqual(await adults[0]!.safetyNotices(), []);
      assert.deepEqual(await adult.safetyNotices(), []);
    });
  });
}
