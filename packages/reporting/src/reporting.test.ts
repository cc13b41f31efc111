import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFrankingTag, type FrankingReport, stampFrank } from '@safelight/franking';
import { chainAuditEntry, verifyAuditChain } from './audit.js';
import { derivePriority } from './categories.js';
import { ReportingError } from './errors.js';
import { verifyUserReport } from './intake.js';
import {
  authorize,
  authorizeEvent,
  type CaseEvent,
  may,
  ROLES,
  reduceCase,
  type STAFF_ACTIONS,
} from './moderation.js';

const serverKey = { keyId: 'k1', key: new Uint8Array(32).fill(3) };
const keyring = { k1: { key: serverKey.key, notAfter: Number.MAX_SAFE_INTEGER } };
const utf8 = new TextEncoder();

function sentMessage(
  text: string,
  messageId: string,
  receivedAt: number,
  senderId = 'acct_sender',
): FrankingReport {
  const plaintext = utf8.encode(text);
  const { frankingKey, tag } = createFrankingTag({ plaintext, attachments: [] });
  const context = { senderId, conversationId: 'conv1', messageId, receivedAt };
  return {
    plaintext,
    attachments: [],
    frankingKey,
    tag,
    frank: stampFrank(serverKey, { tag, ...context }),
    ...context,
  };
}

const code = (e: unknown) => (e instanceof ReportingError ? e.code : undefined);

describe('report intake', () => {
  const now = 1_800_000_000_000;
  const context = sentMessage('want to play later?', 'm1', now - 3000);
  const reported = sentMessage('send me a photo', 'm2', now - 2000);

  it('verifies every message of a genuine report and names the subject', async () => {
    const intake = await verifyUserReport(
      { reporterAccountId: 'acct_child', messages: [context, reported] },
      { keyring, now },
    );
    assert.equal(intake.subjectAccountId, 'acct_sender');
    assert.equal(intake.verifiedCount, 2);
    assert.deepEqual(
      intake.messages.map((m) => m.verification.verified),
      [true, true],
    );
  });

  it('keeps but marks forged, modified and swapped parts', async () => {
    const modified = { ...reported, plaintext: utf8.encode('something else') };
    const forgedFrank = {
      ...reported,
      frank: stampFrank({ keyId: 'k1', key: new Uint8Array(32).fill(9) }, reported),
    };
    const otherSender = { ...reported, senderId: 'acct_someone_else' };
    const intake = await verifyUserReport(
      { reporterAccountId: 'acct_child', messages: [context, modified, forgedFrank, otherSender] },
      { keyring, now },
    );
    assert.deepEqual(
      intake.messages.map((m) => (m.verification.verified ? 'ok' : m.verification.reason)),
      ['ok', 'tag-mismatch', 'frank-mismatch', 'frank-mismatch'],
    );
    assert.equal(intake.verifiedCount, 1);
  });

  it('marks a genuine message the reporter never received', async () => {
    const intake = await verifyUserReport(
      { reporterAccountId: 'acct_bystander', messages: [reported] },
      { keyring, now, wasReceivedBy: (reporter) => reporter === 'acct_child' },
    );
    assert.deepEqual(intake.messages[0]?.verification, {
      verified: false,
      reason: 'not-received',
      detail: 'the reporter was not a recipient of this message',
    });
  });

  it('refuses malformed and oversized reports, naming the field', async () => {
    const cases: Array<[string, Parameters<typeof verifyUserReport>[0], string, RegExp]> = [
      ['no messages', { reporterAccountId: 'a', messages: [] }, 'REPORT_INVALID', /messages/],
      [
        'context out of order',
        { reporterAccountId: 'a', messages: [reported, context] },
        'REPORT_INVALID',
        /messages\[1\]\.receivedAt/,
      ],
      [
        'too many messages',
        { reporterAccountId: 'a', messages: Array(101).fill(context) },
        'REPORT_TOO_LARGE',
        /at most 100/,
      ],
      [
        'an oversized plaintext',
        { reporterAccountId: 'a', messages: [{ ...context, plaintext: new Uint8Array(70_000) }] },
        'REPORT_TOO_LARGE',
        /messages\[0\]\.plaintext/,
      ],
      [
        'an unknown category',
        { reporterAccountId: 'a', messages: [context], category: 'Spam' as never },
        'REPORT_INVALID',
        /category/,
      ],
    ];
    for (const [name, report, expected, message] of cases) {
      await assert.rejects(
        verifyUserReport(report, { keyring, now }),
        (e) => code(e) === expected && message.test((e as Error).message),
        name,
      );
    }
  });
});

describe('priority', () => {
  it('puts imminent risk first, then known material and enticement, then minors', () => {
    assert.equal(derivePriority(undefined, { meetingArranged: true }), 'P0');
    assert.equal(derivePriority(undefined, { sextortion: true }), 'P0');
    assert.equal(derivePriority(undefined, { bankMatch: true }), 'P1');
    assert.equal(derivePriority('Online Enticement of Children for Sexual Acts', {}), 'P1');
    assert.equal(derivePriority(undefined, { minorInvolved: true }), 'P2');
    assert.equal(derivePriority(undefined, {}), 'P3');
  });
});

describe('cases: reducer and permissions', () => {
  const opened: CaseEvent = { type: 'report', at: 1000, reportId: 'r1', priority: 'P2' };

  it('derives status, priority, SLA and decisions from events', () => {
    const state = reduceCase([
      opened,
      { type: 'report', at: 2000, reportId: 'r2', priority: 'P0' },
      { type: 'reveal', at: 2500, actorId: 'mod1', itemId: 'i1' },
      { type: 'decide', at: 3000, actorId: 'mod1', decision: 'report-to-ncmec', reason: 'known image' },
    ]);
    assert.equal(state.priority, 'P0');
    assert.equal(state.dueAt, 2000 + 15 * 60_000);
    assert.equal(state.status, 'decided');
    assert.equal(state.decision, 'report-to-ncmec');
    assert.equal(state.firstActionAt, 3000);
    assert.equal(state.revealCount, 1);
    assert.equal(state.reportCount, 2);
  });

  it('keeps a moderator override of the priority against later reports', () => {
    const state = reduceCase([
      opened,
      { type: 'set-priority', at: 1500, actorId: 'senior', priority: 'P3' },
      { type: 'report', at: 2000, reportId: 'r2', priority: 'P1' },
    ]);
    assert.equal(state.priority, 'P3');
  });

  it('enforces the role table: auditors only view, moderators cannot reverse or decide escalated cases', () => {
    const decide: CaseEvent = { type: 'decide', at: 2, actorId: 'x', decision: 'no-violation', reason: 'ok' };
    assert.throws(
      () => authorizeEvent('auditor', decide, undefined),
      (e) => code(e) === 'REPORT_NOT_PERMITTED',
    );
    authorizeEvent('auditor', { type: 'view', at: 2, actorId: 'x' }, undefined);
    assert.throws(
      () => authorizeEvent('moderator', { type: 'reverse', at: 2, actorId: 'x', reason: 'r' }, undefined),
      (e) => code(e) === 'REPORT_NOT_PERMITTED',
    );
    const escalated = reduceCase([
      opened,
      { type: 'decide', at: 2, actorId: 'm', decision: 'escalate', reason: 'unsure' },
    ]);
    assert.throws(
      () => authorizeEvent('moderator', decide, escalated),
      (e) => code(e) === 'REPORT_NOT_PERMITTED',
    );
    authorizeEvent('senior-moderator', decide, escalated);
  });

  it('decides staff actions from the same table: exports and NCMEC for seniors, figures and audit for auditors', () => {
    const allowed = (action: (typeof STAFF_ACTIONS)[number]) => ROLES.filter((role) => may(role, action));
    assert.deepEqual(allowed('case.list'), ['moderator', 'senior-moderator', 'admin', 'auditor']);
    assert.deepEqual(allowed('case.open-escalated'), ['senior-moderator', 'admin', 'auditor']);
    assert.deepEqual(allowed('case.export'), ['senior-moderator', 'admin']);
    assert.deepEqual(allowed('ncmec.file'), ['senior-moderator', 'admin']);
    assert.deepEqual(allowed('transparency.read'), ['admin', 'auditor']);
    assert.deepEqual(allowed('audit.read'), ['admin', 'auditor']);
    assert.deepEqual(allowed('retention.sweep'), ['admin']);
    assert.throws(
      () => authorize('moderator', 'audit.read', 'the audit log is open to auditors and admins'),
      (e) => code(e) === 'REPORT_NOT_PERMITTED' && /audit log/.test((e as Error).message),
    );
    authorize('auditor', 'audit.read');
  });

  it('refuses impossible sequences', () => {
    assert.throws(
      () => reduceCase([]),
      (e) => code(e) === 'CASE_INVALID_EVENT',
    );
    assert.throws(
      () => reduceCase([opened, { type: 'appeal', at: 2, text: 'unfair' }]),
      (e) => code(e) === 'CASE_INVALID_EVENT',
    );
  });
});

describe('audit log', () => {
  const build = () => {
    const entries: ReturnType<typeof chainAuditEntry>[] = [];
    let previous: ReturnType<typeof chainAuditEntry> | undefined;
    for (const [i, action] of ['case.view', 'media.reveal', 'case.decide'].entries()) {
      previous = chainAuditEntry(previous, {
        at: 1000 + i,
        actorId: 'mod1',
        role: 'moderator',
        action,
        caseId: 'c1',
        details: { i },
      });
      entries.push(previous);
    }
    return entries;
  };

  it('verifies an untouched chain', () => {
    assert.equal(verifyAuditChain(build()).ok, true);
  });

  it('detects an edited, a deleted and a reordered entry, naming where', () => {
    const edited = build();
    edited[1] = { ...edited[1]!, action: 'case.view' };
    assert.deepEqual(verifyAuditChain(edited), {
      ok: false,
      brokenAt: 2,
      reason: 'content does not match its hash (edited)',
    });
    const deleted = build();
    deleted.splice(1, 1);
    assert.equal((verifyAuditChain(deleted) as { brokenAt: number }).brokenAt, 3);
    const reordered = build();
    [reordered[1], reordered[2]] = [reordered[2]!, reordered[1]!];
    assert.equal(verifyAuditChain(reordered).ok, false);
  });
});
