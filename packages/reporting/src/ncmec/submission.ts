/**
 * Filing a case's report with the CyberTipline exactly once: submit -> upload -> fileinfo (per file)
 * -> finish, every id persisted through an injected store before the next step, retries with
 * exponential backoff for the steps that are safe to repeat, and never a second submit for a case.
 * See docs/ncmec.md ("Retries and idempotency").
 */
import { type BuildOptions, buildFileDetailsXml, buildReportXml } from './build.js';
import type { NcmecClient, NcmecUploadFile } from './client.js';
import { NcmecApiError, NcmecSubmissionError } from './errors.js';
import type { NcmecFileFacts, NcmecReport, NcmecReportedUser } from './model.js';
import { NCMEC_RESPONSE_CODES } from './responses.js';

export type NcmecSubmissionState =
  /** A submit was (or may have been) sent and no reportId is known: never submitted again automatically. */
  | 'submitting'
  /** The last submit was refused for certain (no report exists); the case may be submitted again. */
  | 'not_submitted'
  /** NCMEC gave a reportId; files are being attached. */
  | 'open'
  | 'finished'
  | 'retracted';

export interface NcmecFileRecord {
  /** The caller's key for the file (e.g. its evidence id), unique within the case. */
  readonly key: string;
  fileId?: string;
  /** NCMEC's MD5 of the bytes it received. */
  hash?: string;
  fileInfoSent: boolean;
  uploadAttempts: number;
}

/** What the store keeps per case: enough to resume after a crash without repeating a submit. */
export interface NcmecSubmissionRecord {
  readonly caseId: string;
  state: NcmecSubmissionState;
  reportId?: string;
  files: NcmecFileRecord[];
  submitAttempts: number;
  finishAttempts: number;
  /** The fileIds NCMEC listed when the report was finished. */
  finishedFileIds?: string[];
  updatedAt: string;
}

/** Durable per-case state. `save` must be durable when it resolves (the flow relies on it). */
export interface NcmecSubmissionStore {
  load(caseId: string): Promise<NcmecSubmissionRecord | undefined>;
  save(record: NcmecSubmissionRecord): Promise<void>;
}

/** An in-memory store (tests, single-process demos). */
export class MemoryNcmecSubmissionStore implements NcmecSubmissionStore {
  readonly #records = new Map<string, NcmecSubmissionRecord>();

  async load(caseId: string): Promise<NcmecSubmissionRecord | undefined> {
    const record = this.#records.get(caseId);
    return record ? structuredClone(record) : undefined;
  }

  async save(record: NcmecSubmissionRecord): Promise<void> {
    this.#records.set(record.caseId, structuredClone(record));
  }
}

export interface NcmecCaseFile extends NcmecUploadFile {
  readonly key: string;
  readonly facts: NcmecFileFacts;
}

export interface NcmecCaseSubmission {
  readonly caseId: string;
  readonly report: NcmecReport;
  readonly files: readonly NcmecCaseFile[];
}

export interface NcmecFiledReport {
  readonly caseId: string;
  readonly reportId: string;
  /** fileId per file key. */
  readonly fileIds: Readonly<Record<string, string>>;
  /** Where forbidden characters were removed from the report's text. */
  readonly removedCharacters: ReadonlyArray<{
    readonly field: string;
    readonly characters: readonly string[];
  }>;
}

export interface NcmecRetryPolicy {
  /** Attempts per step, the first included (default 5). */
  readonly attempts?: number;
  /** First backoff delay in ms (default 1000); doubles per attempt. */
  readonly baseDelayMs?: number;
  /** Largest backoff delay in ms (default 60 000). */
  readonly maxDelayMs?: number;
}

export interface NcmecReporterOptions {
  readonly client: NcmecClient;
  readonly store: NcmecSubmissionStore;
  readonly retry?: NcmecRetryPolicy;
  readonly build?: BuildOptions;
  /** Waits between attempts (default setTimeout); injectable for a controllable clock. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
}

/** NCMEC answers that mean a server-side failure worth another try. */
const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  NCMEC_RESPONSE_CODES.SERVER_ERROR,
  NCMEC_RESPONSE_CODES.SAVE_FAILED,
  NCMEC_RESPONSE_CODES.UPLOAD_FAILED,
  NCMEC_RESPONSE_CODES.FILE_UPLOAD_FAILED,
  NCMEC_RESPONSE_CODES.UPDATE_FAILED,
]);

function isTransient(error: unknown): boolean {
  if (!(error instanceof NcmecApiError)) return false;
  if (error.code === 'NCMEC_REJECTED')
    return error.responseCode !== undefined && TRANSIENT_CODES.has(error.responseCode);
  return error.code !== 'NCMEC_UNAUTHORIZED';
}

function hasCode(error: unknown, code: number): boolean {
  return error instanceof NcmecApiError && error.code === 'NCMEC_REJECTED' && error.responseCode === code;
}

export class NcmecReporter {
  readonly #client: NcmecClient;
  readonly #store: NcmecSubmissionStore;
  readonly #attempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #build: BuildOptions;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => Date;

  constructor(options: NcmecReporterOptions) {
    this.#client = options.client;
    this.#store = options.store;
    this.#attempts = Math.max(1, options.retry?.attempts ?? 5);
    this.#baseDelayMs = options.retry?.baseDelayMs ?? 1000;
    this.#maxDelayMs = options.retry?.maxDelayMs ?? 60_000;
    this.#build = options.build ?? {};
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#now = options.now ?? (() => new Date());
  }

  /** The stored state of a case's report, if any. */
  record(caseId: string): Promise<NcmecSubmissionRecord | undefined> {
    return this.#store.load(caseId);
  }

  /**
   * Files the case's report: resumes from the stored state (a finished case answers at once, a
   * stored reportId is reused, uploaded files and sent details are skipped). Everything is built
   * and validated before the first request.
   */
  async file(submission: NcmecCaseSubmission): Promise<NcmecFiledReport> {
    const { caseId } = submission;
    const keys = new Set<string>();
    for (const file of submission.files) {
      if (keys.has(file.key)) {
        throw new NcmecSubmissionError('SUBMISSION_INVALID', caseId, `file key "${file.key}" appears twice`);
      }
      keys.add(file.key);
    }
    const report = buildReportXml(submission.report, this.#build);
    // Validate every file's details now, with placeholder ids, so nothing is sent for a bad case.
    for (const file of submission.files)
      buildFileDetailsXml({ ...file.facts, reportId: '0', fileId: 'pending' }, this.#build);

    let record = await this.#store.load(caseId);
    if (record?.state === 'finished') return this.#result(record, report.removed);
    if (record?.state === 'retracted') {
      throw new NcmecSubmissionError(
        'REPORT_RETRACTED',
        caseId,
        `case ${caseId}: its report ${record.reportId} was retracted`,
      );
    }
    if (record?.state === 'submitting') throw this.#unknown(record);

    if (!record || record.state === 'not_submitted') {
      record = {
        caseId,
        state: 'submitting',
        files: record?.files ?? [],
        submitAttempts: record?.submitAttempts ?? 0,
        finishAttempts: 0,
        updatedAt: this.#now().toISOString(),
      };
      record.reportId = await this.#submit(record, report.xml);
      record.state = 'open';
      await this.#save(record);
    }
    const reportId = record.reportId!;

    for (const file of submission.files) {
      let entry = record.files.find((f) => f.key === file.key);
      if (!entry) {
        entry = { key: file.key, fileInfoSent: false, uploadAttempts: 0 };
        record.files.push(entry);
      }
      if (!entry.fileId) {
        const fileEntry = entry;
        const uploaded = await this.#retry('upload', isTransient, async () => {
          fileEntry.uploadAttempts++;
          await this.#save(record!);
          return this.#client.upload(reportId, file);
        });
        entry.fileId = uploaded.fileId;
        if (uploaded.hash) entry.hash = uploaded.hash;
        await this.#save(record);
      }
      if (!entry.fileInfoSent) {
        const details = buildFileDetailsXml({ ...file.facts, reportId, fileId: entry.fileId }, this.#build);
        await this.#retry('fileinfo', isTransient, () => this.#client.fileInfo(details.xml));
        entry.fileInfoSent = true;
        await this.#save(record);
      }
    }

    const done = await this.#retry(
      'finish',
      (error) => isTransient(error),
      async () => {
        record!.finishAttempts++;
        await this.#save(record!);
        try {
          return await this.#client.finish(reportId);
        } catch (error) {
          // A finish that timed out may have landed: the re-issued one is then told so.
          if (hasCode(error, NCMEC_RESPONSE_CODES.REPORT_ALREADY_FINISHED) && record!.finishAttempts > 1)
            return undefined;
          throw error;
        }
      },
    ).catch(async (error: unknown) => {
      if (hasCode(error, NCMEC_RESPONSE_CODES.REPORT_ALREADY_RETRACTED)) {
        record!.state = 'retracted';
        await this.#save(record!);
      }
      throw error;
    });
    record.state = 'finished';
    if (done) record.finishedFileIds = [...done.fileIds];
    await this.#save(record);
    return this.#result(record, report.removed);
  }

  /**
   * Retracts the case's open report. A report already retracted is fine; a finished one cannot be
   * (REPORT_FINISHED), and a case without a reportId has nothing to retract (REPORT_NOT_SUBMITTED).
   */
  async retract(caseId: string): Promise<void> {
    const record = await this.#store.load(caseId);
    if (!record?.reportId) {
      if (record?.state === 'submitting') throw this.#unknown(record);
      throw new NcmecSubmissionError('REPORT_NOT_SUBMITTED', caseId, `case ${caseId} has no report at NCMEC`);
    }
    if (record.state === 'retracted') return;
    if (record.state === 'finished') {
      throw new NcmecSubmissionError(
        'REPORT_FINISHED',
        caseId,
        `case ${caseId}: report ${record.reportId} is finished`,
      );
    }
    const reportId = record.reportId;
    try {
      await this.#retry('retract', isTransient, () => this.#client.retract(reportId));
    } catch (error) {
      if (hasCode(error, NCMEC_RESPONSE_CODES.REPORT_ALREADY_FINISHED)) {
        record.state = 'finished';
        await this.#save(record);
        throw new NcmecSubmissionError(
          'REPORT_FINISHED',
          caseId,
          `case ${caseId}: report ${reportId} is finished`,
          error,
        );
      }
      if (!hasCode(error, NCMEC_RESPONSE_CODES.REPORT_ALREADY_RETRACTED)) throw error;
    }
    record.state = 'retracted';
    await this.#save(record);
  }

  /**
   * For a person who checked with NCMEC after SUBMIT_OUTCOME_UNKNOWN: either the reportId NCMEC
   * holds for the case (the flow then continues with it) or 'not-received' (a new submit is allowed).
   */
  async resolveUnknownSubmit(
    caseId: string,
    resolution: { readonly reportId: string } | 'not-received',
  ): Promise<void> {
    const record = await this.#store.load(caseId);
    if (record?.state !== 'submitting') {
      throw new NcmecSubmissionError(
        'SUBMISSION_INVALID',
        caseId,
        `case ${caseId} has no submit of unknown outcome`,
      );
    }
    if (resolution === 'not-received') {
      record.state = 'not_submitted';
    } else {
      record.state = 'open';
      record.reportId = resolution.reportId;
    }
    await this.#save(record);
  }

  async #submit(record: NcmecSubmissionRecord, xml: string): Promise<string> {
    // Only a connection that never reached NCMEC is retried: any other failure may have opened a report.
    try {
      const { reportId } = await this.#retry(
        'submit',
        (error) => error instanceof NcmecApiError && error.code === 'NCMEC_UNREACHABLE',
        async () => {
          record.state = 'submitting';
          record.submitAttempts++;
          await this.#save(record); // persisted BEFORE the request leaves
          return this.#client.submit(xml);
        },
      );
      return reportId;
    } catch (error) {
      if (error instanceof NcmecApiError && !error.ambiguous) {
        record.state = 'not_submitted';
        await this.#save(record);
        throw error;
      }
      throw this.#unknown(record, error);
    }
  }

  #unknown(record: NcmecSubmissionRecord, cause?: unknown): NcmecSubmissionError {
    return new NcmecSubmissionError(
      'SUBMIT_OUTCOME_UNKNOWN',
      record.caseId,
      `case ${record.caseId}: a submit was sent and its outcome is unknown; it is not sent again. ` +
        'Check with NCMEC, then call resolveUnknownSubmit (an unfinished report is deleted by NCMEC on its own)',
      cause,
    );
  }

  async #retry<T>(step: string, retryable: (error: unknown) => boolean, run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        if (attempt >= this.#attempts || !retryable(error)) throw error;
        const delay = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
        await this.#sleep(delay / 2 + Math.random() * (delay / 2));
        void step;
      }
    }
  }

  async #save(record: NcmecSubmissionRecord): Promise<void> {
    record.updatedAt = this.#now().toISOString();
    await this.#store.save(record);
  }

  #result(record: NcmecSubmissionRecord, removed: NcmecFiledReport['removedCharacters']): NcmecFiledReport {
    const fileIds: Record<string, string> = {};
    for (const f of record.files) if (f.fileId) fileIds[f.key] = f.fileId;
    return { caseId: record.caseId, reportId: record.reportId!, fileIds, removedCharacters: removed };
  }
}

// ---------------------------------------------------------------------------------------------
// Batched reports for viral content

export interface NcmecViralItem {
  /** The user who shared the content. */
  readonly reportedUser: NcmecReportedUser;
  /** The copies that user shared. */
  readonly files: readonly NcmecCaseFile[];
}

export interface NcmecViralBatchOptions {
  /** Case id of each batch is `${caseIdPrefix}/batch-N` (N from 1). */
  readonly caseIdPrefix: string;
  /** Most reported users per report (default 100). */
  readonly maxUsersPerReport?: number;
  /** Most files per report (default 1000). */
  readonly maxFilesPerReport?: number;
}

/**
 * Groups many sharers of the same viral content into as few batched reports as the limits allow:
 * each report is marked batchedReport VIRAL_POTENTIAL_MEME and lists every user and file of its
 * batch. A user's files always stay in one report with that user.
 */
export function planViralBatches(
  base: Omit<NcmecReport, 'batched' | 'reportedUsers'>,
  items: readonly NcmecViralItem[],
  options: NcmecViralBatchOptions,
): NcmecCaseSubmission[] {
  const maxUsers = options.maxUsersPerReport ?? 100;
  const maxFiles = options.maxFilesPerReport ?? 1000;
  const batches: NcmecViralItem[][] = [];
  let current: NcmecViralItem[] = [];
  let files = 0;
  for (const item of items) {
    if (item.files.length > maxFiles) {
      throw new NcmecSubmissionError(
        'SUBMISSION_INVALID',
        options.caseIdPrefix,
        `a user has ${item.files.length} files, more than the ${maxFiles} one report may carry`,
      );
    }
    if (current.length > 0 && (current.length >= maxUsers || files + item.files.length > maxFiles)) {
      batches.push(current);
      current = [];
      files = 0;
    }
    current.push(item);
    files += item.files.length;
  }
  if (current.length > 0) batches.push(current);
  return batches.map((batch, index) => ({
    caseId: `${options.caseIdPrefix}/batch-${index + 1}`,
    report: {
      ...base,
      batched: { reason: 'VIRAL_POTENTIAL_MEME' },
      reportedUsers: batch.map((item) => item.reportedUser),
    },
    files: batch.flatMap((item) => item.files),
  }));
}

/** Files each submission in turn; one failure does not stop the others. */
export async function fileAll(
  reporter: NcmecReporter,
  submissions: readonly NcmecCaseSubmission[],
): Promise<Array<{ readonly caseId: string; readonly filed?: NcmecFiledReport; readonly error?: unknown }>> {
  const results: Array<{ caseId: string; filed?: NcmecFiledReport; error?: unknown }> = [];
  for (const submission of submissions) {
    try {
      results.push({ caseId: submission.caseId, filed: await reporter.file(submission) });
    } catch (error) {
      results.push({ caseId: submission.caseId, error });
    }
  }
  return results;
}
