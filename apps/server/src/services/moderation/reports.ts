import type { EvidenceVault } from '../../evidence.js';
import type { StoredReport } from '../../storage/reporting-repository.js';

/** A preserved report, opened: its contents, or `{ deleted: true }` after the retention period. */
export interface OpenedReport {
  readonly reportId: string;
  readonly reporterAccountId: string;
  readonly createdAt: number;
  readonly body: unknown;
}

/** Decrypts preserved report contents; deleted ones come back as `{ deleted: true }`. */
export function openReports(vault: EvidenceVault, reports: readonly StoredReport[]): OpenedReport[] {
  return reports.map((r) => ({
    reportId: r.reportId,
    reporterAccountId: r.reporterAccountId,
    createdAt: r.createdAt,
    body: r.body === '' ? { deleted: true } : vault.open(r.reportId, r.body),
  }));
}
