// Report intake (docs/reporting.md): the reporter reveals messages they received; each part is
// verified against the server's franking keys, revealed attachments are opened from their blob and
// kept sealed, and the report's contents are sealed for the case. Nothing here writes the database:
// the service records the prepared report in the writer's transaction.
import { randomBytes } from 'node:crypto';
import type { reports } from '@safelight/api';
import { decryptAttachment, E2eeError } from '@safelight/e2ee';
import type { FrankingKeyring, FrankingReport } from '@safelight/franking';
import { derivePriority, type Priority, type ReportIntake, verifyUserReport } from '@safelight/reporting';
import type { BlobStore } from '../../blobs.js';
import { fromB64u } from '../../encoding.js';
import { ServerError } from '../../errors.js';
import type { EvidenceFiles, EvidenceVault } from '../../evidence.js';
import { asServerError } from './staff.js';

type Submission = reports.ReportSubmission;

/** A verified report, its evidence preserved, ready to be recorded. */
export interface PreparedReport {
  readonly reportId: string;
  readonly reporterAccountId: string;
  readonly subjectAccountId: string;
  readonly priority: Priority;
  readonly category: Submission['category'];
  /** The sealed contents (EvidenceVault). */
  readonly sealed: string;
  readonly intake: ReportIntake;
  readonly parts: number;
}

export interface IntakeDeps {
  readonly keyring: FrankingKeyring;
  readonly vault: EvidenceVault;
  readonly files: EvidenceFiles;
  readonly blobs: BlobStore;
  readonly now: number;
  readonly maxAgeMs: number | undefined;
  /** Whether `account` has a device in the message's conversation now. */
  readonly wasReceivedBy: (account: string, conversationId: string) => Promise<boolean>;
}

type AttachmentCheck = { file?: number; opened: boolean; reason?: string };

export async function prepareReport(
  reporterAccountId: string,
  body: Submission,
  deps: IntakeDeps,
): Promise<PreparedReport> {
  const messages: FrankingReport[] = body.messages.map((m, i) => ({
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
      reportedAccountId: body.reportedAccountId,
      category: body.category,
      comment: body.comment,
    },
    {
      keyring: deps.keyring,
      now: deps.now,
      ...(deps.maxAgeMs === undefined ? {} : { maxAgeMs: deps.maxAgeMs }),
      // The delivery server cannot know past rosters; the reporter's account must have a
      // device in the conversation now (docs/reporting.md, "What intake can check").
      wasReceivedBy: (account, message) => deps.wasReceivedBy(account, message.conversationId),
    },
  ).catch((error: unknown) => {
    throw asServerError(error);
  });
  const reportId = `rep_${randomBytes(12).toString('base64url')}`;
  // Revealed attachments: fetch the encrypted blob, open it with the revealed key. The
  // key-committing scheme and the franked plaintext digest mean a verified message's
  // attachment is proven to be exactly what was sent. Kept sealed, one file each.
  const checks = await preserveAttachments(reportId, body.messages, deps);
  const sealed = deps.vault.seal(reportId, {
    category: body.category,
    signals: body.signals,
    comment: body.comment,
    messages: body.messages.map((m, i) => ({
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
        ...checks[i]?.[j],
      })),
      verification: intake.messages[i]?.verification,
    })),
  });
  return {
    reportId,
    reporterAccountId,
    subjectAccountId: intake.subjectAccountId,
    priority: derivePriority(body.category, { ...body.signals }),
    category: body.category,
    sealed,
    intake,
    parts: messages.length,
  };
}

async function preserveAttachments(
  reportId: string,
  messages: Submission['messages'],
  deps: IntakeDeps,
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
        const { stream } = await deps.blobs.get(a.blobId);
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        const plaintext = decryptAttachment(new Uint8Array(Buffer.concat(chunks)), {
          key: fromB64u(a.key, 'attachments.key'),
          digest: fromB64u(a.digest, 'attachments.digest'),
          size: a.size,
          mediaType: a.mediaType,
        });
        await deps.files.put(reportId, fileIndex, plaintext);
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
