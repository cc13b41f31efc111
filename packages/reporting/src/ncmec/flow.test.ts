import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { buildReportXml, NcmecApiError, NcmecSubmissionError, parseXml } from '../index.js';
import { type NcmecTestDouble, startNcmecTestDouble } from './double.js';
import {
  fileAll,
  MemoryNcmecSubmissionStore,
  NcmecClient,
  NcmecReporter,
  planViralBatches,
} from './index.js';
import { sampleCaseFile, sampleReport } from './test-support/fixtures.js';

const USER = 'esp-test';
const PASSWORD = 'correct horse';

let double: NcmecTestDouble;

function client(overrides: { password?: string; timeoutMs?: number } = {}): NcmecClient {
  return new NcmecClient({
    baseUrl: double.url,
    username: USER,
    password: overrides.password ?? PASSWORD,
    timeoutMs: overrides.timeoutMs ?? 2000,
  });
}

function reporter(store = new MemoryNcmecSubmissionStore(), timeoutMs = 2000) {
  return new NcmecReporter({
    client: client({ timeoutMs }),
    store,
    retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
  });
}

/** The calls that did something at NCMEC (answered 0), as "endpoint" strings in order. */
function effective(): string[] {
  return double.calls.filter((c) => c.responseCode === 0 && c.endpoint !== 'status').map((c) => c.endpoint);
}

before(async () => {
  double = await startNcmecTestDouble({ username: USER, password: PASSWORD, hangMs: 1500 });
});
after(async () => {
  await double.close();
});
beforeEach(() => {
  double.calls.length = 0;
  double.reports.clear();
});

describe('the CyberTipline client against the test double', () => {
  it('status answers 0 with the right credentials', async () => {
    const status = await client().status();
    assert.equal(status.responseCode, 0);
    assert.match(status.responseDescription, /esp-test/);
  });

  it('bad credentials are refused on every endpoint and nothing is filed', async () => {
    const bad = client({ password: 'wrong' });
    await assert.rejects(
      bad.status(),
      (e: unknown) => e instanceof NcmecApiError && e.code === 'NCMEC_UNAUTHORIZED',
    );
    const flow = new NcmecReporter({
      client: bad,
      store: new MemoryNcmecSubmissionStore(),
      retry: { baseDelayMs: 1 },
    });
    await assert.rejects(
      flow.file({ caseId: 'case-auth', report: sampleReport(), files: [] }),
      (e: unknown) => e instanceof NcmecApiError && e.code === 'NCMEC_UNAUTHORIZED' && e.httpStatus === 401,
    );
    assert.equal(double.reports.size, 0);
    assert.equal(double.callsTo('submit').length, 1, 'a definite refusal is not retried');
    // The refusal was definite: after fixing the credentials the case can be submitted.
    assert.equal((await flow.record('case-auth'))?.state, 'not_submitted');
  });

  it('the double refuses XML that is not well-formed (4110) and reports that break the schema (4100)', async () => {
    await assert.rejects(client().submit('<report><incidentSummary></report>'), (e: unknown) => {
      return e instanceof NcmecApiError && e.code === 'NCMEC_REJECTED' && e.responseCode === 4110;
    });
    const { xml } = buildReportXml(sampleReport());
    const wrongOrder = xml.replace(
      /(<incidentType>[^<]*<\/incidentType>)([\s\S]*?)(<incidentDateTime>[^<]*<\/incidentDateTime>)/,
      '$3$2$1',
    );
    await assert.rejects(client().submit(wrongOrder), (e: unknown) => {
      return e instanceof NcmecApiError && e.responseCode === 4100 && /incidentType/.test(e.message);
    });
    const badType = xml.replace(/<incidentType>[^<]*</, '<incidentType>Something else<');
    await assert.rejects(client().submit(badType), (e: unknown) => {
      return (
        e instanceof NcmecApiError &&
        e.responseCode === 4100 &&
        /report\/incidentSummary\/incidentType/.test(e.message)
      );
    });
    assert.equal(double.reports.size, 0);
  });

  it('files a case: submit, upload, fileinfo, finish in order, exactly once, even when the first finish times out', async () => {
    double.injectFault('finish', { kind: 'timeout' }); // NCMEC finishes the report, the answer is lost
    const store = new MemoryNcmecSubmissionStore();
    const file = sampleCaseFile('evidence-1');
    const filed = await reporter(store, 300).file({
      caseId: 'case-1',
      report: sampleReport(),
      files: [file],
    });

    assert.deepEqual(effective(), ['submit', 'upload', 'fileinfo', 'finish']);
    assert.deepEqual(
      double.calls.map((c) => `${c.endpoint}:${c.responseCode}${c.fault ? `:${c.fault}` : ''}`),
      ['submit:0', 'upload:0', 'fileinfo:0', 'finish:0:timeout', 'finish:5102'],
    );
    assert.equal(double.reports.size, 1, 'one report at NCMEC');
    const report = double.reports.get(filed.reportId)!;
    assert.equal(report.finished, true);
    assert.equal(report.files.length, 1);
    assert.deepEqual(Buffer.from(report.files[0]!.bytes), Buffer.from(file.bytes));
    assert.equal(filed.fileIds['evidence-1'], report.files[0]!.fileId);

    // What NCMEC received is what the case says.
    const details = report.files[0]!.details!;
    const value = (name: string) => details.children.find((c) => c.name === name)?.text;
    assert.equal(value('reportId'), filed.reportId);
    assert.equal(value('fileViewedByEsp'), 'true');
    assert.equal(value('industryClassification'), 'B2');
    const user = report.report.children.find((c) => c.name === 'personOrUserReported')!;
    assert.equal(user.children.find((c) => c.name === 'screenName')?.text, 'user<42>&co');

    const record = await store.load('case-1');
    assert.equal(record?.state, 'finished');
    assert.equal(record?.submitAttempts, 1);
    assert.equal(record?.finishAttempts, 2);

    // Filing the same case again is a no-op.
    const again = await reporter(store).file({ caseId: 'case-1', report: sampleReport(), files: [file] });
    assert.equal(again.reportId, filed.reportId);
    assert.equal(double.callsTo('submit').length, 1);
  });

  it('retries uploads and file details through 5xx and malformed answers without a second report', async () => {
    double.injectFault('upload', { kind: 'http-500' });
    double.injectFault('fileinfo', { kind: 'malformed' });
    double.injectFault('finish', { kind: 'response-code', code: 1000 });
    const filed = await reporter().file({
      caseId: 'case-2',
      report: sampleReport(),
      files: [sampleCaseFile('a'), sampleCaseFile('b')],
    });
    assert.deepEqual(effective(), ['submit', 'upload', 'fileinfo', 'upload', 'fileinfo', 'finish']);
    assert.equal(double.reports.size, 1);
    assert.deepEqual(Object.keys(filed.fileIds), ['a', 'b']);
    assert.deepEqual(
      double.reports.get(filed.reportId)!.files.every((f) => f.details !== undefined),
      true,
    );
  });

  it('resumes from the store after a crash: the stored reportId is reused, never a new submit', async () => {
    const store = new MemoryNcmecSubmissionStore();
    double.injectFault('fileinfo', { kind: 'response-code', code: 4000 }); // a definite refusal: the flow stops
    await assert.rejects(
      reporter(store).file({ caseId: 'case-3', report: sampleReport(), files: [sampleCaseFile('a')] }),
      (e: unknown) => e instanceof NcmecApiError && e.responseCode === 4000,
    );
    const stopped = await store.load('case-3');
    assert.equal(stopped?.state, 'open');
    assert.ok(stopped?.files[0]?.fileId);
    const filed = await reporter(store).file({
      caseId: 'case-3',
      report: sampleReport(),
      files: [sampleCaseFile('a')],
    });
    assert.equal(filed.reportId, stopped?.reportId);
    assert.deepEqual(effective(), ['submit', 'upload', 'fileinfo', 'finish']);
  });

  it('a submit whose answer is lost is never sent again; a person resolves it', async () => {
    double.injectFault('submit', { kind: 'timeout' });
    const store = new MemoryNcmecSubmissionStore();
    const submission = { caseId: 'case-4', report: sampleReport(), files: [sampleCaseFile('a')] };
    await assert.rejects(
      reporter(store, 300).file(submission),
      (e: unknown) => e instanceof NcmecSubmissionError && e.code === 'SUBMIT_OUTCOME_UNKNOWN',
    );
    await assert.rejects(reporter(store).file(submission), { code: 'SUBMIT_OUTCOME_UNKNOWN' });
    assert.equal(double.callsTo('submit').length, 1, 'no second submit');

    // The report did open at NCMEC (the answer was lost): the person gives its id and the flow goes on.
    const [reportId] = [...double.reports.keys()];
    await reporter(store).resolveUnknownSubmit('case-4', { reportId: reportId! });
    const filed = await reporter(store).file(submission);
    assert.equal(filed.reportId, reportId);
    assert.equal(double.callsTo('submit').length, 1);
    assert.equal(double.reports.get(reportId!)?.finished, true);
  });

  it('retracts an open report and refuses to retract a finished one', async () => {
    const store = new MemoryNcmecSubmissionStore();
    double.injectFault('finish', { kind: 'response-code', code: 4000 });
    const flow = reporter(store);
    await assert.rejects(
      flow.file({ caseId: 'case-5', report: sampleReport(), files: [sampleCaseFile('a')] }),
    );
    const { reportId } = (await store.load('case-5'))!;
    await flow.retract('case-5');
    assert.equal(double.reports.get(reportId!)?.retracted, true);
    assert.equal((await store.load('case-5'))?.state, 'retracted');
    await flow.retract('case-5'); // idempotent, no call
    assert.equal(double.callsTo('retract').length, 1);
    await assert.rejects(flow.file({ caseId: 'case-5', report: sampleReport(), files: [] }), {
      code: 'REPORT_RETRACTED',
    });

    await flow.file({ caseId: 'case-6', report: sampleReport(), files: [] });
    await assert.rejects(flow.retract('case-6'), { code: 'REPORT_FINISHED' });
    await assert.rejects(flow.retract('case-none'), { code: 'REPORT_NOT_SUBMITTED' });
    // Straight to the double: a finished report cannot be retracted (5102), nor a retracted one touched (5101).
    const finishedId = (await store.load('case-6'))!.reportId!;
    await assert.rejects(client().retract(finishedId), { responseCode: 5102 });
    await assert.rejects(client().finish(reportId!), { responseCode: 5101 });
  });

  it('validates everything before the first request: an invalid case sends nothing', async () => {
    const facts = { ...sampleCaseFile('a').facts, industryClassification: 'Z9' as 'A1' };
    await assert.rejects(
      reporter().file({
        caseId: 'case-7',
        report: sampleReport(),
        files: [{ ...sampleCaseFile('a'), facts }],
      }),
      { code: 'VALUE_NOT_IN_ENUMERATION', field: 'fileDetails/industryClassification' },
    );
    assert.equal(double.calls.length, 0);
  });
});

describe('batched reports for viral content', () => {
  it('groups sharers into batched reports within the limits and files each once', async () => {
    const items = Array.from({ length: 5 }, (_, i) => ({
      reportedUser: { espIdentifier: `acct-${i}`, screenName: `sharer${i}` },
      files: [sampleCaseFile(`copy-${i}-a`), sampleCaseFile(`copy-${i}-b`)],
    }));
    const { reportedUsers: _u, ...base } = sampleReport();
    const batches = planViralBatches(base, items, { caseIdPrefix: 'viral-1', maxFilesPerReport: 4 });
    assert.deepEqual(
      batches.map((b) => [b.caseId, b.report.reportedUsers?.length, b.files.length]),
      [
        ['viral-1/batch-1', 2, 4],
        ['viral-1/batch-2', 2, 4],
        ['viral-1/batch-3', 1, 2],
      ],
    );
    const results = await fileAll(reporter(), batches);
    assert.ok(results.every((r) => r.filed));
    assert.equal(double.reports.size, 3);
    for (const report of double.reports.values()) {
      assert.equal(report.finished, true);
      const root = parseXml(report.xml);
      assert.equal(root.children[0]?.name, 'batchedReport');
      assert.equal(root.children[0]?.attributes.reason, 'VIRAL_POTENTIAL_MEME');
    }
    const users = [...double.reports.values()].flatMap((r) =>
      r.report.children.filter((c) => c.name === 'personOrUserReported'),
    );
    assert.equal(users.length, 5);
  });

  it('refuses a sharer with more files than one report may carry', () => {
    assert.throws(
      () =>
        planViralBatches(
          sampleReport(),
          [{ reportedUser: { espIdentifier: 'x' }, files: [sampleCaseFile('1'), sampleCaseFile('2')] }],
          { caseIdPrefix: 'v', maxFilesPerReport: 1 },
        ),
      { code: 'SUBMISSION_INVALID' },
    );
  });
});
