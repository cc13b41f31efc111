// The metadata risk engine on live server events: minors blocking an account raise its score; at
// the restriction threshold the policy refuses its new contact with minors (naming the rule), and
// at the review threshold a case opens with the explanation. Metadata only: no message content.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SafelightClient } from '@safelight/client';
import { MemoryStateStore } from '@safelight/e2ee';
import WebSocket from 'ws';
import { tempDir } from '../support/image-fixtures.js';
import { moderationQueue, type RunningServer, startTestServer } from '../support/server.js';

const auditor = { id: 'audit-1', role: 'auditor', token: 'staff-token-auditor-001' } as const;
const thisYear = new Date().getUTCFullYear();

describe('risk engine on live events', () => {
  let server: RunningServer;
  const clients: SafelightClient[] = [];

  before(async () => {
    server = await startTestServer({
      dataDir: await tempDir('safelight-risk-'),
      moderation: { staff: [auditor], sweepIntervalMs: 0 },
      // Low thresholds so three blocks cross them; production defaults are 25 / 45 / 65.
      risk: { thresholds: { friction: 5, restriction: 10, review: 15 } },
    });
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server?.close();
  });

  const register = async (handle: string, age: number) => {
    const client = await SafelightClient.register({
      serverUrl: server.url,
      handle,
      store: new MemoryStateStore(),
      WebSocket,
      dateOfBirth: `${thisYear - age}-01-01`,
      safeguards: false,
    });
    clients.push(client);
    return client;
  };

  const cases = () => moderationQueue(server.url, auditor.token);

  it('blocks from minors restrict the account and open a review case with the signals that fired', async () => {
    const risky = await register('risk_seventeen', 17);
    const minors = await Promise.all([1, 2, 3, 4].map((i) => register(`risk_minor_${i}`, 14)));
    // Before: a 17-year-old may ask a 14-year-old to connect.
    await risky.requestContact(minors[0]!.accountId);
    for (const minor of minors.slice(0, 3)) await minor.block(risky.accountId);
    const deadline = Date.now() + 10_000;
    let opened: { caseId: string } | undefined;
    while (!opened && Date.now() < deadline) {
      opened = (await cases()).find((c) => c.subjectAccountId === risky.accountId);
      if (!opened) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(opened, 'a review case opened');
    const view = await fetch(`${server.url}/v1/mod/cases/${opened.caseId}`, {
      headers: { authorization: `Staff ${auditor.token}` },
    });
    const events = (
      (await view.json()) as { events: Array<{ type: string; source?: string; detail?: string }> }
    ).events;
    const match = events.find((e) => e.type === 'match');
    assert.equal(match?.source, 'signal');
    assert.match(match?.detail ?? '', /blocksFromMinors/);
    // After: restricted — no new contact with minors, and the refusal names the rule.
    await assert.rejects(
      risky.requestContact(minors[3]!.accountId),
      (error: unknown) =>
        (error as { details?: { rule?: string } }).details?.rule === 'RISK_RESTRICTED_MINOR_CONTACT',
    );
    // Only one review case however many more events arrive.
    await minors[3]!.block(risky.accountId);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await cases()).filter((c) => c.subjectAccountId === risky.accountId).length, 1);
  });
});
