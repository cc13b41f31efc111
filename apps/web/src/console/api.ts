// The staff API (apps/server/src/routes/reports.ts) as the console uses it. The server answers
// with packages/reporting's model objects as JSON (CaseState, CaseEvent, AuditEntry,
// TransparencyReport), so those types come from the package. Decision: type-only imports
// (`import type`), erased by the compiler, so the browser bundle carries none of the package's
// runtime; the few constants the console needs at run time (decisions, priorities, statuses) are
// written here and checked against the package's types with `satisfies`.
import type {
  AuditChainCheck,
  AuditEntry,
  CaseEvent,
  CaseState,
  CaseStatus,
  Decision,
  Priority,
  TransparencyReport,
} from '@safelight/reporting';

export type {
  AuditChainCheck,
  AuditEntry,
  CaseEvent,
  CaseState,
  CaseStatus,
  Count,
  Decision,
  Priority,
  TransparencyReport,
} from '@safelight/reporting';

/** Decisions the server accepts in a `decide` event (packages/reporting DECISIONS, same order). */
export const DECISIONS = [
  'no-violation',
  'remove-content',
  'restrict',
  'suspend',
  'report-to-ncmec',
  'escalate',
] as const satisfies readonly Decision[];

/** A label per decision: a Record over the package's Decision, so a new decision fails the build. */
export const DECISION_LABELS: Readonly<Record<Decision, string>> = {
  'no-violation': 'No violation',
  'remove-content': 'Remove content',
  restrict: 'Restrict (no contact with minors)',
  suspend: 'Suspend account',
  'report-to-ncmec': 'Report to NCMEC',
  escalate: 'Escalate to a senior moderator',
};

export const PRIORITIES = ['P0', 'P1', 'P2', 'P3'] as const satisfies readonly Priority[];

export const CASE_STATUSES = [
  'open',
  'escalated',
  'decided',
  'appealed',
  'reversed',
] as const satisfies readonly CaseStatus[];

// The views below are the server's JSON answers, not reporting's model: they have no equivalent
// in the package and stay written out here.

export interface QueueCase extends CaseState {
  readonly caseId: string;
  readonly subjectAccountId: string;
  /** The latest NCMEC incident type a reporter or match gave, if any. */
  readonly category?: string;
  /** What opened or extended the case: "user", "hash-match", "mode", "signal". */
  readonly sources?: readonly string[];
}

export type Verification =
  | { readonly verified: true; readonly keyId: string }
  | { readonly verified: false; readonly reason: string; readonly detail?: string };

export interface PreservedAttachment {
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
  /** The preserved file's index in its report, when the server could open the attachment. */
  readonly file?: number;
  readonly opened?: boolean;
  readonly reason?: string;
}

export interface PreservedMessage {
  readonly conversationId: string;
  readonly messageId: string;
  readonly senderAccountId: string;
  readonly receivedAt: number;
  readonly text: string;
  readonly contentType?: string;
  readonly attachments: readonly PreservedAttachment[];
  readonly verification?: Verification;
}

export interface ReportBody {
  readonly deleted?: boolean;
  readonly category?: string;
  readonly signals?: { meetingArranged?: boolean; sextortion?: boolean; liveAbuse?: boolean };
  readonly comment?: string;
  readonly messages?: readonly PreservedMessage[];
}

export interface CaseReport {
  readonly reportId: string;
  readonly reporterAccountId: string;
  readonly createdAt: number;
  readonly body: ReportBody;
}

export interface CaseDetail {
  readonly caseId: string;
  readonly subjectAccountId: string;
  readonly state: CaseState;
  readonly evidenceExpiresAt: number;
  readonly events: readonly CaseEvent[];
  readonly reports: readonly CaseReport[];
}

/**
 * The server's NcmecSubmissionRecord as far as the console reads it. Not imported: that type lives in
 * `@safelight/reporting/ncmec`, the Node API client, whose sources do not type-check under the
 * browser configuration (no Node types), and the console only shows these fields.
 */
export interface NcmecRecord {
  readonly caseId: string;
  readonly state: string;
  readonly reportId?: string;
  readonly files: readonly unknown[];
  readonly submitAttempts: number;
  readonly finishAttempts: number;
  readonly updatedAt: string;
}

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

  event(caseId: string, event: Record<string, unknown>): Promise<{ caseId: string; state: CaseState }> {
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
