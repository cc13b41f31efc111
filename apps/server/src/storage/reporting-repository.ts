import type { AuditEntry, CaseEvent } from '@safelight/reporting';
import type { DeliveryQueries } from './repository.js';
import type { Database, Db } from './schema.js';

/**
 * Storage of reports and moderation (services/moderation.ts), beside delivery's tables (migration
 * 0003_reporting). Writes go through the server's single writer, which is also what keeps the
 * audit chain and each case's event sequence gap-free. Events and audit entries are stored as
 * canonical JSON: the reducer (packages/reporting) is the one place that interprets them.
 */

export interface CaseRow {
  caseId: string;
  subjectAccountId: string;
  createdAt: number;
}

export interface StoredReport {
  reportId: string;
  caseId: string;
  reporterAccountId: string;
  createdAt: number;
  /** Sealed evidence (evidence.ts), or '' once deleted at the end of the retention period. */
  body: string;
}

function toCaseRow(row: Database['mod_cases']): CaseRow {
  return { caseId: row.case_id, subjectAccountId: row.subject_account_id, createdAt: Number(row.created_at) };
}

export function reportingQueries(queries: Pick<DeliveryQueries, 'db'>): ReportingQueries {
  return new ReportingQueries(queries.db);
}

export class ReportingQueries {
  constructor(private readonly db: Db) {}

  async caseForSubject(subjectAccountId: string): Promise<CaseRow | undefined> {
    const row = await this.db
      .selectFrom('mod_cases')
      .selectAll()
      .where('subject_account_id', '=', subjectAccountId)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    return row && toCaseRow(row);
  }

  async caseById(caseId: string): Promise<CaseRow | undefined> {
    const row = await this.db
      .selectFrom('mod_cases')
      .selectAll()
      .where('case_id', '=', caseId)
      .executeTakeFirst();
    return row && toCaseRow(row);
  }

  async allCases(): Promise<CaseRow[]> {
    const rows = await this.db.selectFrom('mod_cases').selectAll().execute();
    return rows.map(toCaseRow);
  }

  async insertCase(row: CaseRow): Promise<void> {
    await this.db
      .insertInto('mod_cases')
      .values({ case_id: row.caseId, subject_account_id: row.subjectAccountId, created_at: row.createdAt })
      .execute();
  }

  async events(caseId: string): Promise<CaseEvent[]> {
    const rows = await this.db
      .selectFrom('mod_case_events')
      .select('event')
      .where('case_id', '=', caseId)
      .orderBy('seq')
      .execute();
    return rows.map((r) => JSON.parse(r.event) as CaseEvent);
  }

  async appendEvent(caseId: string, event: CaseEvent): Promise<void> {
    const last = await this.db
      .selectFrom('mod_case_events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('case_id', '=', caseId)
      .executeTakeFirst();
    const seq = Number(last?.seq ?? 0) + 1;
    await this.db
      .insertInto('mod_case_events')
      .values({ case_id: caseId, seq, at: event.at, event: JSON.stringify(event) })
      .execute();
  }

  async insertReport(report: StoredReport): Promise<void> {
    await this.db
      .insertInto('mod_reports')
      .values({
        report_id: report.reportId,
        case_id: report.caseId,
        reporter_account_id: report.reporterAccountId,
        created_at: report.createdAt,
        body: report.body,
      })
      .execute();
  }

  async reportsOfCase(caseId: string): Promise<StoredReport[]> {
    const rows = await this.db
      .selectFrom('mod_reports')
      .selectAll()
      .where('case_id', '=', caseId)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({
      reportId: r.report_id,
      caseId: r.case_id,
      reporterAccountId: r.reporter_account_id,
      createdAt: Number(r.created_at),
      body: r.body,
    }));
  }

  /** Deletes the preserved contents of a case's reports (the rows stay, as metadata). */
  async deleteReportBodies(caseId: string): Promise<number> {
    const result = await this.db
      .updateTable('mod_reports')
      .set({ body: '' })
      .where('case_id', '=', caseId)
      .where('body', '!=', '')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async ncmecRecord(caseId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('mod_ncmec')
      .select('record')
      .where('case_id', '=', caseId)
      .executeTakeFirst();
    return row?.record;
  }

  async saveNcmecRecord(caseId: string, record: string): Promise<void> {
    await this.db
      .insertInto('mod_ncmec')
      .values({ case_id: caseId, record })
      .onConflict((c) => c.column('case_id').doUpdateSet({ record }))
      .execute();
  }

  async lastAuditEntry(): Promise<AuditEntry | undefined> {
    const row = await this.db
      .selectFrom('mod_audit')
      .select('entry')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && (JSON.parse(row.entry) as AuditEntry);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.db
      .insertInto('mod_audit')
      .values({ seq: entry.seq, entry: JSON.stringify(entry) })
      .execute();
  }

  async auditEntries(): Promise<AuditEntry[]> {
    const rows = await this.db.selectFrom('mod_audit').select('entry').orderBy('seq').execute();
    return rows.map((r) => JSON.parse(r.entry) as AuditEntry);
  }
}
