import { randomBytes } from 'node:crypto';
import { type AuditEntryInput, chainAuditEntry } from '@safelight/reporting';
import { type CaseRow, type ReportingQueries, reportingQueries } from './storage/reporting-repository.js';
import type { DeliveryQueries } from './storage/repository.js';

/** Appends one audit entry in the caller's transaction (the single writer serialises the chain). */
export async function appendAudit(q: ReportingQueries, input: AuditEntryInput): Promise<void> {
  await q.appendAudit(chainAuditEntry(await q.lastAuditEntry(), input));
}

/** The subject's case (one per account), opened now if there is none. In the caller's transaction. */
export async function caseForSubject(
  q: ReportingQueries,
  subjectAccountId: string,
  at: number,
): Promise<CaseRow> {
  const found = await q.caseForSubject(subjectAccountId);
  if (found) return found;
  const opened = { caseId: `case_${randomBytes(12).toString('base64url')}`, subjectAccountId, createdAt: at };
  await q.insertCase(opened);
  return opened;
}

/**
 * A detection or surface match becomes moderation work: opens the subject's case (or extends the
 * open one) with a P1 `match` event and an audit entry, inside the caller's writer transaction.
 */
export async function recordMatch(
  tx: DeliveryQueries,
  match: {
    subjectAccountId: string;
    at: number;
    source: 'hash-match' | 'mode' | 'signal';
    detail: string;
    audit: Record<string, unknown>;
  },
): Promise<string> {
  const q = reportingQueries(tx);
  const found = await caseForSubject(q, match.subjectAccountId, match.at);
  await q.appendEvent(found.caseId, {
    type: 'match',
    at: match.at,
    priority: 'P1',
    source: match.source,
    detail: match.detail,
  });
  await appendAudit(q, {
    at: match.at,
    actorId: 'system',
    role: 'system',
    action: 'match.create',
    caseId: found.caseId,
    details: match.audit,
  });
  return found.caseId;
}
