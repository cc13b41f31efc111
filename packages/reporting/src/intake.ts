// Report intake: a user reveals messages they received (plaintext, attachment digests, franking
// key, tag and the server's frank) and the server checks each one. Verified parts prove exactly
// what was sent, by whom, in which conversation and when; unverifiable parts are kept but marked,
// because a moderator may still want to read them — they just prove nothing.
import {
  type FrankingKeyring,
  type FrankingReport,
  type ReportFailureReason,
  verifyReport,
} from '@safelight/franking';
import { type IncidentType, isIncidentType, type PrioritySignals } from './categories.js';
import { ReportingError } from './errors.js';

export const REPORT_LIMITS = {
  maxMessages: 100,
  maxPlaintextBytes: 64 * 1024,
  maxTotalPlaintextBytes: 2 * 1024 * 1024,
  maxCommentChars: 4000,
} as const;

export interface UserReport {
  readonly reporterAccountId: string;
  /** The reported message(s) with the preceding context the reporter chose, oldest first. */
  readonly messages: readonly FrankingReport[];
  /** Defaults to the sender of the last message. */
  readonly reportedAccountId?: string | undefined;
  readonly category?: IncidentType | undefined;
  readonly signals?: PrioritySignals | undefined;
  readonly comment?: string | undefined;
}

export type MessageVerification =
  | { readonly verified: true; readonly keyId: string }
  | {
      readonly verified: false;
      readonly reason: ReportFailureReason | 'not-received';
      readonly detail: string;
    };

export interface VerifiedReportMessage {
  readonly index: number;
  readonly conversationId: string;
  readonly messageId: string;
  readonly senderId: string;
  readonly receivedAt: number;
  readonly verification: MessageVerification;
}

export interface ReportIntake {
  readonly subjectAccountId: string;
  readonly messages: readonly VerifiedReportMessage[];
  readonly verifiedCount: number;
}

export interface IntakeOptions {
  readonly keyring: FrankingKeyring;
  readonly now: number;
  /** Franks older than this do not verify (default: 1 year, the preservation period). */
  readonly maxAgeMs?: number;
  /**
   * Whether the reporter's account was a recipient of this message (the delivery server knows).
   * A report about a message the reporter never received proves nothing about the reporter's
   * experience even if its frank is genuine (e.g. forwarded evidence), so it is marked unverified.
   */
  readonly wasReceivedBy?: (reporterAccountId: string, message: FrankingReport) => boolean | Promise<boolean>;
}

const YEAR_MS = 365 * 24 * 3_600_000;

/** Checks shape and limits (throws REPORT_INVALID / REPORT_TOO_LARGE naming the field), then verifies each message. */
export async function verifyUserReport(report: UserReport, options: IntakeOptions): Promise<ReportIntake> {
  checkReportShape(report);
  const messages: VerifiedReportMessage[] = [];
  for (const [index, message] of report.messages.entries()) {
    const result = verifyReport(options.keyring, message, {
      now: options.now,
      maxAgeMs: options.maxAgeMs ?? YEAR_MS,
    });
    let verification: MessageVerification = result.ok
      ? { verified: true, keyId: result.keyId }
      : { verified: false, reason: result.reason, detail: result.detail };
    if (verification.verified && options.wasReceivedBy) {
      const received = await options.wasReceivedBy(report.reporterAccountId, message);
      if (!received) {
        verification = {
          verified: false,
          reason: 'not-received',
          detail: 'the reporter was not a recipient of this message',
        };
      }
    }
    messages.push({
      index,
      conversationId: message.conversationId,
      messageId: message.messageId,
      senderId: message.senderId,
      receivedAt: message.receivedAt,
      verification,
    });
  }
  const last = report.messages[report.messages.length - 1] as FrankingReport;
  return {
    subjectAccountId: report.reportedAccountId ?? last.senderId,
    messages,
    verifiedCount: messages.filter((m) => m.verification.verified).length,
  };
}

function checkReportShape(report: UserReport): void {
  const invalid = (field: string, why: string): never => {
    throw new ReportingError('REPORT_INVALID', `report.${field} ${why}`);
  };
  if (report === null || typeof report !== 'object') invalid('', 'must be an object');
  if (typeof report.reporterAccountId !== 'string' || report.reporterAccountId.length === 0) {
    invalid('reporterAccountId', 'must be a non-empty string');
  }
  if (!Array.isArray(report.messages) || report.messages.length === 0)
    invalid('messages', 'must list at least one message');
  if (report.messages.length > REPORT_LIMITS.maxMessages) {
    throw new ReportingError(
      'REPORT_TOO_LARGE',
      `report.messages has ${report.messages.length} entries; at most ${REPORT_LIMITS.maxMessages}`,
    );
  }
  let total = 0;
  let previous = Number.NEGATIVE_INFINITY;
  report.messages.forEach((message, i) => {
    if (message === null || typeof message !== 'object') invalid(`messages[${i}]`, 'must be an object');
    if (!(message.plaintext instanceof Uint8Array)) invalid(`messages[${i}].plaintext`, 'must be bytes');
    if (message.plaintext.length > REPORT_LIMITS.maxPlaintextBytes) {
      throw new ReportingError(
        'REPORT_TOO_LARGE',
        `report.messages[${i}].plaintext is over ${REPORT_LIMITS.maxPlaintextBytes} bytes`,
      );
    }
    total += message.plaintext.length;
    if (!Number.isFinite(message.receivedAt)) invalid(`messages[${i}].receivedAt`, 'must be a time in ms');
    if (message.receivedAt < previous)
      invalid(
        `messages[${i}].receivedAt`,
        'is earlier than the message before it (context must be in order)',
      );
    previous = message.receivedAt;
  });
  if (total > REPORT_LIMITS.maxTotalPlaintextBytes) {
    throw new ReportingError(
      'REPORT_TOO_LARGE',
      `report plaintexts total ${total} bytes; at most ${REPORT_LIMITS.maxTotalPlaintextBytes}`,
    );
  }
  if (report.category !== undefined && !isIncidentType(report.category))
    invalid('category', 'is not an NCMEC incident type');
  if (
    report.comment !== undefined &&
    (typeof report.comment !== 'string' || report.comment.length > REPORT_LIMITS.maxCommentChars)
  ) {
    invalid('comment', `must be a string of at most ${REPORT_LIMITS.maxCommentChars} characters`);
  }
}
