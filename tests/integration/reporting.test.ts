// Reports from an E2EE conversation to a moderator's decision, over the real server: the reporter
// reveals messages, the server verifies their franks, a case opens with a priority, staff work it
// under the role table, and every view and decision lands in the hash-chained audit log.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SafelightClient } from '@safelight/client';
import { MemoryStateStore } from '@safelight/e2ee';
import { type NcmecTestDouble, startNcmecTestDouble } from '@safelight/reporting/ncmec/double';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import WebSocket from 'ws';
import { noiseJpeg, tempDir } from '../support/image-fixtures.js';
import { type RunningServer, startTestServer } from '../support/server.js';

const staff = {
  moderator: { id: 'mod-1', role: 'moderator', token: 'staff-token-moderator-1' },
  senior: { id: 'senior-1', role: 'senior-moderator', token: 'staff-token-senior-0001' },
  auditor: { id: 'audit-1', role: 'auditor', token: 'staff-token-auditor-001' },
  admin: { id: 'admin-1', role: 'admin', token: 'staff-token-admin-00001' },
} as const;

/** Calls the moderator API as one of the configured staff members; JSON answers. */
function staffCaller(serverUrl: () => string) {
  return async (who: keyof typeof staff, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${serverUrl()}${path}`, {
      method,
      headers: {
        authorization: `Staff ${staff[who].token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers are asserted field by field.
    return { status: response.status, body: (await response.json()) as any };
  };
}

describe('reports and moderation over the delivery server', () => {
  let dataDir: string;
  let server: RunningServer;
  let alice: SafelightClient;
  let bob: SafelightClient;
  let carol: SafelightClient;
  let conversation: string;

  const asStaff = staffCaller(() => server.url);

  before(async () => {
    dataDir = await tempDir('safelight-reports-');
    server = await startTestServer({ dataDir, moderation: { staff: Object.values(staff) } });
    const register = (handle: string) =>
      SafelightClient.register({ serverUrl: server.url, handle, store: new MemoryStateStore(), WebSocket });
    alice = await register('report_alice');
    bob = await register('report_bob');
    carol = await register('report_carol');
    conversation = await alice.createConversation([bob.accountId]);
    await bob.sync();
    await alice.sendMessage(conversation, { text: 'hey, how was school?' });
    await alice.sendMessage(conversation, {
      text: 'let us meet at the park, do not tell anyone <script>]]>',
      attachments: [{ bytes: await noiseJpeg(64, 48), mediaType: 'image/jpeg' }],
    });
    await bob.sync();
  });

  after(async () => {
    await Promise.all([alice?.close(), bob?.close(), carol?.close()]);
    await server?.close();
  });

  let caseId: string;

  it('a genuine report with context verifies every part and opens a prioritised case', async () => {
    const [, reported] = bob.history(conversation);
    assert.ok(reported);
    const submission = bob.prepareReport(conversation, [reported.messageId], {
      context: 1,
      category: 'Online Enticement of Children for Sexual Acts',
      comment: 'they want to meet',
    });
    assert.equal(submission.messages.length, 2, 'one message of context before the reported one');
    const receipt = await bob.report(submission);
    assert.deepEqual(
      receipt.messages.map((m) => m.verified),
      [true, true],
    );
    caseId = receipt.caseId;
    const queue = await asStaff('moderator', 'GET', '/v1/mod/cases');
    assert.equal(queue.status, 200);
    const listed = queue.body.cases.find((c: { caseId: string }) => c.caseId === caseId);
    assert.equal(listed.subjectAccountId, alice.accountId);
    assert.equal(listed.priority, 'P1');
    assert.equal(listed.status, 'open');
  });

  it('keeps forged parts and reports about messages the reporter never received, marked unverified', async () => {
    const [, reported] = bob.history(conversation);
    assert.ok(reported);
    const genuine = bob.prepareReport(conversation, [reported.messageId]);
    const forged = {
      ...genuine,
      messages: genuine.messages.map((m) => ({
        ...m,
        plaintext: Buffer.from('words alice never wrote').toString('base64url'),
      })),
    };
    const forgedReceipt = await bob.report(forged);
    assert.deepEqual(forgedReceipt.messages[0], {
      messageId: reported.messageId,
      verified: false,
      reason: 'tag-mismatch',
    });
    const secondHand = await carol.report(genuine); // carol was never in the conversation
    assert.equal(secondHand.messages[0]?.verified, false);
    assert.equal(secondHand.messages[0]?.reason, 'not-received');
  });

  it('refuses oversized and malformed reports, naming the field', async () => {
    const [, reported] = bob.history(conversation);
    assert.ok(reported);
    const one = bob.prepareReport(conversation, [reported.messageId]).messages[0];
    const tooMany = { messages: Array.from({ length: 101 }, () => one) };
    await assert.rejects(bob.report(tooMany as never), /400 VALIDATION_FAILED.*messages/);
    await assert.rejects(
      bob.report({ messages: [{ ...one, plaintext: '***' }] } as never),
      /400 VALIDATION_FAILED.*plaintext/,
    );
  });

  it('moderators view (logged) and escalate; escalated cases are for seniors; auditors cannot decide', async () => {
    const view = await asStaff('moderator', 'GET', `/v1/mod/cases/${caseId}`);
    assert.equal(view.status, 200);
    const texts = view.body.reports.flatMap((r: { body: { messages: Array<{ text: string }> } }) =>
      r.body.messages.map((m) => m.text),
    );
    assert.ok(texts.includes('let us meet at the park, do not tell anyone <script>]]>'));
    assert.equal(view.body.reports[0].body.messages[1].verification.verified, true);

    const reveal = await asStaff('moderator', 'POST', `/v1/mod/cases/${caseId}/events`, {
      type: 'reveal',
      itemId: 'attachment-0',
    });
    assert.equal(reveal.status, 200);
    assert.equal(reveal.body.state.revealCount, 1);

    const byAuditor = await asStaff('auditor', 'POST', `/v1/mod/cases/${caseId}/events`, {
      type: 'decide',
      decision: 'no-violation',
      reason: 'auditors cannot decide',
    });
    assert.equal(byAuditor.status, 403);

    const escalate = await asStaff('moderator', 'POST', `/v1/mod/cases/${caseId}/events`, {
      type: 'decide',
      decision: 'escalate',
      reason: 'possible enticement',
    });
    assert.equal(escalate.body.state.status, 'escalated');
    assert.equal((await asStaff('moderator', 'GET', `/v1/mod/cases/${caseId}`)).status, 403);
    const queue = await asStaff('moderator', 'GET', '/v1/mod/cases');
    assert.ok(
      !queue.body.cases.some((c: { caseId: string }) => c.caseId === caseId),
      'hidden from moderators',
    );

    const decided = await asStaff('senior', 'POST', `/v1/mod/cases/${caseId}/events`, {
      type: 'decide',
      decision: 'report-to-ncmec',
      reason: 'enticement with a meeting request',
    });
    assert.equal(decided.status, 200);
    assert.equal(decided.body.state.decision, 'report-to-ncmec');
  });

  it('reported images open from the revealed key; moderators see them blurred and greyscale until a logged reveal', async () => {
    const [, reported] = bob.history(conversation);
    assert.ok(reported?.attachments[0]);
    const original = await bob.fetchAttachment(reported.attachments[0]);
    const receipt = await bob.report(bob.prepareReport(conversation, [reported.messageId]));
    const view = await asStaff('senior', 'GET', `/v1/mod/cases/${receipt.caseId}`);
    const stored = view.body.reports.find((r: { reportId: string }) => r.reportId === receipt.reportId);
    assert.deepEqual(stored.body.messages[0].attachments[0].opened, true);
    const file = stored.body.messages[0].attachments[0].file;
    const url = `${server.url}/v1/mod/cases/${receipt.caseId}/reports/${receipt.reportId}/files/${file}`;
    const headers = { authorization: `Staff ${staff.senior.token}` };
    const before = (await asStaff('auditor', 'GET', '/v1/mod/audit')).body.entries.length;
    const preview = await fetch(url, { headers });
    assert.equal(preview.headers.get('content-type'), 'image/jpeg');
    const previewBytes = Buffer.from(await preview.arrayBuffer());
    assert.notDeepEqual(previewBytes, Buffer.from(original));
    const { channels } = await sharp(previewBytes).metadata();
    assert.equal(channels, 1, 'the preview is greyscale');
    assert.equal(
      (await asStaff('auditor', 'GET', '/v1/mod/audit')).body.entries.length,
      before,
      'a preview is not a reveal',
    );
    const revealed = await fetch(`${url}?reveal=1`, { headers });
    assert.deepEqual(Buffer.from(await revealed.arrayBuffer()), Buffer.from(original));
    const audit = (await asStaff('auditor', 'GET', '/v1/mod/audit')).body.entries;
    assert.equal(audit.at(-1).action, 'media.reveal');
    assert.equal(audit.at(-1).actorId, staff.senior.id);
  });

  it('publishes transparency counts to auditors as JSON and CSV, with small counts suppressed', async () => {
    assert.equal((await asStaff('moderator', 'GET', '/v1/mod/transparency')).status, 403);
    const json = await asStaff('auditor', 'GET', '/v1/mod/transparency');
    assert.equal(json.status, 200);
    assert.equal(json.body.reportsBySource.user, '<10');
    assert.equal(json.body.ncmecReports, '<10');
    const csv = await fetch(`${server.url}/v1/mod/transparency?format=csv`, {
      headers: { authorization: `Staff ${staff.auditor.token}` },
    });
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    assert.match(await csv.text(), /^section,key,value\n[\s\S]*reports_by_source,user,<10\n/);
  });

  it('the audit log records every view, reveal and decision, is closed to moderators, and shows tampering', async () => {
    assert.equal((await asStaff('moderator', 'GET', '/v1/mod/audit')).status, 403);
    const audit = await asStaff('auditor', 'GET', '/v1/mod/audit');
    assert.equal(audit.status, 200);
    assert.deepEqual(audit.body.chain.ok, true);
    const actions = audit.body.entries.map((e: { action: string }) => e.action);
    for (const action of ['report.create', 'case.view', 'case.reveal', 'case.decide']) {
      assert.ok(actions.includes(action), `audit has ${action}`);
    }
    // There is no way to delete an entry through the API...
    assert.equal((await asStaff('admin', 'DELETE', '/v1/mod/audit')).status, 404);
    // ...and an edit behind the server's back is detected.
    const db = new Database(join(dataDir, 'delivery.sqlite'));
    try {
      db.prepare("update mod_audit set entry = replace(entry, 'case.view', 'case.note') where seq = ?").run(
        audit.body.entries.find((e: { action: string }) => e.action === 'case.view').seq,
      );
    } finally {
      db.close();
    }
    const after = await asStaff('admin', 'GET', '/v1/mod/audit');
    assert.equal(after.body.chain.ok, false);
    assert.match(after.body.chain.reason, /edited/);
  });
});

describe('evidence preservation: encrypted at rest, legal holds, deletion at the end of the period, export', () => {
  const DAY = 24 * 3_600_000;
  const YEAR = 365 * DAY;
  let clock = Date.now();
  let dataDir: string;
  let server: RunningServer;
  let alice: SafelightClient;
  let bob: SafelightClient;
  let caseId: string;
  const secretText = `preserve-me-${Math.random().toString(36).slice(2)}`;

  const asStaff = staffCaller(() => server.url);

  before(async () => {
    dataDir = await tempDir('safelight-preserve-');
    server = await startTestServer({
      dataDir,
      now: () => clock,
      moderation: { staff: Object.values(staff), sweepIntervalMs: 0 },
    });
    const register = (handle: string) =>
      SafelightClient.register({ serverUrl: server.url, handle, store: new MemoryStateStore(), WebSocket });
    alice = await register('keep_alice');
    bob = await register('keep_bob');
    const conversation = await alice.createConversation([bob.accountId]);
    await bob.sync();
    const sent = await alice.sendMessage(conversation, { text: secretText });
    await bob.sync();
    caseId = (await bob.report(bob.prepareReport(conversation, [sent.messageId]))).caseId;
  });

  after(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await server?.close();
  });

  it('keeps report contents encrypted at rest', async () => {
    const view = await asStaff('moderator', 'GET', `/v1/mod/cases/${caseId}`);
    assert.equal(view.body.reports[0].body.messages[0].text, secretText, 'moderators read it');
    assert.equal(view.body.evidenceExpiresAt, view.body.state.lastEvidenceAt + YEAR);
    const { readdir, readFile } = await import('node:fs/promises');
    for (const file of await readdir(dataDir)) {
      if (!file.startsWith('delivery.sqlite')) continue;
      const bytes = await readFile(join(dataDir, file));
      assert.equal(
        bytes.includes(Buffer.from(secretText)),
        false,
        `${file} holds the reported text in clear`,
      );
    }
  });

  it('exports a case bundle whose manifest hashes its files; moderators cannot export', async () => {
    assert.equal((await asStaff('moderator', 'GET', `/v1/mod/cases/${caseId}/export`)).status, 403);
    const bundle = await asStaff('senior', 'GET', `/v1/mod/cases/${caseId}/export`);
    assert.equal(bundle.status, 200);
    const { createHash } = await import('node:crypto');
    for (const entry of bundle.body.manifest) {
      const text = bundle.body.files[entry.name];
      assert.equal(createHash('sha256').update(text).digest('hex'), entry.sha256, entry.name);
    }
    assert.ok(bundle.body.files['reports.json'].includes(secretText));
  });

  it('deletes contents when the period ends, not before, and a legal hold extends it', async () => {
    clock += 30 * DAY;
    assert.deepEqual((await asStaff('admin', 'POST', '/v1/mod/retention/sweep')).body.swept, []);
    const hold = await asStaff('senior', 'POST', `/v1/mod/cases/${caseId}/events`, {
      type: 'hold',
      until: clock + 2 * YEAR,
      reason: 'law-enforcement preservation request',
    });
    assert.equal(hold.status, 200);
    assert.equal(
      (
        await asStaff('moderator', 'POST', `/v1/mod/cases/${caseId}/events`, {
          type: 'hold',
          until: clock,
          reason: 'x',
        })
      ).status,
      403,
    );
    clock += YEAR; // past the one-year period, inside the hold
    assert.deepEqual((await asStaff('admin', 'POST', '/v1/mod/retention/sweep')).body.swept, []);
    assert.equal((await asStaff('moderator', 'POST', '/v1/mod/retention/sweep')).status, 403);
    clock += 2 * YEAR; // past the hold
    assert.deepEqual((await asStaff('admin', 'POST', '/v1/mod/retention/sweep')).body.swept, [caseId]);
    const view = await asStaff('senior', 'GET', `/v1/mod/cases/${caseId}`);
    assert.deepEqual(view.body.reports[0].body, { deleted: true });
    assert.equal(view.body.state.evidenceDeleted, true);
    const audit = await asStaff('auditor', 'GET', '/v1/mod/audit');
    assert.ok(audit.body.entries.some((e: { action: string }) => e.action === 'evidence.delete'));
    assert.equal(audit.body.chain.ok, true);
  });
});

describe('CyberTipline: a decision files the case with NCMEC exactly once', () => {
  let server: RunningServer;
  let double: NcmecTestDouble;
  let alice: SafelightClient;
  let bob: SafelightClient;

  const asStaff = staffCaller(() => server.url);

  before(async () => {
    double = await startNcmecTestDouble({ username: 'esp', password: 'esp-secret', hangMs: 1500 });
    server = await startTestServer({
      dataDir: await tempDir('safelight-ncmec-'),
      moderation: {
        staff: Object.values(staff),
        sweepIntervalMs: 0,
        ncmec: {
          baseUrl: double.url,
          username: 'esp',
          password: 'esp-secret',
          timeoutMs: 300,
          retry: { baseDelayMs: 10 },
          reporter: {
            reportingPerson: {
              firstName: 'Trust',
              lastName: 'Safety',
              emails: [{ address: 'safety@example.org' }],
            },
          },
        },
      },
    });
    const register = (handle: string) =>
      SafelightClient.register({ serverUrl: server.url, handle, store: new MemoryStateStore(), WebSocket });
    alice = await register('ncmec_alice');
    bob = await register('ncmec_bob');
  });

  after(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await server?.close();
    await double?.close();
  });

  it('report with an image -> verified case -> "report to NCMEC" -> submit, upload, fileinfo, finish once, despite a lost finish answer', async () => {
    const conversation = await alice.createConversation([bob.accountId]);
    await bob.sync();
    // The "known" image: an ordinary generated picture standing in for a bank entry.
    const image = await noiseJpeg(96, 72);
    const sent = await alice.sendMessage(conversation, {
      text: 'hostile <text> ]]> & \u0001 control',
      attachments: [{ bytes: image, mediaType: 'image/jpeg' }],
    });
    await bob.sync();
    const receipt = await bob.report(
      bob.prepareReport(conversation, [sent.messageId], {
        category: 'Child Pornography (possession, manufacture, and distribution)',
      }),
    );
    assert.equal(receipt.messages[0]?.verified, true);
    const view = await asStaff('senior', 'GET', `/v1/mod/cases/${receipt.caseId}`);
    assert.equal(view.body.reports[0].body.messages[0].verification.verified, true);

    double.injectFault('finish', { kind: 'timeout' }); // NCMEC finishes; the answer is lost
    const decided = await asStaff('senior', 'POST', `/v1/mod/cases/${receipt.caseId}/events`, {
      type: 'decide',
      decision: 'report-to-ncmec',
      reason: 'known image shared',
    });
    assert.equal(decided.status, 200);
    const deadline = Date.now() + 20_000;
    let record: { state?: string; reportId?: string } | null = null;
    while (Date.now() < deadline) {
      record = (await asStaff('auditor', 'GET', `/v1/mod/cases/${receipt.caseId}/ncmec`)).body.record;
      if (record?.state === 'finished') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(record?.state, 'finished');
    const effective = double.calls
      .filter((c) => c.responseCode === 0 && c.endpoint !== 'status')
      .map((c) => c.endpoint);
    assert.deepEqual(effective, ['submit', 'upload', 'fileinfo', 'finish']);
    assert.equal(double.callsTo('submit').length, 1, 'never submitted twice');
    assert.equal(double.reports.size, 1);
    const [filed] = [...double.reports.values()];
    assert.ok(filed?.finished);
    assert.deepEqual(Buffer.from(filed?.files[0]?.bytes ?? []), Buffer.from(image));
    assert.ok(!filed?.xml.includes('\u0001'), 'control characters never reach the XML');
    assert.ok(filed?.xml.includes('hostile &lt;text&gt; ]]&gt; &amp;'), 'user text is escaped');
    // Running it again resumes from the record: nothing is filed twice.
    const again = await asStaff('senior', 'POST', `/v1/mod/cases/${receipt.caseId}/ncmec`);
    assert.equal(again.body.record.state, 'finished');
    assert.equal(double.callsTo('submit').length, 1);
    const audit = (await asStaff('auditor', 'GET', '/v1/mod/audit')).body.entries;
    assert.ok(audit.some((e: { action: string }) => e.action === 'ncmec.filed'));
  });
});

describe('notices with a statement of reasons, and appeals', () => {
  let server: RunningServer;
  let alice: SafelightClient;
  let bob: SafelightClient;
  const asStaff = staffCaller(() => server.url);

  before(async () => {
    server = await startTestServer({
      dataDir: await tempDir('safelight-appeals-'),
      moderation: { staff: Object.values(staff), sweepIntervalMs: 0 },
    });
    const register = (handle: string) =>
      SafelightClient.register({ serverUrl: server.url, handle, store: new MemoryStateStore(), WebSocket });
    alice = await register('appeal_alice');
    bob = await register('appeal_bob');
  });

  after(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await server?.close();
  });

  it('tells the subject what was decided and why, takes the appeal, and lets only a senior reverse it', async () => {
    const conversation = await alice.createConversation([bob.accountId]);
    await bob.sync();
    const sent = await alice.sendMessage(conversation, { text: 'send me a photo of you' });
    await bob.sync();
    const { caseId } = await bob.report(bob.prepareReport(conversation, [sent.messageId]));
    assert.deepEqual(await alice.notices(), []);
    await asStaff('moderator', 'POST', `/v1/mod/cases/${caseId}/events`, {
      type: 'decide',
      decision: 'remove-content',
      reason: 'asked a child for a photo',
    });
    const [notice] = await alice.notices();
    assert.equal(notice?.decision, 'remove-content');
    assert.equal(notice?.statementOfReasons.facts, 'asked a child for a photo');
    assert.equal(notice?.statementOfReasons.automated, false);
    assert.match(notice?.statementOfReasons.redress ?? '', /appeal/);
    assert.deepEqual(await bob.notices(), [], 'the reporter is not the subject');

    await assert.rejects(bob.appeal(caseId, 'not mine'), /404 NOT_FOUND/);
    assert.deepEqual(await alice.appeal(caseId, 'it was a school project'), { caseId, status: 'appealed' });
    await assert.rejects(alice.appeal(caseId, 'again'), /400/);
    const byModerator = await asStaff('moderator', 'POST', `/v1/mod/cases/${caseId}/events`, {
      type: 'reverse',
      reason: 'on appeal',
    });
    assert.equal(byModerator.status, 403);
    const bySenior = await asStaff('senior', 'POST', `/v1/mod/cases/${caseId}/events`, {
      type: 'reverse',
      reason: 'on appeal',
    });
    assert.equal(bySenior.body.state.status, 'reversed');
    const transparency = await asStaff('auditor', 'GET', '/v1/mod/transparency');
    assert.equal(transparency.body.appeals, '<10');
    assert.equal(transparency.body.reversals, '<10');
  });
});
