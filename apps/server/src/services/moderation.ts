// Moderation (docs/reporting.md): report intake, notices and appeals for users; the queue, cases,
// events, reported media, exports, NCMEC filings, transparency and the audit log for staff; and
// matches from detection, surface checks and the risk engine. One service, small modules under
// ./moderation: the case log (the one append path, cases.ts), intake, NCMEC, notices, media and
// retention. Every staff action is checked by `permit` against packages/reporting's PERMISSIONS.
import type { moderation as api, reports } from '@safelight/api';
import {
  authorizeEvent,
  type CaseEvent,
  type CaseState,
  canonicalJson,
  computeTransparency,
  evidenceExpiresAt,
  type IncidentType,
  may,
  PRIORITIES,
  reduceCase,
  type TransparencyReport,
  verifyAuditChain,
} from '@safelight/reporting';
import type { NcmecSubmissionRecord } from '@safelight/reporting/ncmec';
import { ServerError } from '../errors.js';
import { type CaseRow, type ReportingQueries, reportingQueries } from '../storage/reporting-repository.js';
import { CaseLog, type MatchInput } from './moderation/cases.js';
import type { NcmecConfig, StaffMember } from './moderation/config.js';
import type { ModerationDeps } from './moderation/deps.js';
import { type PreparedReport, prepareReport } from './moderation/intake.js';
import { type PreservedFileRef, renderPreservedFile } from './moderation/media.js';
import { ncmecSubmission } from './moderation/ncmec.js';
import { noticesOf } from './moderation/notices.js';
import { type OpenedReport, openReports } from './moderation/reports.js';
import { permit, sha256 } from './moderation/staff.js';
import type { Scope } from './scope.js';
import type { ServiceDeps } from './services.js';

export type { MatchInput } from './moderation/cases.js';
export type { ModerationConfig, NcmecConfig, StaffMember } from './moderation/config.js';
export type { PreparedReport } from './moderation/intake.js';
export type { PreservedFileRef } from './moderation/media.js';
export { permit } from './moderation/staff.js';

export class ModerationService {
  private readonly q: ReportingQueries;
  private readonly log: CaseLog;
  private readonly m: ModerationDeps;

  constructor(
    private readonly scope: Scope,
    private readonly deps: ServiceDeps,
  ) {
    this.q = reportingQueries(scope.tx);
    this.m = deps.moderation;
    this.log = new CaseLog(this.q, scope.writable ? (event) => scope.emit(event) : () => {});
  }

  // ---- users: reports, notices, appeals ----

  /**
   * Verifies a report and preserves its evidence (files and sealed contents); writes nothing to
   * the database. Run it outside the writer, then `recordReport` in a write.
   */
  prepareReport(reporterAccountId: string, body: reports.ReportSubmission): Promise<PreparedReport> {
    return prepareReport(reporterAccountId, body, {
      keyring: this.m.keyring,
      vault: this.m.vault,
      files: this.m.files,
      blobs: this.m.blobs,
      now: this.deps.now(),
      maxAgeMs: this.m.config.maxReportAgeMs,
      wasReceivedBy: async (account, conversationId) =>
        (await this.scope.tx.members(conversationId)).some((m) => m.accountId === account),
    });
  }

  /** Opens or extends the subject's case with the report; emits `report.received`. */
  async recordReport(report: PreparedReport): Promise<reports.ReportReceipt> {
    const at = this.deps.now();
    const row = await this.log.caseForSubject(report.subjectAccountId, at);
    await this.log.append(
      row,
      { type: 'report', at, reportId: report.reportId, priority: report.priority, category: report.category },
      {
        actorId: report.reporterAccountId,
        role: 'user',
        action: 'report.create',
        details: { reportId: report.reportId, verified: report.intake.verifiedCount, parts: report.parts },
      },
    );
    await this.q.insertReport({
      reportId: report.reportId,
      caseId: row.caseId,
      reporterAccountId: report.reporterAccountId,
      createdAt: at,
      body: report.sealed,
    });
    this.scope.emit({
      type: 'report.received',
      at,
      reportId: report.reportId,
      caseId: row.caseId,
      reporterAccountId: report.reporterAccountId,
      subjectAccountId: row.subjectAccountId,
    });
    return {
      reportId: report.reportId,
      caseId: row.caseId,
      messages: report.intake.messages.map((m) => ({
        messageId: m.messageId,
        verified: m.verification.verified,
        ...(m.verification.verified ? {} : { reason: m.verification.reason }),
      })),
    };
  }

  /** The decisions taken on `accountId`'s account, each with its statement of reasons. */
  async notices(accountId: string): Promise<reports.Notice[]> {
    const row = await this.q.caseForSubject(accountId);
    return row ? noticesOf(row.caseId, await this.q.events(row.caseId)) : [];
  }

  /** The subject of a decided case asks for review. */
  async appeal(accountId: string, caseId: string, text: string): Promise<reports.AppealAnswer> {
    const row = await this.q.caseById(caseId);
    // Another account's case is "not found": whether a case exists about someone else is not disclosed.
    if (!row || row.subjectAccountId !== accountId)
      throw new ServerError('NOT_FOUND', `no case ${caseId} about you`);
    const { state } = await this.log.append(
      row,
      { type: 'appeal', at: this.deps.now(), text },
      { actorId: accountId, role: 'user', action: 'case.appeal' },
    );
    return { caseId, status: state.status };
  }

  // ---- the system: what the risk engine reads ----

  /**
   * What moderation knows about an account as a subject, for the risk engine: who reported it and
   * when, and when hash matches were recorded on it. Metadata only; no report contents.
   */
  async subjectHistory(
    accountId: string,
  ): Promise<{ reports: Array<{ reporterAccountId: string; at: number }>; hashHits: number[] }> {
    const row = await this.q.caseForSubject(accountId);
    if (row === undefined) return { reports: [], hashHits: [] };
    const reports = (await this.q.reportsOfCase(row.caseId)).map((r) => ({
      reporterAccountId: r.reporterAccountId,
      at: r.createdAt,
    }));
    const hashHits = (await this.q.events(row.caseId)).flatMap((e) =>
      e.type === 'match' && e.source === 'hash-match' ? [e.at] : [],
    );
    return { reports, hashHits };
  }

  // ---- the system: matches ----

  /**
   * A detection, surface or risk-engine match becomes moderation work: opens the subject's case
   * (or extends it) with a P1 `match` event and an audit entry; emits `match.recorded`. Returns
   * the case id.
   */
  recordMatch(match: MatchInput): Promise<string> {
    return this.log.recordMatch(match);
  }

  // ---- staff: the queue and cases ----

  /** The queue as `staff` may see it: by priority, then due time. */
  async listCases(staff: StaffMember, status?: string): Promise<api.QueueCase[]> {
    permit(staff, 'case.list');
    const cases: api.QueueCase[] = [];
    for (const row of await this.q.allCases()) {
      const events = await this.q.events(row.caseId);
      const state = reduceCase(events);
      if (!this.mayOpen(staff, state)) continue;
      if (status && state.status !== status) continue;
      // The queue shows what a case is about without opening it (an open is an audited view).
      const category = events.findLast(
        (e) => (e.type === 'report' || e.type === 'match') && e.category !== undefined,
      ) as { category?: IncidentType } | undefined;
      const sources = [
        ...new Set(
          events.flatMap((e) =>
            e.type === 'report' ? ['user'] : e.type === 'match' ? [e.source ?? 'mode'] : [],
          ),
        ),
      ];
      cases.push({
        caseId: row.caseId,
        subjectAccountId: row.subjectAccountId,
        ...state,
        category: category?.category,
        sources,
      });
    }
    cases.sort(
      (a, b) => PRIORITIES.indexOf(a.priority) - PRIORITIES.indexOf(b.priority) || a.dueAt - b.dueAt,
    );
    return cases;
  }

  /** Opens a case: recorded as a `view` event and audited, in this write. */
  async viewCase(staff: StaffMember, caseId: string): Promise<api.CaseView> {
    permit(staff, 'view');
    const row = await this.caseRow(caseId);
    const at = this.deps.now();
    const view: CaseEvent = { type: 'view', at, actorId: staff.id };
    const { before, state } = await this.log.append(
      row,
      view,
      { actorId: staff.id, role: staff.role, action: 'case.view' },
      (current) => this.requireOpen(staff, current),
    );
    return {
      caseId: row.caseId,
      subjectAccountId: row.subjectAccountId,
      state,
      evidenceExpiresAt: evidenceExpiresAt(state, this.m.retentionMs),
      events: [...before, view],
      reports: (await this.openReports(row.caseId)) as api.CaseReport[],
    };
  }

  /** A staff event (reveal, assign, comment, set-priority, decide, reverse, hold). */
  async recordStaffEvent(staff: StaffMember, caseId: string, body: api.StaffEvent): Promise<api.CaseAnswer> {
    const row = await this.caseRow(caseId);
    const event = staffEvent(body, this.deps.now(), staff.id);
    const { state } = await this.log.append(
      row,
      event,
      { actorId: staff.id, role: staff.role, action: `case.${event.type}`, details: { ...body } },
      (before) => {
        this.requireOpen(staff, before);
        authorizeEvent(staff.role, event, before);
      },
    );
    return { caseId: row.caseId, state };
  }

  /**
   * Checks that `staff` may open a preserved file and, when `reveal`, records the reveal (case
   * event and audit, in this write). The bytes come from `renderFile`.
   */
  async openFile(
    staff: StaffMember,
    caseId: string,
    reportId: string,
    file: number,
    reveal: boolean,
  ): Promise<PreservedFileRef> {
    permit(staff, 'view');
    const row = await this.caseRow(caseId);
    this.requireOpen(staff, reduceCase(await this.q.events(caseId)));
    const found = (await this.q.reportsOfCase(caseId)).find((r) => r.reportId === reportId);
    if (!found || found.body === '')
      throw new ServerError('NOT_FOUND', `no preserved report ${reportId} in case ${caseId}`);
    const body = this.m.vault.open(found.reportId, found.body) as {
      messages: Array<{ attachments: Array<{ file?: number; mediaType: string }> }>;
    };
    const attachment = body.messages.flatMap((m) => m.attachments).find((a) => a.file === file);
    if (!attachment) throw new ServerError('NOT_FOUND', `no preserved file ${file} in report ${reportId}`);
    if (reveal) {
      const event: CaseEvent = {
        type: 'reveal',
        at: this.deps.now(),
        actorId: staff.id,
        itemId: `${reportId}/${file}`,
      };
      await this.log.append(
        row,
        event,
        { actorId: staff.id, role: staff.role, action: 'media.reveal', details: { reportId, file } },
        (before) => authorizeEvent(staff.role, event, before),
      );
    }
    return { reportId, file, mediaType: attachment.mediaType };
  }

  /** The bytes of a file `openFile` allowed: the original if revealed, else a blurred preview. */
  renderFile(ref: PreservedFileRef, reveal: boolean): Promise<{ mediaType: string; bytes: Buffer }> {
    return renderPreservedFile(this.m.files, ref, reveal);
  }

  /**
   * A case bundle for law enforcement: the case state and events, the preserved reports and the
   * case's audit entries, each as a file with its SHA-256 in a manifest, and the manifest's own
   * hash. The export itself is audited (in this write).
   */
  async exportCase(staff: StaffMember, caseId: string): Promise<api.ExportBundle> {
    permit(staff, 'case.export');
    const row = await this.caseRow(caseId);
    const at = this.deps.now();
    const events = await this.q.events(row.caseId);
    await this.log.audit({
      at,
      actorId: staff.id,
      role: staff.role,
      action: 'case.export',
      caseId: row.caseId,
    });
    const files: Record<string, string> = {
      'case.json': canonicalJson({
        caseId: row.caseId,
        subjectAccountId: row.subjectAccountId,
        state: reduceCase(events),
      }),
      'events.json': canonicalJson(events),
      'reports.json': canonicalJson(await this.openReports(row.caseId)),
      'audit.json': canonicalJson((await this.q.auditEntries()).filter((e) => e.caseId === row.caseId)),
    };
    const manifest = Object.entries(files).map(([name, text]) => ({
      name,
      sha256: sha256(text),
      bytes: Buffer.byteLength(text),
    }));
    return {
      exportedAt: at,
      caseId: row.caseId,
      manifest,
      manifestSha256: sha256(canonicalJson(manifest)),
      files,
    };
  }

  // ---- staff: NCMEC ----

  async ncmecRecord(staff: StaffMember, caseId: string): Promise<NcmecSubmissionRecord | undefined> {
    permit(staff, 'ncmec.read');
    return this.loadNcmecRecord(caseId);
  }

  /** Files (or resumes filing) the case with the CyberTipline; runs outside any write. */
  async fileWithNcmec(staff: StaffMember, caseId: string): Promise<NcmecSubmissionRecord | undefined> {
    permit(staff, 'ncmec.file');
    if (!this.m.ncmec)
      throw new ServerError('VALIDATION_FAILED', 'NCMEC reporting is not configured (moderation.ncmec)');
    return this.m.ncmec.file(caseId, staff.id);
  }

  /** The filing record of a case (the NCMEC filer's store). */
  async loadNcmecRecord(caseId: string): Promise<NcmecSubmissionRecord | undefined> {
    const record = await this.q.ncmecRecord(caseId);
    return record === undefined ? undefined : (JSON.parse(record) as NcmecSubmissionRecord);
  }

  saveNcmecRecord(record: NcmecSubmissionRecord): Promise<void> {
    return this.q.saveNcmecRecord(record.caseId, JSON.stringify(record));
  }

  auditNcmecFiled(caseId: string, actorId: string, reportId: string): Promise<void> {
    return this.log.audit({
      at: this.deps.now(),
      actorId,
      role: 'system',
      action: 'ncmec.filed',
      caseId,
      details: { reportId },
    });
  }

  ncmecSubmission(caseId: string, config: NcmecConfig) {
    return ncmecSubmission(this.q, this.m.files, (id) => this.openReports(id), caseId, config);
  }

  // ---- staff: transparency, audit, retention ----

  /** Transparency counts for [from, to) (default: the year up to now). */
  async transparency(staff: StaffMember, range: { from?: number; to?: number }): Promise<TransparencyReport> {
    permit(staff, 'transparency.read');
    const to = range.to ?? this.deps.now();
    const from = range.from ?? to - 365 * 24 * 3_600_000;
    if (from >= to) throw new ServerError('VALIDATION_FAILED', 'querystring/from must be before to');
    const cases = [];
    for (const row of await this.q.allCases())
      cases.push({ subjectAccountId: row.subjectAccountId, events: await this.q.events(row.caseId) });
    return computeTransparency(cases, { from, to });
  }

  async audit(staff: StaffMember) {
    permit(staff, 'audit.read');
    const entries = await this.q.auditEntries();
    return { entries, chain: verifyAuditChain(entries) };
  }

  /** The cases whose preservation period (and any hold) ended at `at` and still hold evidence. */
  async expiredCases(at: number): Promise<string[]> {
    const expired: string[] = [];
    for (const row of await this.q.allCases()) {
      const state = reduceCase(await this.q.events(row.caseId));
      if (!state.evidenceDeleted && evidenceExpiresAt(state, this.m.retentionMs) <= at)
        expired.push(row.caseId);
    }
    return expired;
  }

  /**
   * Deletes a case's preserved contents if its period has ended (checked again in this write),
   * recording an `evidence-deleted` event and an audit entry. True when it deleted.
   */
  async deleteExpiredEvidence(caseId: string, at: number): Promise<boolean> {
    const row = await this.caseRow(caseId);
    const current = reduceCase(await this.q.events(caseId));
    if (current.evidenceDeleted || evidenceExpiresAt(current, this.m.retentionMs) > at) return false;
    for (const report of await this.q.reportsOfCase(caseId)) await this.m.files.deleteReport(report.reportId);
    const deleted = await this.q.deleteReportBodies(caseId);
    await this.log.append(
      row,
      { type: 'evidence-deleted', at },
      { actorId: 'system', role: 'system', action: 'evidence.delete', details: { reports: deleted } },
    );
    return true;
  }

  // ---- helpers ----

  private async caseRow(caseId: string): Promise<CaseRow> {
    const row = await this.q.caseById(caseId);
    if (!row) throw new ServerError('NOT_FOUND', `no case ${caseId}`);
    return row;
  }

  /** Escalated cases are for those the table lets open them (senior moderators, admins, auditors). */
  private mayOpen(staff: StaffMember, state: CaseState): boolean {
    return state.status !== 'escalated' || may(staff.role, 'case.open-escalated');
  }

  private requireOpen(staff: StaffMember, state: CaseState): void {
    if (state.status === 'escalated') permit(staff, 'case.open-escalated');
  }

  private async openReports(caseId: string): Promise<OpenedReport[]> {
    return openReports(this.m.vault, await this.q.reportsOfCase(caseId));
  }
}

/**
 * The case event a staff request describes, with the fields its type needs (the request schema
 * makes them all optional: one object for seven event types); a missing one is named.
 */
function staffEvent(body: api.StaffEvent, at: number, actorId: string): CaseEvent {
  const need = <K extends keyof api.StaffEvent>(field: K): NonNullable<api.StaffEvent[K]> => {
    const value = body[field];
    if (value === undefined)
      throw new ServerError('VALIDATION_FAILED', `body/${field} is required for a ${body.type} event`, {
        field,
      });
    return value as NonNullable<api.StaffEvent[K]>;
  };
  switch (body.type) {
    case 'reveal':
      return { type: 'reveal', at, actorId, itemId: need('itemId') };
    case 'assign':
      return { type: 'assign', at, actorId, assigneeId: need('assigneeId') };
    case 'comment':
      return { type: 'comment', at, actorId, text: need('text') };
    case 'set-priority':
      return { type: 'set-priority', at, actorId, priority: need('priority') };
    case 'decide':
      return { type: 'decide', at, actorId, decision: need('decision'), reason: need('reason') };
    case 'reverse':
      return { type: 'reverse', at, actorId, reason: need('reason') };
    case 'hold':
      return { type: 'hold', at, actorId, until: need('until'), reason: need('reason') };
  }
}
