// The user side of reporting (docs/reporting.md): a report reveals received messages with their
// franking openings; notices tell the subject of a decision what was decided and why (a statement
// of reasons); an appeal asks for review. The report wire shape is defined here once: the SDK's
// ReportSubmission and ReportReceipt are Static<> of these schemas.

import { INCIDENT_TYPES } from '@safelight/reporting';
import { type Static, Type } from '@sinclair/typebox';
import { B64uOrEmpty, BlobId, CaseId, MessageId, Millis, route, StringEnum } from './common.js';

/** NCMEC CyberTipline incident types, as the reporting model spells them. */
export const IncidentType = StringEnum(INCIDENT_TYPES);

/** What makes a report urgent beyond its category (packages/reporting PrioritySignals). */
export const ReportSignals = Type.Object(
  {
    meetingArranged: Type.Optional(Type.Boolean()),
    sextortion: Type.Optional(Type.Boolean()),
    liveAbuse: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** An attachment of a reported message; `blobId` and `key` reveal it (the server opens it). */
export const ReportedAttachment = Type.Object(
  {
    digest: B64uOrEmpty(43),
    size: Type.Integer({ minimum: 0 }),
    mediaType: Type.String({ maxLength: 255 }),
    blobId: Type.Optional(BlobId),
    key: Type.Optional(B64uOrEmpty(43)),
  },
  { additionalProperties: false },
);

/** One revealed message: its plaintext and franking opening, as the reporter received it. */
export const ReportedMessage = Type.Object(
  {
    conversationId: B64uOrEmpty(86),
    messageId: MessageId,
    senderAccountId: Type.String({ maxLength: 64 }),
    receivedAt: Millis,
    plaintext: B64uOrEmpty(Math.ceil((64 * 1024 * 4) / 3) + 4, 'b64u message plaintext'),
    contentType: Type.Optional(Type.String({ maxLength: 255 })),
    attachments: Type.Optional(Type.Array(ReportedAttachment, { maxItems: 16 })),
    frankingKey: B64uOrEmpty(43),
    tag: B64uOrEmpty(43),
    frank: B64uOrEmpty(200),
  },
  { additionalProperties: false },
);

export const ReportSubmission = Type.Object(
  {
    messages: Type.Array(ReportedMessage, { minItems: 1, maxItems: 100 }),
    reportedAccountId: Type.Optional(Type.String({ maxLength: 64 })),
    category: Type.Optional(IncidentType),
    signals: Type.Optional(ReportSignals),
    comment: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: false },
);
export type ReportSubmission = Static<typeof ReportSubmission>;

export const ReportReceipt = Type.Object({
  reportId: Type.String(),
  caseId: CaseId,
  messages: Type.Array(
    Type.Object({
      messageId: Type.String(),
      verified: Type.Boolean(),
      /** Why a part did not verify (tag-mismatch, not-received...); absent when verified. */
      reason: Type.Optional(Type.String()),
    }),
  ),
});
export type ReportReceipt = Static<typeof ReportReceipt>;

export const submitReport = route({
  method: 'POST',
  url: '/v1/reports',
  summary: 'Report received messages: the server verifies each frank and opens or extends a case',
  body: ReportSubmission,
  response: { 201: ReportReceipt },
});

/** EU DSA Art. 17: what was decided, on which facts and ground, whether automated, how to seek redress. */
export const StatementOfReasons = Type.Object({
  decision: Type.String(),
  facts: Type.String(),
  ground: Type.String(),
  automated: Type.Boolean(),
  redress: Type.String(),
});

export const Notice = Type.Object({
  caseId: CaseId,
  at: Millis,
  decision: Type.String(),
  statementOfReasons: StatementOfReasons,
});
export type Notice = Static<typeof Notice>;

export const notices = route({
  method: 'GET',
  url: '/v1/notices',
  summary: "Decisions taken on the caller's account, each with a statement of reasons",
  response: { 200: Type.Object({ notices: Type.Array(Notice) }) },
});

export const AppealAnswer = Type.Object({ caseId: CaseId, status: Type.String() });
export type AppealAnswer = Static<typeof AppealAnswer>;

export const appeal = route({
  method: 'POST',
  url: '/v1/appeals',
  summary: 'The subject of a decided case asks for review (a senior moderator may reverse)',
  body: Type.Object(
    { caseId: Type.String({ maxLength: 64 }), text: Type.String({ minLength: 1, maxLength: 4000 }) },
    { additionalProperties: false },
  ),
  response: { 201: AppealAnswer },
});
