// The staff API (apps/server/src/routes/reports.ts) as the console uses it. The shapes mirror
// packages/reporting's (CaseState, CaseEvent, AuditEntry, TransparencyReport); they are written out
// here because that package's runtime (NCMEC client, XML) does not belong in the browser bundle.

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

export interface CaseState {
  readonly status: CaseStatus;
  readonly priority: Priority;
  readonly priorityOverridden: boolean;
  readonly openedAt: number;
  readonly dueAt: number;
  readonly firstActionAt?: number;
  readonly assigneeId?: string;
  readonly decision?: Decision;
  readonly reportCount: number;
  readonly revealCount: number;
  readonly lastEvidenceAt: number;
  readonly heldUntil?: number;
  readonly evidenceDeleted: boolean;
}

export interface QueueCase extends CaseState {
  readonly caseId: string;
  readonly subjectAccountId: string;
  /** The latest NCMEC incident type a reporter or match gave, if any. */
  readonly category?: string;
  /** What opened or extended the case: "user", "hash-match", "mode", "signal". */
  readonly sources?: readonly string[];
}

export interface CaseEvent {
  readonly type: string;
  readonly at: number;
  readonly actorId?: string;
  readonly reportId?: string;
  readonly priority?: Priority;
  readonly category?: string;
  readonly source?: 'hash-match' | 'mode' | 'signal';
  readonly detail?: string;
  readonly itemId?: string;
  readonly assigneeId?: string;
  readonly text?: string;
  readonly decision?: Decision;
  readonly reason?: string;
  readonly until?: number;
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

export interface NcmecRecord {
  readonly caseId: string;
  readonly state: string;
  readonly reportId?: string;
  readonly files: readonly unknown[];
  readonly submitAttempts: number;
  readonly finishAttempts: number;
  readonly updatedAt: string;
}

export interface AuditEntry {
  readonly seq: number;
  readonly at: number;
  readonly actorId: string;
  readonly role: string;
  readonly action: string;
  readonly caseId?: string;
  readonly details?: Record<string, unknown>;
  readonly prevHash: string;
  readonly hash: string;
}

export type AuditChainCheck =
  | { readonly ok: true; readonly head: string }
  | { readonly ok: false; readonly brokenAt: number; readonly reason: string };

export type Count = number | `<${number}`;

export interface TransparencyReport {
  readonly from: number;
  readonly to: number;
  readonly suppressBelow: number;
  readonly reportsBySource: Record<string, Count>;
  readonly casesByCategory: Record<string, Count>;
  readonly decisions: Record<string, Count>;
  readonly medianTimeToActionMs: number | null;
  readonly ncmecReports: Count;
  readonly accountsActioned: Count;
  readonly appeals: Count;
  readonly reversals: Count;
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
