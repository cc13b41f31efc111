// The staff API (apps/server/src/routes/staff/*) as the console uses it. Response shapes are the
// contract's (@safelight/api, imported as types only: packages/reporting's runtime — NCMEC client,
// XML — does not belong in the browser bundle).
import type { moderation } from '@safelight/api';

/** Decisions the server accepts in a `decide` event (packages/reporting DECISIONS, same order). */
export const DECISIONS = [
  'no-violation',
  'remove-content',
  'restrict',
  'suspend',
  'report-to-ncmec',
  'escalate',
] as const;
export type Decision = (typeof DECISIONS)[number];

export const DECISION_LABELS: Readonly<Record<Decision, string>> = {
  'no-violation': 'No violation',
  'remove-content': 'Remove content',
  restrict: 'Restrict (no contact with minors)',
  suspend: 'Suspend account',
  'report-to-ncmec': 'Report to NCMEC',
  escalate: 'Escalate to a senior moderator',
};

export const PRIORITIES = ['P0', 'P1', 'P2', 'P3'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const CASE_STATUSES = ['open', 'escalated', 'decided', 'appealed', 'reversed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

// The JSON views: Static<> of the server's contract (packages/api/src/moderation.ts), type-only, so
// the console and the server cannot disagree on a shape and nothing of TypeBox reaches the bundle.
export type CaseState = moderation.CaseState;
export type QueueCase = moderation.QueueCase;
export type CaseEvent = moderation.CaseEvent;
export type Verification = moderation.Verification;
export type PreservedAttachment = moderation.PreservedAttachment;
export type PreservedMessage = moderation.PreservedMessage;
export type ReportBody = moderation.ReportBody;
export type CaseReport = moderation.CaseReport;
export type CaseDetail = moderation.CaseView;
export type NcmecRecord = moderation.NcmecRecord;
export type AuditEntry = moderation.AuditEntry;
export type AuditChainCheck = moderation.AuditChainCheck;
export type TransparencyReport = moderation.TransparencyReport;
export type Count = TransparencyReport['ncmecReports'];

/** An error answer of the server (RFC 9457 problem details: `code`, `detail`) or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function failure(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { code?: unknown; detail?: unknown };
    if (typeof body.code === 'string')
      return new ApiError(response.status, body.code, typeof body.detail === 'string' ? body.detail : '');
  } catch {
    // not JSON: fall through
  }
  return new ApiError(response.status, `HTTP_${response.status}`, response.statusText || 'request failed');
}

/** Calls the staff API with `Authorization: Staff <token>`, same origin only. */
export class StaffApi {
  constructor(private readonly token: string) {}

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers: {
          authorization: `Staff ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch (error) {
      throw new ApiError(0, 'NETWORK', error instanceof Error ? error.message : 'the server did not answer');
    }
    if (!response.ok) throw await failure(response);
    return response;
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await (await this.request(method, path, body)).json()) as T;
  }

  cases(status?: CaseStatus): Promise<{ cases: QueueCase[]; now: number }> {
    return this.json('GET', `/v1/mod/cases${status ? `?status=${encodeURIComponent(status)}` : ''}`);
  }

  /** Opens a case (the server records the view in the case log and the audit chain). */
  case(caseId: string): Promise<CaseDetail> {
    return this.json('GET', `/v1/mod/cases/${encodeURIComponent(caseId)}`);
  }

  event(caseId: string, event: moderation.StaffEvent): Promise<moderation.CaseAnswer> {
    return this.json('POST', `/v1/mod/cases/${encodeURIComponent(caseId)}/events`, event);
  }

  /** A preserved file: the blurred greyscale derivative, or the original with `reveal` (audited). */
  async file(caseId: string, reportId: string, file: number, reveal: boolean): Promise<Blob> {
    const path = `/v1/mod/cases/${encodeURIComponent(caseId)}/reports/${encodeURIComponent(reportId)}/files/${file}${reveal ? '?reveal=1' : ''}`;
    return (await this.request('GET', path)).blob();
  }

  ncmec(caseId: string): Promise<{ record: NcmecRecord | null }> {
    return this.json('GET', `/v1/mod/cases/${encodeURIComponent(caseId)}/ncmec`);
  }

  fileNcmec(caseId: string): Promise<{ record: NcmecRecord | null }> {
    return this.json('POST', `/v1/mod/cases/${encodeURIComponent(caseId)}/ncmec`);
  }

  audit(): Promise<{ entries: AuditEntry[]; chain: AuditChainCheck }> {
    return this.json('GET', '/v1/mod/audit');
  }

  transparency(): Promise<TransparencyReport> {
    return this.json('GET', '/v1/mod/transparency');
  }

  /** The transparency CSV as a blob (the download needs the staff header, so no plain link). */
  async transparencyFile(format: 'csv' | 'svg'): Promise<Blob> {
    return (await this.request('GET', `/v1/mod/transparency?format=${format}`)).blob();
  }
}
