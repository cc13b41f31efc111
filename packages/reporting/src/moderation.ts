// Moderation as an append-only log of events per case, from which the case's state is derived by
// one reducer (the Ozone model: the queue and the audit trail cannot disagree), and who may do
// what as one table of role x event type, checked in one place.
import { type IncidentType, PRIORITIES, type Priority, SLA_MS } from './categories.js';
import { ReportingError } from './errors.js';

export type Role = 'moderator' | 'senior-moderator' | 'admin' | 'auditor';
export const ROLES: readonly Role[] = ['moderator', 'senior-moderator', 'admin', 'auditor'];

export const DECISIONS = [
  'no-violation',
  'remove-content',
  'restrict',
  'suspend',
  'report-to-ncmec',
  'escalate',
] as const;
export type Decision = (typeof DECISIONS)[number];

export type CaseEvent =
  | {
      readonly type: 'report';
      readonly at: number;
      readonly reportId: string;
      readonly priority: Priority;
      /** NCMEC incident type the reporter chose, if any (metadata for transparency counts). */
      readonly category?: IncidentType | undefined;
    }
  | {
      readonly type: 'match';
      readonly at: number;
      readonly detail: string;
      readonly priority: Priority;
      /** What found it: a bank match, a detection mode, a metadata signal. */
      readonly source?: 'hash-match' | 'mode' | 'signal' | undefined;
      readonly category?: IncidentType | undefined;
    }
  | { readonly type: 'view'; readonly at: number; readonly actorId: string }
  | { readonly type: 'reveal'; readonly at: number; readonly actorId: string; readonly itemId: string }
  | { readonly type: 'assign'; readonly at: number; readonly actorId: string; readonly assigneeId: string }
  | { readonly type: 'comment'; readonly at: number; readonly actorId: string; readonly text: string }
  | {
      readonly type: 'set-priority';
      readonly at: number;
      readonly actorId: string;
      readonly priority: Priority;
    }
  | {
      readonly type: 'decide';
      readonly at: number;
      readonly actorId: string;
      readonly decision: Decision;
      readonly reason: string;
    }
  | { readonly type: 'appeal'; readonly at: number; readonly text: string }
  | { readonly type: 'reverse'; readonly at: number; readonly actorId: string; readonly reason: string }
  /** A legal hold: keep the evidence at least until `until` (ms), e.g. for a law-enforcement request. */
  | {
      readonly type: 'hold';
      readonly at: number;
      readonly actorId: string;
      readonly until: number;
      readonly reason: string;
    }
  /** The preserved evidence was deleted at the end of its retention period (system event). */
  | { readonly type: 'evidence-deleted'; readonly at: number };

export type CaseEventType = CaseEvent['type'];

/**
 * What staff do besides recording case events, each checked against the same table: exporting a
 * case bundle, filing or reading an NCMEC submission, the transparency figures, the audit log,
 * the retention sweep, and opening (or deciding) a case that was escalated.
 */
export const STAFF_ACTIONS = [
  'case.list',
  'case.open-escalated',
  'case.export',
  'ncmec.read',
  'ncmec.file',
  'transparency.read',
  'audit.read',
  'retention.sweep',
] as const;
export type StaffAction = (typeof STAFF_ACTIONS)[number];

/** Anything the permission table decides: a case event a role records, or a staff action. */
export type Permission = CaseEventType | StaffAction;

/**
 * Who may do what: one table, checked in one place (`may`). Reports, matches and appeals come
 * from the system and users, not staff roles. Escalated cases and reversals need a senior
 * moderator; exports and NCMEC filings too; auditors read (cases, the audit log, transparency).
 */
// Each role's grants build on the one below it, so a grant added to moderators reaches seniors and
// admins without being written three times.
const MODERATOR: readonly Permission[] = [
  'case.list',
  'ncmec.read',
  'view',
  'reveal',
  'assign',
  'comment',
  'decide',
];
const SENIOR: readonly Permission[] = [
  ...MODERATOR,
  'set-priority',
  'reverse',
  'hold',
  'case.open-escalated',
  'case.export',
  'ncmec.file',
];
export const PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  moderator: MODERATOR,
  'senior-moderator': SENIOR,
  admin: [...SENIOR, 'transparency.read', 'audit.read', 'retention.sweep'],
  auditor: ['case.list', 'ncmec.read', 'view', 'case.open-escalated', 'transparency.read', 'audit.read'],
};

/** True when `role` may do `action` (the permission table, nothing else). */
export function may(role: Role, action: Permission): boolean {
  return PERMISSIONS[role]?.includes(action) ?? false;
}

export function mayRecord(role: Role, type: CaseEventType): boolean {
  return may(role, type);
}

/** Throws REPORT_NOT_PERMITTED (with `refusal`, or a message naming the action) unless `may`. */
export function authorize(role: Role, action: Permission, refusal?: string): void {
  if (!may(role, action))
    throw new ReportingError('REPORT_NOT_PERMITTED', refusal ?? `role ${role} may not do "${action}"`);
}

export type CaseStatus = 'open' | 'escalated' | 'decided' | 'appealed' | 'reversed';

export interface CaseState {
  readonly status: CaseStatus;
  readonly priority: Priority;
  /** True once a moderator set the priority by hand: later reports do not change it. */
  readonly priorityOverridden: boolean;
  readonly openedAt: number;
  /** When the SLA clock for first action runs out. */
  readonly dueAt: number;
  readonly firstActionAt?: number | undefined;
  readonly assigneeId?: string | undefined;
  readonly decision?: Decision | undefined;
  readonly reportCount: number;
  readonly revealCount: number;
  /** Time of the latest report or match: the retention period runs from here. */
  readonly lastEvidenceAt: number;
  /** Latest legal hold end, if any. */
  readonly heldUntil?: number | undefined;
  readonly evidenceDeleted: boolean;
}

const higher = (a: Priority, b: Priority): Priority =>
  PRIORITIES.indexOf(a) <= PRIORITIES.indexOf(b) ? a : b;

/** The one reducer: a case's state from its events, in order. */
export function reduceCase(events: readonly CaseEvent[]): CaseState {
  const first = events[0];
  if (first === undefined || (first.type !== 'report' && first.type !== 'match')) {
    throw new ReportingError('CASE_INVALID_EVENT', 'a case starts with a report or a match');
  }
  let state: CaseState = {
    status: 'open',
    priority: first.priority,
    priorityOverridden: false,
    openedAt: first.at,
    dueAt: first.at + SLA_MS[first.priority],
    reportCount: 0,
    revealCount: 0,
    lastEvidenceAt: first.at,
    evidenceDeleted: false,
  };
  for (const event of events) {
    state = apply(state, event);
  }
  return state;
}

function apply(state: CaseState, event: CaseEvent): CaseState {
  const acted = (s: CaseState): CaseState =>
    s.firstActionAt === undefined ? { ...s, firstActionAt: event.at } : s;
  switch (event.type) {
    case 'report':
    case 'match': {
      const priority = state.priorityOverridden ? state.priority : higher(state.priority, event.priority);
      const reopened = state.status === 'decided' && priority !== state.priority ? 'open' : state.status;
      return {
        ...state,
        status: reopened,
        priority,
        dueAt: Math.min(state.dueAt, event.at + SLA_MS[priority]),
        reportCount: state.reportCount + (event.type === 'report' ? 1 : 0),
        lastEvidenceAt: event.at,
        evidenceDeleted: false,
      };
    }
    case 'hold':
      return { ...state, heldUntil: Math.max(state.heldUntil ?? 0, event.until) };
    case 'evidence-deleted':
      return { ...state, evidenceDeleted: true };
    case 'view':
      return state;
    case 'reveal':
      return { ...state, revealCount: state.revealCount + 1 };
    case 'assign':
      return acted({ ...state, assigneeId: event.assigneeId });
    case 'comment':
      return acted(state);
    case 'set-priority':
      return acted({
        ...state,
        priority: event.priority,
        priorityOverridden: true,
        dueAt: state.openedAt + SLA_MS[event.priority],
      });
    case 'decide':
      return acted({
        ...state,
        decision: event.decision,
        status: event.decision === 'escalate' ? 'escalated' : 'decided',
      });
    case 'appeal':
      if (state.status !== 'decided')
        throw new ReportingError('CASE_INVALID_EVENT', 'only a decided case can be appealed');
      return { ...state, status: 'appealed' };
    case 'reverse':
      if (state.status !== 'appealed' && state.status !== 'decided') {
        throw new ReportingError('CASE_INVALID_EVENT', 'only a decided or appealed case can be reversed');
      }
      return { ...state, status: 'reversed', decision: undefined };
  }
}

/**
 * Checks that `role` may record `event` on a case in `state`: the permission table, plus the rule
 * that an escalated case is decided only by a senior moderator or admin.
 */
export function authorizeEvent(role: Role, event: CaseEvent, state: CaseState | undefined): void {
  if (!mayRecord(role, event.type)) {
    throw new ReportingError('REPORT_NOT_PERMITTED', `role ${role} may not record "${event.type}"`);
  }
  if (event.type === 'decide' && state?.status === 'escalated' && !may(role, 'case.open-escalated')) {
    throw new ReportingError('REPORT_NOT_PERMITTED', 'an escalated case is decided by a senior moderator');
  }
}

/** Default legal preservation period: one year (18 USC 2258A as amended by the REPORT Act 2024). */
export const DEFAULT_RETENTION_MS = 365 * 24 * 3_600_000;

/** When a case's preserved evidence may be deleted: the retention period after the latest evidence, or a later hold. */
export function evidenceExpiresAt(state: CaseState, retentionMs: number = DEFAULT_RETENTION_MS): number {
  return Math.max(state.lastEvidenceAt + retentionMs, state.heldUntil ?? 0);
}
