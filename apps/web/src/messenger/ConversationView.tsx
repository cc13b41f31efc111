import type { SafelightClient, StoredMessage } from '@safelight/client';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { describeError } from '../ui/errors.ts';
import { AttachmentView } from './AttachmentView.tsx';
import { conversationTitle } from './conversation-title.ts';
import { GetHelp } from './GetHelp.tsx';
import { ReportDialog } from './ReportDialog.tsx';
import { deliveryStates, isReceipt, parseReceipt, RECEIPT_CONTENT_TYPE, receiptText } from './receipts.ts';

const STATE_LABEL = { sent: 'Sent', delivered: 'Delivered', read: 'Read' } as const;
/** Largest image a person can attach (the server's blob limit is 25 MiB). */
const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

export function ConversationView(props: {
  client: SafelightClient;
  conversationId: string;
  handleOf: (accountId: string) => string;
  version: number;
}) {
  const { client, conversationId, handleOf, version } = props;
  const history = client.history(conversationId);
  const others = new Set(client.members(conversationId).map((m) => m.accountId));
  others.delete(client.accountId);
  // Recomputed on every render: the history is appended in place, so memoising on it would go stale.
  const states = deliveryStates(history, client.accountId, others.size);
  const shown = history.filter((m) => !isReceipt(m));
  const [reporting, setReporting] = useState<StoredMessage | undefined>();
  // The SDK announces received messages; my own sends re-render through this.
  const [, setSent] = useState(0);
  const [help, setHelp] = useState(false);

  useReadReceipts(client, conversationId, history, history.length + version);

  const listRef = useRef<HTMLOListElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when the message count changes
  useEffect(() => {
    listRef.current?.lastElementChild?.scrollIntoView({ block: 'end' });
  }, [shown.length]);

  return (
    <section aria-labelledby="conversation-heading">
      <h2 id="conversation-heading">{conversationTitle(client, conversationId, handleOf)}</h2>
      <ol className="messages" ref={listRef} aria-label="Messages">
        {shown.map((message) => (
          <li key={message.messageId} className={`message ${message.direction}`}>
            <div className="meta">
              {message.direction === 'out' ? 'You' : `@${handleOf(message.senderAccountId)}`} ·{' '}
              <time dateTime={new Date(message.receivedAt).toISOString()}>
                {new Date(message.receivedAt).toLocaleTimeString()}
              </time>
              {message.direction === 'out' && (
                <span data-testid="delivery-state">
                  {' '}
                  · {STATE_LABEL[states.get(message.messageId) ?? 'sent']}
                </span>
              )}
            </div>
            {message.text && <p style={{ margin: '0.2rem 0' }}>{message.text}</p>}
            {message.attachments.map((attachment, index) => (
              <AttachmentView
                key={attachment.blobId}
                client={client}
                message={message}
                index={index}
                senderHandle={handleOf(message.senderAccountId)}
                onHelp={() => setHelp(true)}
              />
            ))}
            {message.nudges && message.nudges.length > 0 && (
              <div className="notice" role="note" aria-label="Safety tip">
                <strong>Safety tip:</strong> {message.nudges[0]?.message}
                <div className="row">
                  <button type="button" className="secondary" onClick={() => setHelp(true)}>
                    Get help
                  </button>
                  <button type="button" className="secondary" onClick={() => setReporting(message)}>
                    Report
                  </button>
                  <BlockButton
                    client={client}
                    accountId={message.senderAccountId}
                    handle={handleOf(message.senderAccountId)}
                  />
                </div>
              </div>
            )}
            {message.direction === 'in' && (
              <button
                type="button"
                className="secondary"
                onClick={() => setReporting(message)}
                aria-label={`Report message from @${handleOf(message.senderAccountId)}: ${message.text.slice(0, 40) || 'attachment'}`}
              >
                Report
              </button>
            )}
          </li>
        ))}
      </ol>
      <Composer client={client} conversationId={conversationId} onSent={() => setSent((n) => n + 1)} />
      {reporting && (
        <ReportDialog
          client={client}
          message={reporting}
          handleOf={handleOf}
          onClose={() => setReporting(undefined)}
        />
      )}
      {help && <GetHelp onClose={() => setHelp(false)} />}
    </section>
  );
}

function BlockButton(props: { client: SafelightClient; accountId: string; handle: string }) {
  const [done, setDone] = useState<string | undefined>();
  return (
    <>
      <button
        type="button"
        className="danger"
        onClick={() =>
          props.client
            .block(props.accountId)
            .then(() => setDone(`@${props.handle} is blocked.`))
            .catch((e) => setDone(describeError(e)))
        }
      >
        Block @{props.handle}
      </button>
      {done && <span role="status">{done}</span>}
    </>
  );
}

/**
 * Sends one "read" receipt for incoming messages shown here and not yet receipted as read. The
 * SDK's history is one array it appends to, so `changed` (its length and the event counter) is
 * what tells this effect to look again.
 */
function useReadReceipts(
  client: SafelightClient,
  conversationId: string,
  history: readonly StoredMessage[],
  changed: number,
) {
  const sent = useRef(new Set<string>());
  // biome-ignore lint/correctness/useExhaustiveDependencies: `changed` is the re-read signal
  useEffect(() => {
    for (const m of history) {
      if (m.direction !== 'out') continue;
      const receipt = parseReceipt(m);
      if (receipt?.kind === 'read') for (const id of receipt.ids) sent.current.add(id);
    }
    const unread = history
      .filter((m) => m.direction === 'in' && !isReceipt(m) && !sent.current.has(m.messageId))
      .map((m) => m.messageId);
    if (unread.length === 0 || document.visibilityState !== 'visible') return;
    for (const id of unread) sent.current.add(id);
    client
      .sendMessage(conversationId, { text: receiptText('read', unread), contentType: RECEIPT_CONTENT_TYPE })
      .catch(() => {
        for (const id of unread) sent.current.delete(id);
      });
  }, [client, conversationId, history, changed]);
}

function Composer(props: { client: SafelightClient; conversationId: string; onSent: () => void }) {
  const [text, setText] = useState('');
  const [file, setFile] = useState<File | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const fileRef = useRef<HTMLInputElement>(null);

  async function send(event: FormEvent) {
    event.preventDefault();
    if (!text.trim() && !file) return;
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      const attachments = [];
      if (file) {
        if (!file.type.startsWith('image/')) throw new Error(`${file.name} is not an image`);
        if (file.size > MAX_IMAGE_BYTES)
          throw new Error(`${file.name} is over ${MAX_IMAGE_BYTES / 1024 / 1024} MiB`);
        attachments.push({ bytes: new Uint8Array(await file.arrayBuffer()), mediaType: file.type });
      }
      // The image is hashed and checked by the detection mode on this device, then encrypted;
      // the server only ever stores its ciphertext (see docs/web.md).
      await props.client.sendMessage(props.conversationId, { text: text.trim(), attachments });
      setText('');
      setFile(undefined);
      props.onSent();
      if (fileRef.current) fileRef.current.value = '';
    } catch (caught) {
      // The child chose not to send (ask before send): not an error, and nothing left the device.
      if ((caught as { code?: string }).code === 'SEND_CANCELLED_BY_USER') setNotice('Not sent.');
      else setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={send} className="panel" aria-label="Write a message">
      <label htmlFor="composer-text">Message</label>
      <textarea
        id="composer-text"
        rows={2}
        value={text}
        onChange={(e) => setText(e.target.value)}
        style={{ width: '100%' }}
      />
      <label htmlFor="composer-file">Attach an image</label>
      <input
        id="composer-file"
        ref={fileRef}
        type="file"
        accept="image/png,image/jpeg,image/webp,image/gif"
        onChange={(e) => setFile(e.target.files?.[0])}
      />
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {notice && <p role="status">{notice}</p>}
      <div className="row" style={{ marginTop: '0.5rem' }}>
        <button type="submit" disabled={busy}>
          {busy ? 'Sending…' : 'Send'}
        </button>
      </div>
    </form>
  );
}
