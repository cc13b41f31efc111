// The moderation service and the staff plugin on their own: matches through the one append path
// and its domain events, the Staff-token hook, the permission table behind every staff route,
// and the contract's response schemas filtering what a service returns.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DomainEvent } from './events.js';
import { startServer } from './server.js';
import { call, sqliteStorage, startTestServer } from './server.test-support.js';

const staff = {
  moderator: { id: 'mod-1', role: 'moderator', token: 'staff-token-moderator-1' },
  senior: { id: 'senior-1', role: 'senior-moderator', token: 'staff-token-senior-0001' },
  auditor: { id: 'audit-1', role: 'auditor', token: 'staff-token-auditor-001' },
} as const;

const as = (who: keyof typeof staff) => ({ authorization: `Staff ${staff[who].token}` });

describe('moderation service and staff routes', () => {
  let data: Awaited<ReturnType<typeof sqliteStorage.make>>;
  let running: Awaited<ReturnType<typeof startTestServer>>;
  const seen: DomainEvent[] = [];

  before(async () => {
    data = await sqliteStorage.make();
    running = await startTestServer(data, {
      moderation: { staff: Object.values(staff), sweepIntervalMs: 0 },
    });
    const { events } = running.server.context;
    events.subscribe('match.recorded', (event) => {
      seen.push(event);
    });
    events.subscribe('case.decided', (event) => {
      seen.push(event);
    });
  });
  after(async () => {
    await running?.server.close();
    await data?.cleanup();
  });

  it('records a match through the service: a P1 case, an audit entry, match.recorded after commit', async () => {
    const ctx = running.server.context;
    const caseId = await ctx.write((s) =>
      s.moderation.recordMatch({
        subjectAccountId: 'acct_subject_one',
        at: ctx.now(),
        source: 'hash-match',
        detail: 'test bank entry 1 at distance 0',
        audit: { bankEntryId: '1' },
      }),
    );
    await ctx.events.idle();
    assert.deepEqual(
      seen.map((e) => e.type === 'match.recorded' && [e.caseId, e.subjectAccountId, e.source]),
      [[caseId, 'acct_subject_one', 'hash-match']],
    );
    // A second match (the risk engine's, say) extends the same case.
    const again = await ctx.write((s) =>
      s.moderation.recordMatch({
        subjectAccountId: 'acct_subject_one',
        at: ctx.now(),
        source: 'signal',
        detail: 'risk score',
        audit: {},
      }),
    );
    assert.equal(again, caseId);
    const queue = await call(running.url, 'GET', '/v1/mod/cases', undefined, undefined, as('moderator'));
    assert.equal(queue.status, 200);
    const [listed] = queue.body.cases;
    assert.equal(listed.caseId, caseId);
    assert.equal(listed.priority, 'P1');
    assert.deepEqual(listed.sources, ['hash-match', 'signal']);
  });

  it('answers 401 problem+json without a staff token, whatever the route', async () => {
    for (const path of ['/v1/mod/cases', '/v1/mod/audit', '/v1/mod/transparency']) {
      const reply = await call(running.url, 'GET', path, undefined, 'a-bearer-token-is-not-staff');
      assert.equal(reply.status, 401, path);
      assert.equal(reply.body.code, 'UNAUTHENTICATED');
      assert.match(reply.body.detail, /Staff <token>/);
    }
  });

  it('checks every staff action against the permission table (403 FORBIDDEN naming it)', async () => {
    const [{ caseId }] = (
      await call(running.url, 'GET', '/v1/mod/cases', undefined, undefined, as('moderator'))
    ).body.cases;
    const refused = [
      ['moderator', 'GET', '/v1/mod/audit', /audit log/],
      ['moderator', 'GET', '/v1/mod/transparency', /transparency/],
      ['moderator', 'GET', `/v1/mod/cases/${caseId}/export`, /exported/],
      ['moderator', 'POST', `/v1/mod/cases/${caseId}/ncmec`, /NCMEC/],
      ['senior', 'POST', '/v1/mod/retention/sweep', /admins/],
    ] as const;
    for (const [who, method, path, detail] of refused) {
      const reply = await call(running.url, method, path, undefined, undefined, as(who));
      assert.equal(reply.status, 403, `${who} ${method} ${path}`);
      assert.equal(reply.body.code, 'FORBIDDEN');
      assert.match(reply.body.detail, detail);
    }
    assert.equal(
      (await call(running.url, 'GET', '/v1/mod/audit', undefined, undefined, as('auditor'))).status,
      200,
    );
  });

  it('escalation hides a case from moderators; a senior decides; case.decided is emitted', async () => {
    const ctx = running.server.context;
    const [{ caseId }] = (
      await call(running.url, 'GET', '/v1/mod/cases', undefined, undefined, as('moderator'))
    ).body.cases;
    const event = (who: keyof typeof staff, body: unknown) =>
      call(running.url, 'POST', `/v1/mod/cases/${caseId}/events`, body, undefined, as(who));
    const escalated = await event('moderator', {
      type: 'decide',
      decision: 'escalate',
      reason: 'needs a senior',
    });
    assert.equal(escalated.body.state.status, 'escalated');
    const hidden = await call(
      running.url,
      'GET',
      `/v1/mod/cases/${caseId}`,
      undefined,
      undefined,
      as('moderator'),
    );
    assert.equal(hidden.status, 403);
    const byModerator = await event('moderator', { type: 'decide', decision: 'suspend', reason: 'x' });
    assert.equal(byModerator.status, 403);
    const decided = await event('senior', { type: 'decide', decision: 'suspend', reason: 'confirmed' });
    assert.equal(decided.status, 200);
    assert.equal(decided.body.state.decision, 'suspend');
    await ctx.events.idle();
    assert.deepEqual(
      seen.filter((e) => e.type === 'case.decided').map((e) => e.type === 'case.decided' && e.decision),
      ['escalate', 'suspend'],
    );
  });

  it('sends only what the contract lists: a field a service adds is dropped', async () => {
    const extra = await sqliteStorage.make();
    const server = await startServer(
      {
        port: 0,
        storage: extra.storage,
        dataDir: extra.dataDir,
        logger: false,
        moderation: { staff: [staff.auditor] },
      },
      {
        services: {
          moderation: (service) =>
            Object.assign(Object.create(service) as typeof service, {
              listCases: async (...args: Parameters<typeof service.listCases>) =>
                (await service.listCases(...args)).map((c) => ({ ...c, internalNote: 'not for the wire' })),
            }),
        },
      },
    );
    try {
      const ctx = server.context;
      await ctx.write((s) =>
        s.moderation.recordMatch({
          subjectAccountId: 'acct_x',
          at: ctx.now(),
          source: 'mode',
          detail: 'd',
          audit: {},
        }),
      );
      assert.equal(
        ((await ctx.read().moderation.listCases(staff.auditor))[0] as { internalNote?: string })
          ?.internalNote,
        'not for the wire',
      );
      const queue = await call(
        server.url as string,
        'GET',
        '/v1/mod/cases',
        undefined,
        undefined,
        as('auditor'),
      );
      assert.equal(queue.status, 200);
      assert.equal(queue.body.cases.length, 1);
      assert.equal('internalNote' in queue.body.cases[0], false);
    } finally {
      await server.close();
      await extra.cleanup();
    }
  });
});
