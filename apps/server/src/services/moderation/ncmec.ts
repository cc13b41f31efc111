// NCMEC CyberTipline (docs/ncmec.md): a "report-to-ncmec" decision files the case. The filer is
// process-wide (one filing per case at a time, retries in NcmecReporter); what it reads and writes
// goes through the moderation service, in reads and in writer transactions of their own.
import { createHash } from 'node:crypto';
import { type IncidentType, reduceCase } from '@safelight/reporting';
import {
  type NcmecCaseFile,
  type NcmecCaseSubmission,
  NcmecClient,
  NcmecReporter,
  type NcmecSubmissionRecord,
} from '@safelight/reporting/ncmec';
import { ServerError } from '../../errors.js';
import type { EvidenceFiles } from '../../evidence.js';
import type { ReportingQueries } from '../../storage/reporting-repository.js';
import type { Services } from '../services.js';
import type { NcmecConfig } from './config.js';
import type { OpenedReport } from './reports.js';

type PreservedMessage = {
  conversationId: string;
  messageId: string;
  senderAccountId: string;
  receivedAt: number;
  text: string;
  verification?: { verified: boolean };
  attachments: Array<{ file?: number; mediaType: string; size: number }>;
};

/** What the filer needs of the server: the services to read with, and a writer transaction. */
export interface FilerAccess {
  read(): Services;
  write<T>(fn: (services: Services) => Promise<T>): Promise<T>;
}

/** Files (or resumes filing) cases with the CyberTipline; never submits a case twice. */
export class NcmecFiler {
  private readonly reporter: NcmecReporter;
  private readonly filings = new Map<string, Promise<NcmecSubmissionRecord | undefined>>();

  constructor(
    readonly config: NcmecConfig,
    private readonly access: FilerAccess,
  ) {
    this.reporter = new NcmecReporter({
      client: new NcmecClient({
        baseUrl: config.baseUrl,
        username: config.username,
        password: config.password,
        ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
      }),
      store: {
        load: (caseId) => access.read().moderation.loadNcmecRecord(caseId),
        // Durable when it resolves: the writer answers only after its transaction commits.
        save: (record) => access.write((s) => s.moderation.saveNcmecRecord(record)),
      },
      ...(config.retry === undefined ? {} : { retry: config.retry }),
    });
  }

  /** Files `caseId` (audited as `actorId`); a second call while one runs waits for the first. */
  file(caseId: string, actorId: string): Promise<NcmecSubmissionRecord | undefined> {
    const running = this.filings.get(caseId);
    if (running) return running;
    const run = (async () => {
      const submission = await this.access.read().moderation.ncmecSubmission(caseId, this.config);
      const filed = await this.reporter.file(submission);
      await this.access.write((s) => s.moderation.auditNcmecFiled(caseId, actorId, filed.reportId));
      return this.reporter.record(caseId);
    })().finally(() => this.filings.delete(caseId));
    this.filings.set(caseId, run);
    return run;
  }
}

/** The case as a CyberTipline submission: verified messages as the chat, preserved files with hashes. */
export async function ncmecSubmission(
  q: ReportingQueries,
  files: EvidenceFiles,
  openReports: (caseId: string) => Promise<OpenedReport[]>,
  caseId: string,
  config: NcmecConfig,
): Promise<NcmecCaseSubmission> {
  const row = await q.caseById(caseId);
  if (!row) throw new ServerError('NOT_FOUND', `no case ${caseId}`);
  const events = await q.events(caseId);
  const state = reduceCase(events);
  const revealed = new Set(events.flatMap((e) => (e.type === 'reveal' ? [e.itemId] : [])));
  const seen = new Set<string>();
  const messages: Array<PreservedMessage & { reportId: string }> = [];
  let category: IncidentType | undefined;
  for (const report of await openReports(caseId)) {
    const body = report.body as { deleted?: boolean; category?: IncidentType; messages?: PreservedMessage[] };
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
  const caseFiles: NcmecCaseFile[] = [];
  for (const m of messages) {
    for (const a of m.attachments) {
      if (a.file === undefined) continue;
      const bytes = await files.get(m.reportId, a.file);
      caseFiles.push({
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
    files: caseFiles,
    report: {
      incident: {
        type:
          category ??
          (caseFiles.length > 0
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
          accountStatus: state.decision === 'suspend' ? { kind: 'permanentlyDisabled' } : { kind: 'active' },
        },
      ],
    },
  };
}
