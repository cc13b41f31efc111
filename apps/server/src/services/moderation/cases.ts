// The case log: the ONE path by which anything is appended to a case. Every event — a report, a
// match, a staff view or decision, an appeal, the deletion of evidence — goes through `append`,
// which runs the reducer over the log with the new event first (a transition the state does not
// take is refused before anything is written) and records the audit entry in the same transaction.
import { randomBytes } from 'node:crypto';
import {
  type AuditEntryInput,
  type CaseEvent,
  type CaseState,
  chainAuditEntry,
  reduceCase,
} from '@safelight/reporting';
import type { DomainEvent } from '../../events.js';
import type { CaseRow, ReportingQueries } from '../../storage/reporting-repository.js';
import { asServerError } from './staff.js';

export type MatchSource = 'hash-match' | 'mode' | 'signal';

/** A detection, surface or risk-engine finding about an account. */
export interface MatchInput {
  readonly subjectAccountId: string;
  readonly at: number;
  readonly source: MatchSource;
  /** What matched, for the moderator (never content). */
  readonly detail: string;
  /** Extra audit details (bank entry, distance, mode, score...). */
  readonly audit: Record<string, unknown>;
}

export interface Appended {
  readonly caseId: string;
  /** The events before this one. */
  readonly before: readonly CaseEvent[];
  /** The state after this one. */
  readonly state: CaseState;
}

export class CaseLog {
  constructor(
    readonly q: ReportingQueries,
    private readonly emit: (event: DomainEvent) => void = () => {},
  ) {}

  /** The subject's case (one per account), opened now if there is none. */
  async caseForSubject(subjectAccountId: string, at: number): Promise<CaseRow> {
    const found = await this.q.caseForSubject(subjectAccountId);
    if (found) return found;
    const opened = {
      caseId: `case_${randomBytes(12).toString('base64url')}`,
      subjectAccountId,
      createdAt: at,
    };
    await this.q.insertCase(opened);
    return opened;
  }

  /**
   * Appends `event` to `row`'s case once the case takes it: `permit` checks the actor against the
   * state before (staff events), the reducer refuses transitions that do not apply. Then the event
   * and its audit entry are written, and `case.decided` / `match.recorded` are emitted.
   */
  async append(
    row: CaseRow,
    event: CaseEvent,
    audit: Omit<AuditEntryInput, 'at' | 'caseId'>,
    permit: (before: CaseState) => void = () => {},
  ): Promise<Appended> {
    const before = await this.q.events(row.caseId);
    let state: CaseState;
    try {
      if (before.length > 0) permit(reduceCase(before));
      state = reduceCase([...before, event]);
    } catch (error) {
      throw asServerError(error);
    }
    await this.q.appendEvent(row.caseId, event);
    await this.audit({ ...audit, at: event.at, caseId: row.caseId });
    if (event.type === 'decide')
      this.emit({
        type: 'case.decided',
        at: event.at,
        caseId: row.caseId,
        subjectAccountId: row.subjectAccountId,
        decision: event.decision,
      });
    if (event.type === 'match')
      this.emit({
        type: 'match.recorded',
        at: event.at,
        caseId: row.caseId,
        subjectAccountId: row.subjectAccountId,
        source: event.source ?? 'mode',
      });
    return { caseId: row.caseId, before, state };
  }

  /** Appends one audit entry (the single writer serialises the chain). */
  async audit(input: AuditEntryInput): Promise<void> {
    await this.q.appendAudit(chainAuditEntry(await this.q.lastAuditEntry(), input));
  }

  /** A match becomes moderation work: the subject's case opens or is extended with a P1 `match`. */
  async recordMatch(match: MatchInput): Promise<string> {
    const row = await this.caseForSubject(match.subjectAccountId, match.at);
    await this.append(
      row,
      { type: 'match', at: match.at, priority: 'P1', source: match.source, detail: match.detail },
      { actorId: 'system', role: 'system', action: 'match.create', details: match.audit },
    );
    return row.caseId;
  }
}
