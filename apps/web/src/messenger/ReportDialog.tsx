import type { SafelightClient, StoredMessage } from '@safelight/client';
import { useId, useState } from 'react';
import { Dialog } from '../ui/Dialog.tsx';
import { describeError } from '../ui/errors.ts';
import { REPORT_REASONS } from './labels.ts';
import { isReceipt } from './receipts.ts';

const CONTEXT_CHOICES = [0, 1, 2, 3, 5, 10];

/**
 * One-tap report with a chosen amount of earlier context. The reporter sees exactly which
 * messages (and attachments) will be sent before anything leaves the device: the report reveals
 * those messages' franking keys so the server can verify they were really sent.
 */
export function ReportDialog(props: {
  client: SafelightClient;
  message: StoredMessage;
  handleOf: (accountId: string) => string;
  onClose: () => void;
}) {
  const { client, message, handleOf } = props;
  const [context, setContext] = useState(3);
  const [reason, setReason] = useState(0);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | undefined>();
  const previewId = useId();

  // Receipts are not content: context counts the messages a person sees, and receipts are left out.
  const visible = client.history(message.conversationId).filter((m) => !isReceipt(m));
  const at = visible.findIndex((m) => m.messageId === message.messageId);
  const included = visible.slice(Math.max(0, at - context), at + 1);
  // The shown messages are reported by id; receipts that fall between them are dropped again.
  const keep = new Set(included.map((m) => m.messageId));
  const prepared = client.prepareReport(message.conversationId, [...keep], {
    reportedAccountId: message.senderAccountId,
    ...(REPORT_REASONS[reason]?.category ? { category: REPORT_REASONS[reason].category } : {}),
    ...(comment.trim() ? { comment: comment.trim() } : {}),
  });
  const submission = { ...prepared, messages: prepared.messages.filter((m) => keep.has(m.messageId)) };

  async function send() {
    setBusy(true);
    try {
      const receipt = await client.report(submission);
      const verified = receipt.messages.filter((m) => m.verified).length;
      setOutcome({
        ok: true,
        text: `Report sent (case ${receipt.caseId}). ${verified} of ${receipt.messages.length} messages verified as really sent. @${handleOf(message.senderAccountId)} is not told who reported.`,
      });
    } catch (caught) {
      setOutcome({ ok: false, text: describeError(caught) });
    } finally {
      setBusy(false);
    }
  }

  const attachmentCount = included.reduce((n, m) => n + m.attachments.length, 0);
  return (
    <Dialog title={`Report @${handleOf(message.senderAccountId)}`} onClose={props.onClose}>
      {outcome?.ok ? (
        <>
          <p role="status" className="ok">
            {outcome.text}
          </p>
          <button type="button" onClick={props.onClose}>
            Done
          </button>
        </>
      ) : (
        <>
          <label htmlFor="report-reason">What is wrong?</label>
          <select id="report-reason" value={reason} onChange={(e) => setReason(Number(e.target.value))}>
            {REPORT_REASONS.map((r, i) => (
              <option key={r.label} value={i}>
                {r.label}
              </option>
            ))}
          </select>
          <label htmlFor="report-context">Include earlier messages</label>
          <select id="report-context" value={context} onChange={(e) => setContext(Number(e.target.value))}>
            {CONTEXT_CHOICES.map((n) => (
              <option key={n} value={n}>
                {n === 0 ? 'None, only this message' : `${n} earlier message${n === 1 ? '' : 's'}`}
              </option>
            ))}
          </select>
          <label htmlFor="report-comment">Anything else (optional)</label>
          <textarea
            id="report-comment"
            rows={2}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            style={{ width: '100%' }}
          />
          <h3 id={previewId}>What will be sent</h3>
          <p className="hint">
            {included.length} message{included.length === 1 ? '' : 's'}
            {attachmentCount > 0
              ? ` and ${attachmentCount} attachment${attachmentCount === 1 ? '' : 's'}`
              : ''}
            , with the keys that prove they were really sent. Nothing else from your conversations.
          </p>
          <ol aria-labelledby={previewId} className="panel" data-testid="report-preview">
            {included.map((m) => (
              <li key={m.messageId}>
                <strong>{m.direction === 'out' ? 'You' : `@${handleOf(m.senderAccountId)}`}:</strong>{' '}
                {m.text || '(no text)'}
                {m.attachments.length > 0 &&
                  ` [${m.attachments.length} image${m.attachments.length === 1 ? '' : 's'}]`}
              </li>
            ))}
          </ol>
          {outcome && !outcome.ok && (
            <p role="alert" className="error">
              {outcome.text}
            </p>
          )}
          <div className="row">
            <button
              type="button"
              className="danger"
              disabled={busy || submission.messages.length === 0}
              onClick={send}
            >
              {busy ? 'Sending…' : 'Send report'}
            </button>
            <button type="button" className="secondary" onClick={props.onClose}>
              Cancel
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}
