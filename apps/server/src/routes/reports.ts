import { createHash, randomBytes } from 'node:crypto';
import { decryptAttachment, E2eeError } from '@safelight/e2ee';
import type { FrankingKeyring, FrankingReport, ServerFrankingKey } from '@safelight/franking';
import {
  type AuditEntryInput,
  authorizeEvent,
  type CaseEvent,
  type CaseState,
  canonicalJson,
  computeTransparency,
  DECISIONS,
  DEFAULT_RETENTION_MS,
  derivePriority,
  evidenceExpiresAt,
  INCIDENT_TYPES,
  type IncidentType,
  type NcmecReportingParty,
  PRIORITIES,
  type Priority,
  ReportingError,
  ROLES,
  type Role,
  reduceCase,
  transparencyCsv,
  transparencySvg,
  verifyAuditChain,
  verifyUserReport,
} from '@safelight/reporting';
import {
  type NcmecCaseFile,
  type NcmecCaseSubmission,
  NcmecClient,
  NcmecReporter,
  type NcmecRetryPolicy,
  type NcmecSubmissionRecord,
  type NcmecSubmissionStore,
} from '@safelight/reporting/ncmec';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import sharp from 'sharp';
import type { BlobStore } from '../blobs.js';
import { fromB64u } from '../encoding.js';
import { ServerError } from '../errors.js';
import type { EventBus } from '../events.js';
import type { EvidenceFiles, EvidenceVault } from '../evidence.js';
import { appendAudit, caseForSubject } from '../moderation-cases.js';
import { reportingQueries, type StoredReport } from '../storage/reporting-repository.js';
import type { DeliveryRepository, SessionRow } from '../storage/repository.js';
import type { GroupCommitWriter } from '../writer.js';

/** A staff member of the moderation team and the bearer token they present (`Staff <token>`). */
export interface StaffMember {
  readonly id: string;
  readonly role: Role;
  readonly token: string;
}

export interface NcmecConfig {
  /** NCMEC_BASE_URLS.test in staging, production in production, a test double in tests. */
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  /** The ESP's reporting party (who NCMEC contacts). */
  readonly reporter: NcmecReportingParty;
  readonly platform?: string;
  readonly timeoutMs?: number;
  readonly retry?: NcmecRetryPolicy;
}

export interface ModerationConfig {
  /** Staff accounts. Production would take these from the operator's SSO; here, configuration. */
  readonly staff?: readonly StaffMember[];
  /** How long report contents are preserved after a case's latest evidence (default 1 year). */
  readonly retentionMs?: number;
  /** How often expired evidence is swept (default hourly; 0 = only on demand). */
  readonly sweepIntervalMs?: number;
  /** The CyberTipline connection; without it "report-to-ncmec" decisions are recorded but not filed. */
  readonly ncmec?: NcmecConfig;
  /** Franks older than this do not verify in a report (default 1 year). */
  readonly maxReportAgeMs?: number;
}

export interface ReportRoutesOptions {
  repository: DeliveryRepository;
  writer: GroupCommitWriter;
  authenticate: (request: FastifyRequest) => Promise<void>;
  frankingKey: ServerFrankingKey;
  vault: EvidenceVault;
  evidenceFiles: EvidenceFiles;
  blobs: BlobStore;
  now: () => number;
  config?: ModerationConfig | undefined;
  /** Where `report.received` is published after the report commits (the risk engine listens). */
  events?: EventBus | undefined;
}

const b64u = (maxLength: number) => ({ type: 'string', pattern: '^[A-Za-z0-9_-]*$', maxLength });
const reportBody = {
  type: 'object',
  required: ['messages'],
  additionalProperties: false,
  properties: {
    messages: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        required: [
          'conversationId',
          'messageId',
          'senderAccountId',
          'receivedAt',
          'plaintext',
          'frankingKey',
          'tag',
          'frank',
        ],
        additionalProperties: false,
        properties: {
          conversationId: b64u(86),
          messageId: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,64}$' },
          senderAccountId: { type: 'string', maxLength: 64 },
          receivedAt: { type: 'integer', minimum: 0 },
          plaintext: b64u(Math.ceil((64 * 1024 * 4) / 3) + 4),
          contentType: { type: 'string', maxLength: 255 },
          attachments: {
            type: 'array',
            maxItems: 16,
            items: {
              type: 'object',
              required: ['digest', 'size', 'mediaType'],
              additionalProperties: false,
              properties: {
                digest: b64u(43),
                size: { type: 'integer', minimum: 0 },
                mediaType: { type: 'string', maxLength: 255 },
                blobId: { type: 'string', pattern: '^[0-9a-f]{64}$' },
                key: b64u(43),
              },
            },
          },
          frankingKey: b64u(43),
          tag: b64u(43),
          frank: b64u(200),
        },
      },
    },
    reportedAccountId: { type: 'string', maxLength: 64 },
    category: { type: 'string', enum: [...INCIDENT_TYPES] },
    signals: {
      type: 'object',
      additionalProperties: false,
      properties: {
        meetingArranged: { type: 'boolean' },
        sextortion: { type: 'boolean' },
        liveAbuse: { type: 'boolean' },
      },
    },
    comment: { type: 'string', maxLength: 4000 },
  },
};

type ReportBody = {
  messages: Array<{
    conversationId: string;
    messageId: string;
    senderAccountId: string;
    receivedAt: number;
    plaintext: string;
    contentType?: string;
    attachments?: Array<{ digest: string; size: number; mediaType: string; blobId?: string; key?: string }>;
    frankingKey: string;
    tag: string;
    frank: string;
  }>;
  reportedAccountId?: string;
  category?: (typeof INCIDENT_TYPES)[number];
  signals?: { meetingArranged?: boolean; sextortion?: boolean; liveAbuse?: boolean };
  comment?: string;
};

const eventBody = {
  type: 'object',
  required: ['type'],
  additionalProperties: false,
  properties: {
    type: {
      type: 'string',
      enum: ['reveal', 'assign', 'comment', 'set-priority', 'decide', 'reverse', 'hold'],
    },
    until: { type: 'integer', minimum: 0 },
    itemId: { type: 'string', maxLength: 128 },
    assigneeId: { type: 'string', maxLength: 128 },
    text: { type: 'string', maxLength: 4000 },
    priority: { type: 'string', enum: [...PRIORITIES] },
    decision: { type: 'string', enum: [...DECISIONS] },
    reason: { type: 'string', maxLength: 4000 },
  },
};

declare module 'fastify' {
  interface FastifyRequest {
    staff?: StaffMember;
  }
}

/**
 * Report intake and the moderator API (docs/reporting.md). Users report messages they received by
 * revealing plaintext, franking key, tag and frank; the server verifies each part with its franking
 * keys and opens or extends one case per reported account. Staff (moderator, senior moderator,
 * admin, auditor) work cases through events checked against one permission table; every case view
 * and every event is appended to the hash-chained audit log, in the same transaction.
 */
export const reportRoutes = fp(async (app: FastifyInstance, options: ReportRoutesOptions) => {
  const { repository, writer, authenticate, frankingKey, vault, evidenceFiles, blobs, now } = options;
  const retentionMs = options.config?.retentionMs ?? DEFAULT_RETENTION_MS;
  const keyring: FrankingKeyring = {
    [frankingKey.keyId]: { key: frankingKey.key, notAfter: Number.MAX_SAFE_INTEGER },
  };
  const staffByTokenHash = new Map<string, StaffMember>();
  for (const member of options.config?.staff ?? []) {
    if (!ROLES.includes(member.role))
      throw new Error(`moderation.staff ${member.id}: unknown role ${member.role}`);
    if (member.token.length < 16)
      throw new Error(`moderation.staff ${member.id}: token must be at least 16 characters`);
    staffByTokenHash.set(sha256(member.token), member);
  }

  async function authenticateStaff(request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization ?? '';
    const match = /^Staff (.+)$/.exec(header);
    const member = match ? staffByTokenHash.get(sha256(match[1] as string)) : undefined;
    if (!member)
      throw new ServerError('UNAUTHENTICATED', 'moderator API needs "Authorization: Staff <token>"');
    request.staff = member;
  }

  /** The staff member, who must hold one of `roles` (FORBIDDEN naming what is refused otherwise). */
  const requireRole = (request: FastifyRequest, roles: readonly Role[], refusal: string): StaffMember => {
    const staff = staffOf(request);
    if (!roles.includes(staff.role)) throw new ServerError('FORBIDDEN', refusal);
    return staff;
  };

  const staffOf = (request: FastifyRequest): StaffMember => {
    if (!request.staff) throw new ServerError('UNAUTHENTICATED', 'no staff session');
    return request.staff;
  };

  const asServerError = (error: unknown): never => {
    if (error instanceof ReportingError) {
      const code =
        error.code === 'REPORT_NOT_PERMITTED'
          ? 'FORBIDDEN'
          : error.code === 'REPORT_TOO_LARGE'
            ? 'REPORT_TOO_LARGE'
            : 'VALIDATION_FAILED';
      throw new ServerError(code, error.message);
    }
    throw error;
  };

  /**
   * Appends one event to a case once the case's state takes it (`permit` checks the actor against
   * the state before; the reducer refuses transitions that do not apply) and records it in the
   * audit chain. In the caller's writer transaction; returns the state after.
   */
  const appendCaseEvent = async (
    q: ReturnType<typeof reportingQueries>,
    caseId: string,
    event: CaseEvent,
    audit: Omit<AuditEntryInput, 'at' | 'caseId'>,
    permit: (before: CaseState) => void = () => {},
  ): Promise<CaseState> => {
    const events = await q.events(caseId);
    let next: CaseState;
    try {
      permit(reduceCase(events));
      next = reduceCase([...events, event]);
    } catch (error) {
      return asServerError(error);
    }
    await q.appendEvent(caseId, event);
    await appendAudit(q, { ...audit, at: event.at, caseId });
    return next;
  };

  type AttachmentCheck = { file?: number; opened: boolean; reason?: string };

  async function preserveAttachments(
    reportId: string,
    messages: ReportBody['messages'],
  ): Promise<AttachmentCheck[][]> {
    const checks: AttachmentCheck[][] = [];
    let fileIndex = 0;
    for (const message of messages) {
      const row: AttachmentCheck[] = [];
      for (const a of message.attachments ?? []) {
        if (a.blobId === undefined || a.key === undefined) {
          row.push({ opened: false, reason: 'not revealed (no blob id and key)' });
          continue;
        }
        try {
          const { stream } = await blobs.get(a.blobId);
          const chunks: Buffer[] = [];
          for await (const chunk of stream) chunks.push(chunk as Buffer);
          const plaintext = decryptAttachment(new Uint8Array(Buffer.concat(chunks)), {
            key: fromB64u(a.key, 'attachments.key'),
            digest: fromB64u(a.digest, 'attachments.digest'),
            size: a.size,
            mediaType: a.mediaType,
          });
          await evidenceFiles.put(reportId, fileIndex, plaintext);
          row.push({ file: fileIndex++, opened: true });
        } catch (error) {
          const reason =
            error instanceof E2eeError || error instanceof ServerError
              ? error.message
              : 'the attachment could not be opened';
          row.push({ opened: false, reason });
        }
      }
      checks.push(row);
    }
    return checks;
  }

  // ---- users: report intake ----
  app.post<{ Body: ReportBody }>(
    '/v1/reports',
    { onRequest: authenticate, schema: { tags: ['reports'], security: [{ bearer: [] }], body: reportBody } },
    async (request, reply) => {
      const session = request.session as SessionRow;
      const reporterAccountId = session.accountId;
      const messages: FrankingReport[] = request.body.messages.map((m, i) => ({
        plaintext: fromB64u(m.plaintext, `messages[${i}].plaintext`),
        contentType: m.contentType,
        attachments: (m.attachments ?? []).map((a, j) => ({
          digest: fromB64u(a.digest, `messages[${i}].attachments[${j}].digest`),
          size: a.size,
          mediaType: a.mediaType,
        })),
        frankingKey: fromB64u(m.frankingKey, `messages[${i}].frankingKey`),
        tag: fromB64u(m.tag, `messages[${i}].tag`),
        frank: fromB64u(m.frank, `messages[${i}].frank`),
        senderId: m.senderAccountId,
        conversationId: m.conversationId,
        messageId: m.messageId,
        receivedAt: m.receivedAt,
      }));
      const intake = await verifyUserReport(
        {
          reporterAccountId,
          messages,
          reportedAccountId: request.body.reportedAccountId,
          category: request.body.category,
          comment: request.body.comment,
        },
        {
          keyring,
          now: now(),
          ...(options.config?.maxReportAgeMs === undefined
            ? {}
            : { maxAgeMs: options.config.maxReportAgeMs }),
          // The delivery server cannot know past rosters; the reporter's account must have a
          // device in the conversation now (docs/reporting.md, "What intake can check").
          wasReceivedBy: async (account, message) =>
            (await repository.members(message.conversationId)).some((m) => m.accountId === account),
        },
      ).catch(asServerError);
      const priority: Priority = derivePriority(request.body.category, { ...request.body.signals });
      const reportId = `rep_${randomBytes(12).toString('base64url')}`;
      // Revealed attachments: fetch the encrypted blob, open it with the revealed key. The
      // key-committing scheme and the franked plaintext digest mean a verified message's
      // attachment is proven to be exactly what was sent. Kept sealed, one file each.
      const attachmentChecks = await preserveAttachments(reportId, request.body.messages);
      const at = now();
      const caseId = await writer.submit(async (tx, operation) => {
        const q = reportingQueries(tx);
        const found = await caseForSubject(q, intake.subjectAccountId, at);
        await q.appendEvent(found.caseId, {
          type: 'report',
          at,
          reportId,
          priority,
          category: request.body.category,
        });
        await q.insertReport({
          reportId,
          caseId: found.caseId,
          reporterAccountId,
          createdAt: at,
          body: vault.seal(reportId, {
            category: request.body.category,
            signals: request.body.signals,
            comment: request.body.comment,
            messages: request.body.messages.map((m, i) => ({
              conversationId: m.conversationId,
              messageId: m.messageId,
              senderAccountId: m.senderAccountId,
              receivedAt: m.receivedAt,
              text: new TextDecoder().decode(messages[i]?.plaintext),
              contentType: m.contentType,
              attachments: (m.attachments ?? []).map((a, j) => ({
                digest: a.digest,
                size: a.size,
                mediaType: a.mediaType,
                ...attachmentChecks[i]?.[j],
              })),
              verification: intake.messages[i]?.verification,
            })),
          }),
        });
        await appendAudit(q, {
          at,
          actorId: reporterAccountId,
          role: 'user',
          action: 'report.create',
          caseId: found.caseId,
          details: { reportId, verified: intake.verifiedCount, parts: messages.length },
        });
        // TODO(moderation port): the moderation service emits this through scope.emit.
        operation.afterCommit(() =>
          options.events?.publish([
            {
              type: 'report.received',
              at,
              reportId,
              caseId: found.caseId,
              reporterAccountId,
              subjectAccountId: intake.subjectAccountId,
            },
          ]),
        );
        return found.caseId;
      });
      reply.code(201);
      return {
        reportId,
        caseId,
        messages: intake.messages.map((m) => ({
          messageId: m.messageId,
          verified: m.verification.verified,
          ...(m.verification.verified ? {} : { reason: m.verification.reason }),
        })),
      };
    },
  );

  // ---- users: notices of decisions (statement of reasons) and appeals ----
  /** Decisions a user is told about. Reports to NCMEC are not disclosed to their subject (no tipping off). */
  const NOTIFIED: readonly string[] = ['remove-content', 'restrict', 'suspend'];
  const STATEMENT: Readonly<Record<string, string>> = {
    'remove-content': 'Content you sent was removed because it breaks the rules on child safety.',
    restrict: 'Your account can no longer start contact with people under 18.',
    suspend: 'Your account is suspended because of a serious breach of the rules on child safety.',
  };

  /**
   * `GET /v1/notices`: the decisions taken on the caller's account, each with a statement of
   * reasons in the shape of EU DSA Art. 17 (decision, facts relied on, ground, whether automated,
   * how to seek redress). Derived from the case log, so notices and moderation cannot disagree.
   */
  app.get(
    '/v1/notices',
    { onRequest: authenticate, schema: { tags: ['reports'], security: [{ bearer: [] }] } },
    async (request) => {
      const session = request.session as SessionRow;
      const q = reportingQueries(repository);
      const notices = [];
      const row = await q.caseForSubject(session.accountId);
      for (const event of row ? await q.events(row.caseId) : []) {
        if (event.type !== 'decide' || !NOTIFIED.includes(event.decision)) continue;
        notices.push({
          caseId: row?.caseId,
          at: event.at,
          decision: event.decision,
          statementOfReasons: {
            decision: STATEMENT[event.decision],
            facts: event.reason,
            ground: 'Terms of service: child safety',
            automated: false,
            redress:
              'You can appeal within 6 months: POST /v1/appeals with the case id. A different, senior moderator reviews it.',
          },
        });
      }
      return { notices };
    },
  );

  /** `POST /v1/appeals`: the subject of a decided case asks for review; a senior moderator can reverse. */
  app.post<{ Body: { caseId: string; text: string } }>(
    '/v1/appeals',
    {
      onRequest: authenticate,
      schema: {
        tags: ['reports'],
        security: [{ bearer: [] }],
        body: {
          type: 'object',
          required: ['caseId', 'text'],
          additionalProperties: false,
          properties: {
            caseId: { type: 'string', maxLength: 64 },
            text: { type: 'string', minLength: 1, maxLength: 4000 },
          },
        },
      },
    },
    async (request, reply) => {
      const session = request.session as SessionRow;
      const at = now();
      const state = await writer.submit(async (tx) => {
        const q = reportingQueries(tx);
        const row = await q.caseById(request.body.caseId);
        // Another account's case is "not found": whether a case exists about someone else is not disclosed.
        if (!row || row.subjectAccountId !== session.accountId)
          throw new ServerError('NOT_FOUND', `no case ${request.body.caseId} about you`);
        const event: CaseEvent = { type: 'appeal', at, text: request.body.text };
        return appendCaseEvent(q, row.caseId, event, {
          actorId: session.accountId,
          role: 'user',
          action: 'case.appeal',
        });
      });
      reply.code(201);
      return { caseId: request.body.caseId, status: state.status };
    },
  );

  // ---- staff: the moderation queue and cases ----
  /** Which cases a role may open: escalated cases are for senior moderators and admins only. */
  const mayOpen = (role: Role, state: CaseState) => state.status !== 'escalated' || role !== 'moderator';

  app.get<{ Querystring: { status?: string } }>(
    '/v1/mod/cases',
    { onRequest: authenticateStaff, schema: { tags: ['moderation'] } },
    async (request) => {
      const staff = staffOf(request);
      const q = reportingQueries(repository);
      const cases = [];
      for (const row of await q.allCases()) {
        const events = await q.events(row.caseId);
        const state = reduceCase(events);
        if (!mayOpen(staff.role, state)) continue;
        if (request.query.status && state.status !== request.query.status) continue;
        // The queue shows what a case is about without opening it (an open is an audited view).
        const category = events.findLast(
          (e) => (e.type === 'report' || e.type === 'match') && e.category !== undefined,
        ) as { category?: IncidentType } | undefined;
        const sources = [
          ...new Set(
            events.flatMap((e) =>
              e.type === 'report' ? ['user'] : e.type === 'match' ? [e.source ?? 'mode'] : [],
            ),
          ),
        ];
        cases.push({
          caseId: row.caseId,
          subjectAccountId: row.subjectAccountId,
          ...state,
          category: category?.category,
          sources,
        });
      }
      cases.sort(
        (a, b) => PRIORITIES.indexOf(a.priority) - PRIORITIES.indexOf(b.priority) || a.dueAt - b.dueAt,
      );
      return { cases, now: now() };
    },
  );

  app.get<{ Params: { caseId: string } }>(
    '/v1/mod/cases/:caseId',
    { onRequest: authenticateStaff, schema: { tags: ['moderation'] } },
    async (request) => {
      const staff = staffOf(request);
      const at = now();
      return writer.submit(async (tx) => {
        const q = reportingQueries(tx);
        const row = await q.caseById(request.params.caseId);
        if (!row) throw new ServerError('NOT_FOUND', `no case ${request.params.caseId}`);
        const events = await q.events(row.caseId);
        const state = reduceCase(events);
        if (!mayOpen(staff.role, state)) {
          throw new ServerError(
            'FORBIDDEN',
            'an escalated case is open to senior moderators and admins only',
          );
        }
        const view: CaseEvent = { type: 'view', at, actorId: staff.id };
        await q.appendEvent(row.caseId, view);
        await appendAudit(q, {
          at,
          actorId: staff.id,
          role: staff.role,
          action: 'case.view',
          caseId: row.caseId,
        });
        return {
          caseId: row.caseId,
          subjectAccountId: row.subjectAccountId,
          state,
          evidenceExpiresAt: evidenceExpiresAt(state, retentionMs),
          events: [...events, view],
          reports: openReports(await q.reportsOfCase(row.caseId)),
        };
      });
    },
  );

  app.post<{ Params: { caseId: string }; Body: Record<string, string> & { type: string } }>(
    '/v1/mod/cases/:caseId/events',
    { onRequest: authenticateStaff, schema: { tags: ['moderation'], body: eventBody } },
    async (request) => {
      const staff = staffOf(request);
      const at = now();
      const event = { ...request.body, at, actorId: staff.id } as unknown as CaseEvent;
      const result = await writer.submit(async (tx) => {
        const q = reportingQueries(tx);
        const row = await q.caseById(request.params.caseId);
        if (!row) throw new ServerError('NOT_FOUND', `no case ${request.params.caseId}`);
        const state = await appendCaseEvent(
          q,
          row.caseId,
          event,
          { actorId: staff.id, role: staff.role, action: `case.${event.type}`, details: { ...request.body } },
          (before) => {
            if (!mayOpen(staff.role, before))
              throw new ReportingError('REPORT_NOT_PERMITTED', 'an escalated case is for senior moderators');
            authorizeEvent(staff.role, event, before);
          },
        );
        return { caseId: row.caseId, state };
      });
      if (event.type === 'decide' && event.decision === 'report-to-ncmec' && ncmec) {
        // "As soon as reasonably possible" (18 USC 2258A), but not inside the moderator's request:
        // filed in the background, retried by the reporter, resumable with POST .../ncmec.
        fileWithNcmec(result.caseId, 'system').catch((error: unknown) =>
          app.log.error({ err: error, caseId: result.caseId }, 'NCMEC filing did not complete'),
        );
      }
      return result;
    },
  );

  /** Decrypts preserved report contents; deleted ones come back as `{ deleted: true }`. */
  function openReports(reports: StoredReport[]) {
    return reports.map((r) => ({
      reportId: r.reportId,
      reporterAccountId: r.reporterAccountId,
      createdAt: r.createdAt,
      body: r.body === '' ? { deleted: true } : vault.open(r.reportId, r.body),
    }));
  }

  /**
   * Deletes the contents of every case whose preservation period (and any legal hold) has ended,
   * recording a case event and an audit entry for each. Returns the cases swept.
   */
  async function sweepExpiredEvidence(): Promise<string[]> {
    const at = now();
    const swept: string[] = [];
    for (const row of await reportingQueries(repository).allCases()) {
      const state = reduceCase(await reportingQueries(repository).events(row.caseId));
      if (state.evidenceDeleted || evidenceExpiresAt(state, retentionMs) > at) continue;
      await writer.submit(async (tx) => {
        const q = reportingQueries(tx);
        const current = reduceCase(await q.events(row.caseId)); // re-check inside the writer
        if (current.evidenceDeleted || evidenceExpiresAt(current, retentionMs) > at) return;
        for (const report of await q.reportsOfCase(row.caseId))
          await evidenceFiles.deleteReport(report.reportId);
        const deleted = await q.deleteReportBodies(row.caseId);
        await q.appendEvent(row.caseId, { type: 'evidence-deleted', at });
        await appendAudit(q, {
          at,
          actorId: 'system',
          role: 'system',
          action: 'evidence.delete',
          caseId: row.caseId,
          details: { reports: deleted },
        });
        swept.push(row.caseId);
      });
    }
    return swept;
  }
  const sweepEvery = options.config?.sweepIntervalMs ?? 3_600_000;
  if (sweepEvery > 0) {
    const timer = setInterval(() => {
      sweepExpiredEvidence().catch((error: unknown) =>
        app.log.error({ err: error }, 'evidence sweep failed'),
      );
    }, sweepEvery);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  }

  app.post(
    '/v1/mod/retention/sweep',
    { onRequest: authenticateStaff, schema: { tags: ['moderation'] } },
    async (request) => {
      if (staffOf(request).role !== 'admin')
        throw new ServerError('FORBIDDEN', 'only admins run the retention sweep');
      return { swept: await sweepExpiredEvidence() };
    },
  );

  /**
   * A case bundle for law enforcement: the case state and events, the preserved reports and the
   * case's audit entries, each as a file with its SHA-256 in a manifest, and the manifest's own
   * hash. Senior moderators and admins only; the export itself is audited.
   */
  app.get<{ Params: { caseId: string } }>(
    '/v1/mod/cases/:caseId/export',
    { onRequest: authenticateStaff, schema: { tags: ['moderation'] } },
    async (request) => {
      const staff = requireRole(
        request,
        ['senior-moderator', 'admin'],
        'case bundles are exported by senior moderators and admins',
      );
      const at = now();
      return writer.submit(async (tx) => {
        const q = reportingQueries(tx);
        const row = await q.caseById(request.params.caseId);
        if (!row) throw new ServerError('NOT_FOUND', `no case ${request.params.caseId}`);
        const events = await q.events(row.caseId);
        await appendAudit(q, {
          at,
          actorId: staff.id,
          role: staff.role,
          action: 'case.export',
          caseId: row.caseId,
        });
        const files: Record<string, string> = {
          'case.json': canonicalJson({
            caseId: row.caseId,
            subjectAccountId: row.subjectAccountId,
            state: reduceCase(events),
          }),
          'events.json': canonicalJson(events),
          'reports.json': canonicalJson(openReports(await q.reportsOfCase(row.caseId))),
          'audit.json': canonicalJson((await q.auditEntries()).filter((e) => e.caseId === row.caseId)),
        };
        const manifest = Object.entries(files).map(([name, text]) => ({
          name,
          sha256: sha256(text),
          bytes: Buffer.byteLength(text),
        }));
        return {
          exportedAt: at,
          caseId: row.caseId,
          manifest,
          manifestSha256: sha256(canonicalJson(manifest)),
          files,
        };
      });
    },
  );

  /**
   * Reported media for moderators: blurred and greyscale by default (moderator wellbeing); the
   * original only with `?reveal=1`, which is recorded as a case event and in the audit log.
   */
  app.get<{ Params: { caseId: string; reportId: string; file: number }; Querystring: { reveal?: string } }>(
    '/v1/mod/cases/:caseId/reports/:reportId/files/:file',
    {
      onRequest: authenticateStaff,
      schema: {
        tags: ['moderation'],
        params: {
          type: 'object',
          properties: {
            caseId: { type: 'string' },
            reportId: { type: 'string' },
            file: { type: 'integer', minimum: 0 },
          },
        },
        querystring: { type: 'object', properties: { reveal: { type: 'string', enum: ['0', '1'] } } },
      },
    },
    async (request, reply) => {
      const staff = staffOf(request);
      const { caseId, reportId, file } = request.params;
      const reveal = request.query.reveal === '1';
      const at = now();
      const report = await writer.submit(async (tx) => {
        const q = reportingQueries(tx);
        const row = await q.caseById(caseId);
        if (!row) throw new ServerError('NOT_FOUND', `no case ${caseId}`);
        const state = reduceCase(await q.events(caseId));
        if (!mayOpen(staff.role, state))
          throw new ServerError('FORBIDDEN', 'an escalated case is for senior moderators');
        const found = (await q.reportsOfCase(caseId)).find((r) => r.reportId === reportId);
        if (!found || found.body === '')
          throw new ServerError('NOT_FOUND', `no preserved report ${reportId} in case ${caseId}`);
        if (reveal) {
          const event: CaseEvent = { type: 'reveal', at, actorId: staff.id, itemId: `${reportId}/${file}` };
          await appendCaseEvent(
            q,
            caseId,
            event,
            { actorId: staff.id, role: staff.role, action: 'media.reveal', details: { reportId, file } },
            (before) => authorizeEvent(staff.role, event, before),
          );
        }
        return found;
      });
      const body = vault.open(report.reportId, report.body) as {
        messages: Array<{ attachments: Array<{ file?: number; mediaType: string }> }>;
      };
      const attachment = body.messages.flatMap((m) => m.attachments).find((a) => a.file === file);
      if (!attachment) throw new ServerError('NOT_FOUND', `no preserved file ${file} in report ${reportId}`);
      const bytes = await evidenceFiles.get(reportId, file);
      if (reveal)
        return reply.type(attachment.mediaType).header('cache-control', 'no-store').send(Buffer.from(bytes));
      if (!attachment.mediaType.startsWith('image/')) {
        throw new ServerError('FORBIDDEN', 'this media type is only shown revealed (no safe preview)');
      }
      const preview = await sharp(bytes, { limitInputPixels: 50_000_000 })
        .resize(320, 320, { fit: 'inside' })
        .greyscale()
        .toColourspace('b-w')
        .blur(12)
        .jpeg({ quality: 60 })
        .toBuffer();
      return reply.type('image/jpeg').header('cache-control', 'no-store').send(preview);
    },
  );

  // ---- NCMEC CyberTipline: a "report-to-ncmec" decision files the case (docs/ncmec.md) ----
  const ncmecConfig = options.config?.ncmec;
  const ncmecStore: NcmecSubmissionStore = {
    load: async (caseId) => {
      const record = await reportingQueries(repository).ncmecRecord(caseId);
      return record === undefined ? undefined : (JSON.parse(record) as NcmecSubmissionRecord);
    },
    // Durable when it resolves: the writer answers only after its transaction commits.
    save: (record) =>
      writer.submit((tx) => reportingQueries(tx).saveNcmecRecord(record.caseId, JSON.stringify(record))),
  };
  const ncmec = ncmecConfig
    ? new NcmecReporter({
        client: new NcmecClient({
          baseUrl: ncmecConfig.baseUrl,
          username: ncmecConfig.username,
          password: ncmecConfig.password,
          ...(ncmecConfig.timeoutMs === undefined ? {} : { timeoutMs: ncmecConfig.timeoutMs }),
        }),
        store: ncmecStore,
        ...(ncmecConfig.retry === undefined ? {} : { retry: ncmecConfig.retry }),
      })
    : undefined;
  /** One filing per case at a time: a second trigger waits for the first. */
  const filings = new Map<string, Promise<NcmecSubmissionRecord | undefined>>();

  type PreservedMessage = {
    conversationId: string;
    messageId: string;
    senderAccountId: string;
    receivedAt: number;
    text: string;
    verification?: { verified: boolean };
    attachments: Array<{ file?: number; mediaType: string; size: number }>;
  };

  /** The case as a CyberTipline submission: verified messages as the chat, preserved files with hashes. */
  async function ncmecSubmission(caseId: string, config: NcmecConfig): Promise<NcmecCaseSubmission> {
    const q = reportingQueries(repository);
    const row = await q.caseById(caseId);
    if (!row) throw new ServerError('NOT_FOUND', `no case ${caseId}`);
    const events = await q.events(caseId);
    const state = reduceCase(events);
    const revealed = new Set(events.flatMap((e) => (e.type === 'reveal' ? [e.itemId] : [])));
    const reports = openReports(await q.reportsOfCase(caseId));
    const seen = new Set<string>();
    const messages: Array<PreservedMessage & { reportId: string }> = [];
    let category: IncidentType | undefined;
    for (const report of reports) {
      const body = report.body as {
        deleted?: boolean;
        category?: IncidentType;
        messages?: PreservedMessage[];
      };
      if (body.deleted) continue;
      category ??= body.category;
      for (const m of body.messages ?? []) {
        if (!m.verification?.verified || seen.has(m.messageId)) continue; // only what the franks prove
        seen.add(m.messageId);
        messages.push({ ...m, reportId: report.reportId });
      }
    }
    if (messages.length === 0)
      throw new ServerError('VALIDATION_FAILED', `case ${caseId} has no verified reported message`);
    messages.sort((a, b) => a.receivedAt - b.receivedAt);
    const files: NcmecCaseFile[] = [];
    for (const m of messages) {
      for (const a of m.attachments) {
        if (a.file === undefined) continue;
        const bytes = await evidenceFiles.get(m.reportId, a.file);
        files.push({
          key: `${m.reportId}/${a.file}`,
          bytes,
          fileName: `${m.messageId}-${a.file}`,
          contentType: a.mediaType,
          facts: {
            fileName: `${m.messageId}-${a.file}`,
            uploadedToEspAt: new Date(m.receivedAt),
            viewedByEsp: revealed.has(`${m.reportId}/${a.file}`),
            originalHashes: [
              { type: 'MD5', value: createHash('md5').update(bytes).digest('hex') },
              { type: 'SHA256', value: createHash('sha256').update(bytes).digest('hex') },
            ],
          },
        });
      }
    }
    const first = messages[0] as PreservedMessage;
    return {
      caseId,
      files,
      report: {
        incident: {
          type:
            category ??
            (files.length > 0
              ? 'Child Pornography (possession, manufacture, and distribution)'
              : 'Online Enticement of Children for Sexual Acts'),
          platform: config.platform ?? 'Safelight Messenger',
          dateTime: new Date(first.receivedAt),
          dateTimeDescription: 'Time the first reported message was received by the server',
        },
        chats: [
          {
            chatClient: 'Safelight Messenger (MLS end-to-end encrypted)',
            chatRoomName: first.conversationId,
            content: messages
              .map((m) => `[${new Date(m.receivedAt).toISOString()}] ${m.senderAccountId}: ${m.text}`)
              .join('\n'),
            additionalInfo: 'Disclosed by a recipient; every message verified by its server frank',
          },
        ],
        reporter: config.reporter,
        reportedUsers: [
          {
            espIdentifier: row.subjectAccountId,
            accountStatus:
              state.decision === 'suspend' ? { kind: 'permanentlyDisabled' } : { kind: 'active' },
          },
        ],
      },
    };
  }

  /** Files (or resumes filing) a case; audited; never submits twice (NcmecReporter's record). */
  function fileWithNcmec(caseId: string, actorId: string): Promise<NcmecSubmissionRecord | undefined> {
    const running = filings.get(caseId);
    if (running) return running;
    const run = (async () => {
      if (!ncmec || !ncmecConfig)
        throw new ServerError('VALIDATION_FAILED', 'NCMEC reporting is not configured (moderation.ncmec)');
      const filed = await ncmec.file(await ncmecSubmission(caseId, ncmecConfig));
      const at = now();
      await writer.submit((tx) =>
        appendAudit(reportingQueries(tx), {
          at,
          actorId,
          role: 'system',
          action: 'ncmec.filed',
          caseId,
          details: { reportId: filed.reportId },
        }),
      );
      return ncmec.record(caseId);
    })().finally(() => filings.delete(caseId));
    filings.set(caseId, run);
    return run;
  }

  app.get<{ Params: { caseId: string } }>(
    '/v1/mod/cases/:caseId/ncmec',
    { onRequest: authenticateStaff, schema: { tags: ['moderation'] } },
    async (request) => {
      staffOf(request);
      return { record: (await ncmecStore.load(request.params.caseId)) ?? null };
    },
  );

  app.post<{ Params: { caseId: string } }>(
    '/v1/mod/cases/:caseId/ncmec',
    { onRequest: authenticateStaff, schema: { tags: ['moderation'] } },
    async (request) => {
      const staff = requireRole(
        request,
        ['senior-moderator', 'admin'],
        'NCMEC filings are run by senior moderators and admins',
      );
      return { record: await fileWithNcmec(request.params.caseId, staff.id) };
    },
  );

  /** Transparency counts for [from, to) as JSON, CSV or an SVG chart (auditors and admins). */
  app.get<{ Querystring: { from?: number; to?: number; format?: 'json' | 'csv' | 'svg' } }>(
    '/v1/mod/transparency',
    {
      onRequest: authenticateStaff,
      schema: {
        tags: ['moderation'],
        querystring: {
          type: 'object',
          properties: {
            from: { type: 'integer', minimum: 0 },
            to: { type: 'integer', minimum: 0 },
            format: { type: 'string', enum: ['json', 'csv', 'svg'] },
          },
        },
      },
    },
    async (request, reply) => {
      requireRole(request, ['auditor', 'admin'], 'transparency figures are prepared by auditors and admins');
      const to = request.query.to ?? now();
      const from = request.query.from ?? to - 365 * 24 * 3_600_000;
      if (from >= to) throw new ServerError('VALIDATION_FAILED', 'querystring/from must be before to');
      const q = reportingQueries(repository);
      const cases = [];
      for (const row of await q.allCases())
        cases.push({ subjectAccountId: row.subjectAccountId, events: await q.events(row.caseId) });
      const report = computeTransparency(cases, { from, to });
      if (request.query.format === 'csv')
        return reply.type('text/csv; charset=utf-8').send(transparencyCsv(report));
      if (request.query.format === 'svg') return reply.type('image/svg+xml').send(transparencySvg(report));
      return report;
    },
  );

  app.get(
    '/v1/mod/audit',
    { onRequest: authenticateStaff, schema: { tags: ['moderation'] } },
    async (request) => {
      requireRole(request, ['auditor', 'admin'], 'the audit log is open to auditors and admins');
      const entries = await reportingQueries(repository).auditEntries();
      return { entries, chain: verifyAuditChain(entries) };
    },
  );
});

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
