// The staff API (docs/reporting.md, docs/ncmec.md): the moderation queue, cases and their event
// logs, reported media, case bundles for law enforcement, NCMEC filings, transparency figures and
// the hash-chained audit log. Every route takes `Authorization: Staff <token>`. The shapes are
// packages/reporting's (CaseState, CaseEvent, AuditEntry, TransparencyReport, the NCMEC
// submission record) written as schemas: what a schema does not list does not leave the server.
import { type CaseStatus as CaseStatusName, DECISIONS, PRIORITIES } from '@safelight/reporting';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { CaseId, Millis, route, StringEnum } from './common.js';

export const Priority = StringEnum(PRIORITIES);

const CASE_STATUSES = [
  'open',
  'escalated',
  'decided',
  'appealed',
  'reversed',
] as const satisfies readonly CaseStatusName[];
export const CaseStatus = StringEnum(CASE_STATUSES);

/** Decisions a `decide` event takes (the reporting model's list). */
export const Decision = StringEnum(DECISIONS);

export const MATCH_SOURCES = ['hash-match', 'mode', 'signal'] as const;
export const MatchSource = StringEnum(MATCH_SOURCES);

/** A case's state as the one reducer derives it from its events. */
export const CaseState = Type.Object({
  status: CaseStatus,
  priority: Priority,
  priorityOverridden: Type.Boolean(),
  openedAt: Millis,
  dueAt: Millis,
  firstActionAt: Type.Optional(Millis),
  assigneeId: Type.Optional(Type.String()),
  decision: Type.Optional(Decision),
  reportCount: Type.Integer({ minimum: 0 }),
  revealCount: Type.Integer({ minimum: 0 }),
  lastEvidenceAt: Millis,
  heldUntil: Type.Optional(Millis),
  evidenceDeleted: Type.Boolean(),
});
export type CaseState = Static<typeof CaseState>;

export const CASE_EVENT_TYPES = [
  'report',
  'match',
  'view',
  'reveal',
  'assign',
  'comment',
  'set-priority',
  'decide',
  'appeal',
  'reverse',
  'hold',
  'evidence-deleted',
] as const;

/**
 * One event of a case's log (packages/reporting CaseEvent) as one object: `type` says which, the
 * other members are those of that type.
 */
export const CaseEvent = Type.Object({
  type: StringEnum(CASE_EVENT_TYPES),
  at: Millis,
  actorId: Type.Optional(Type.String()),
  reportId: Type.Optional(Type.String()),
  priority: Type.Optional(Priority),
  category: Type.Optional(Type.String()),
  source: Type.Optional(MatchSource),
  detail: Type.Optional(Type.String()),
  itemId: Type.Optional(Type.String()),
  assigneeId: Type.Optional(Type.String()),
  text: Type.Optional(Type.String()),
  decision: Type.Optional(Decision),
  reason: Type.Optional(Type.String()),
  until: Type.Optional(Millis),
});
export type CaseEvent = Static<typeof CaseEvent>;

/** A queue entry: the state, and what the case is about without opening it (an open is audited). */
export const QueueCase = Type.Composite([
  Type.Object({ caseId: CaseId, subjectAccountId: Type.String() }),
  CaseState,
  Type.Object({
    /** The latest NCMEC incident type a reporter or match gave, if any. */
    category: Type.Optional(Type.String()),
    /** What opened or extended the case: "user", "hash-match", "mode", "signal". */
    sources: Type.Array(Type.String()),
  }),
]);
export type QueueCase = Static<typeof QueueCase>;

export const listCases = route({
  method: 'GET',
  url: '/v1/mod/cases',
  summary: 'The moderation queue by priority and due time (escalated cases only for those who may open them)',
  querystring: Type.Object({ status: Type.Optional(CaseStatus) }),
  response: { 200: Type.Object({ cases: Type.Array(QueueCase), now: Millis }) },
});

/** How intake checked one revealed message against its frank. */
export const Verification = Type.Object({
  verified: Type.Boolean(),
  keyId: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  detail: Type.Optional(Type.String()),
});
export type Verification = Static<typeof Verification>;

export const PreservedAttachment = Type.Object({
  digest: Type.String(),
  size: Type.Integer({ minimum: 0 }),
  mediaType: Type.String(),
  /** The preserved file's index in its report, when the server could open the attachment. */
  file: Type.Optional(Type.Integer({ minimum: 0 })),
  opened: Type.Optional(Type.Boolean()),
  reason: Type.Optional(Type.String()),
});
export type PreservedAttachment = Static<typeof PreservedAttachment>;

export const PreservedMessage = Type.Object({
  conversationId: Type.String(),
  messageId: Type.String(),
  senderAccountId: Type.String(),
  receivedAt: Millis,
  text: Type.String(),
  contentType: Type.Optional(Type.String()),
  attachments: Type.Array(PreservedAttachment),
  verification: Type.Optional(Verification),
});
export type PreservedMessage = Static<typeof PreservedMessage>;

/** A report's preserved contents, opened; `{ deleted: true }` once the retention period ended. */
export const ReportBody = Type.Object({
  deleted: Type.Optional(Type.Boolean()),
  category: Type.Optional(Type.String()),
  signals: Type.Optional(
    Type.Object({
      meetingArranged: Type.Optional(Type.Boolean()),
      sextortion: Type.Optional(Type.Boolean()),
      liveAbuse: Type.Optional(Type.Boolean()),
    }),
  ),
  comment: Type.Optional(Type.String()),
  messages: Type.Optional(Type.Array(PreservedMessage)),
});
export type ReportBody = Static<typeof ReportBody>;

export const CaseReport = Type.Object({
  reportId: Type.String(),
  reporterAccountId: Type.String(),
  createdAt: Millis,
  body: ReportBody,
});
export type CaseReport = Static<typeof CaseReport>;

export const CaseView = Type.Object({
  caseId: CaseId,
  subjectAccountId: Type.String(),
  state: CaseState,
  evidenceExpiresAt: Millis,
  /** The log, ending with this view. */
  events: Type.Array(CaseEvent),
  reports: Type.Array(CaseReport),
});
export type CaseView = Static<typeof CaseView>;

const CaseParams = Type.Object({ caseId: CaseId });

export const viewCase = route({
  method: 'GET',
  url: '/v1/mod/cases/:caseId',
  summary: 'Open a case: state, events and the preserved reports (recorded as a view, audited)',
  params: CaseParams,
  response: { 200: CaseView },
});

/** A staff event; `at` and `actorId` are the server's. */
export const StaffEvent = Type.Object(
  {
    type: StringEnum(['reveal', 'assign', 'comment', 'set-priority', 'decide', 'reverse', 'hold']),
    until: Type.Optional(Millis),
    itemId: Type.Optional(Type.String({ maxLength: 128 })),
    assigneeId: Type.Optional(Type.String({ maxLength: 128 })),
    text: Type.Optional(Type.String({ maxLength: 4000 })),
    priority: Type.Optional(Priority),
    decision: Type.Optional(Decision),
    reason: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: false },
);
export type StaffEvent = Static<typeof StaffEvent>;

export const CaseAnswer = Type.Object({ caseId: CaseId, state: CaseState });
export type CaseAnswer = Static<typeof CaseAnswer>;

export const postEvent = route({
  method: 'POST',
  url: '/v1/mod/cases/:caseId/events',
  summary: 'Record a staff event on a case (checked against the permission table and the reducer)',
  params: CaseParams,
  body: StaffEvent,
  response: { 200: CaseAnswer },
});

export const caseFile = route({
  method: 'GET',
  url: '/v1/mod/cases/:caseId/reports/:reportId/files/:file',
  summary:
    'A preserved file of a report: a blurred greyscale JPEG preview, or the original with ?reveal=1 (recorded and audited)',
  params: Type.Object({ caseId: CaseId, reportId: Type.String(), file: Type.Integer({ minimum: 0 }) }),
  querystring: Type.Object({ reveal: Type.Optional(StringEnum(['0', '1'])) }),
  response: {
    200: Type.Unsafe<unknown>({
      description: 'image/jpeg preview, or the original bytes in their media type when revealed',
      content: {
        'image/jpeg': { schema: { type: 'string', format: 'binary' } },
        '*/*': { schema: { type: 'string', format: 'binary' } },
      },
    }),
  },
});

export const ExportBundle = Type.Object({
  exportedAt: Millis,
  caseId: CaseId,
  manifest: Type.Array(
    Type.Object({ name: Type.String(), sha256: Type.String(), bytes: Type.Integer({ minimum: 0 }) }),
  ),
  manifestSha256: Type.String(),
  /** File name -> canonical JSON text (case.json, events.json, reports.json, audit.json). */
  files: Type.Record(Type.String(), Type.String()),
});
export type ExportBundle = Static<typeof ExportBundle>;

export const exportCase = route({
  method: 'GET',
  url: '/v1/mod/cases/:caseId/export',
  summary: 'A case bundle for law enforcement: files, their SHA-256 manifest and its hash (audited)',
  params: CaseParams,
  response: { 200: ExportBundle },
});

export const NcmecRecord = Type.Object({
  caseId: CaseId,
  state: Type.String(),
  reportId: Type.Optional(Type.String()),
  files: Type.Array(
    Type.Object({
      key: Type.String(),
      fileId: Type.Optional(Type.String()),
      hash: Type.Optional(Type.String()),
      fileInfoSent: Type.Boolean(),
      uploadAttempts: Type.Integer({ minimum: 0 }),
    }),
  ),
  submitAttempts: Type.Integer({ minimum: 0 }),
  finishAttempts: Type.Integer({ minimum: 0 }),
  finishedFileIds: Type.Optional(Type.Array(Type.String())),
  updatedAt: Type.String(),
});
export type NcmecRecord = Static<typeof NcmecRecord>;

const NcmecAnswer = Type.Object({ record: Type.Union([NcmecRecord, Type.Null()]) });

export const ncmecRecord = route({
  method: 'GET',
  url: '/v1/mod/cases/:caseId/ncmec',
  summary: "The case's CyberTipline filing record, or null",
  params: CaseParams,
  response: { 200: NcmecAnswer },
});

export const fileNcmec = route({
  method: 'POST',
  url: '/v1/mod/cases/:caseId/ncmec',
  summary: 'File (or resume filing) the case with the CyberTipline; never submits twice',
  params: CaseParams,
  response: { 200: NcmecAnswer },
});

/** A count, or "<k" when it is below the suppression threshold. */
export const Count = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^<[0-9]+$' })]);

export const TransparencyReport = Type.Object({
  from: Millis,
  to: Millis,
  suppressBelow: Type.Integer({ minimum: 0 }),
  reportsBySource: Type.Record(Type.String(), Count),
  casesByCategory: Type.Record(Type.String(), Count),
  decisions: Type.Record(Type.String(), Count),
  medianTimeToActionMs: Type.Union([Type.Number(), Type.Null()]),
  ncmecReports: Count,
  accountsActioned: Count,
  appeals: Count,
  reversals: Count,
});
export type TransparencyReport = Static<typeof TransparencyReport>;

const file = (description: string): TSchema => Type.Unsafe<string>({ type: 'string', description });

export const transparency = route({
  method: 'GET',
  url: '/v1/mod/transparency',
  summary: 'Transparency counts for [from, to) as JSON, CSV or an SVG chart (small counts suppressed)',
  querystring: Type.Object({
    from: Type.Optional(Millis),
    to: Type.Optional(Millis),
    format: Type.Optional(StringEnum(['json', 'csv', 'svg'])),
  }),
  response: {
    200: Type.Unsafe<TransparencyReport | string>({
      description: 'JSON by default; text/csv or image/svg+xml with ?format=',
      content: {
        'application/json': { schema: TransparencyReport },
        'text/csv': { schema: file('section,key,value rows') },
        'image/svg+xml': { schema: file('a bar chart') },
      },
    }),
  },
});

export const AuditEntry = Type.Object({
  seq: Type.Integer({ minimum: 1 }),
  at: Millis,
  actorId: Type.String(),
  role: Type.String(),
  action: Type.String(),
  caseId: Type.Optional(Type.String()),
  details: Type.Optional(
    Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true }),
  ),
  prevHash: Type.String(),
  hash: Type.String(),
});
export type AuditEntry = Static<typeof AuditEntry>;

/** verifyAuditChain's verdict: the head hash, or where and why the chain breaks. */
export const AuditChainCheck = Type.Union([
  Type.Object({ ok: Type.Literal(true), head: Type.String() }),
  Type.Object({ ok: Type.Literal(false), brokenAt: Type.Integer(), reason: Type.String() }),
]);
export type AuditChainCheck = Static<typeof AuditChainCheck>;

export const audit = route({
  method: 'GET',
  url: '/v1/mod/audit',
  summary: 'The audit log and whether its hash chain holds',
  response: { 200: Type.Object({ entries: Type.Array(AuditEntry), chain: AuditChainCheck }) },
});

export const retentionSweep = route({
  method: 'POST',
  url: '/v1/mod/retention/sweep',
  summary: 'Delete the preserved contents of every case whose preservation period and holds ended',
  response: { 200: Type.Object({ swept: Type.Array(CaseId) }) },
});
