import type { SafelightClient } from '@safelight/client';
import { type FormEvent, useEffect, useState } from 'react';
import { describeError } from '../ui/errors.ts';
import { ConversationView } from './ConversationView.tsx';
import { conversationTitle } from './conversation-title.ts';
import { GetHelp } from './GetHelp.tsx';
import { bandLabel } from './labels.ts';
import { isReceipt, RECEIPT_CONTENT_TYPE, receiptText } from './receipts.ts';
import { SendPromptHost } from './SendPromptHost.tsx';
import type { Session } from './session.ts';
import { type Social, useClientVersion, useHandles, useSocial } from './use-client.ts';

export function Messenger({ session }: { session: Session }) {
  const { client } = session;
  const version = useClientVersion(client);
  const handleOf = useHandles(client);
  const social = useSocial(client);
  const [open, setOpen] = useState<string | undefined>();
  const safeguards = client.safeguardState;

  useDeliveryReceipts(client);

  const conversations = client.conversations();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to conversation
      </a>
      <header className="app-header">
        <h1>Safelight</h1>
        <p>
          <strong>@{session.handle}</strong> · Age band:{' '}
          <span data-testid="age-band">{bandLabel(safeguards.band)}</span>
          {safeguards.active ? ' · Safeguards on' : ''} · Detection: {session.detection}
        </p>
      </header>
      <SendPromptHost />
      <div className="app-main">
        <nav aria-label="Contacts and conversations">
          <Contacts client={client} social={social} handleOf={handleOf} onOpen={setOpen} />
          <section aria-labelledby="conversations-heading">
            <h2 id="conversations-heading">Conversations</h2>
            {conversations.length === 0 && <p className="hint">No conversations yet.</p>}
            <ul className="list" data-version={version}>
              {conversations.map((id) => (
                <li key={id}>
                  <button
                    type="button"
                    className="item"
                    aria-current={open === id}
                    onClick={() => setOpen(id)}
                  >
                    {conversationTitle(client, id, handleOf)}
                  </button>
                </li>
              ))}
            </ul>
            <NewGroup client={client} social={social} handleOf={handleOf} onCreated={setOpen} />
          </section>
        </nav>
        <main id="main" tabIndex={-1}>
          <SafetyNotices client={client} social={social} handleOf={handleOf} onOpen={setOpen} />
          <Notices social={social} />
          {open ? (
            <ConversationView
              key={open}
              client={client}
              conversationId={open}
              handleOf={handleOf}
              version={version}
            />
          ) : (
            <p className="hint">Choose a contact or a conversation.</p>
          )}
        </main>
      </div>
    </>
  );
}

/** Sends "delivered" receipts for incoming messages as they arrive (end to end encrypted). */
function useDeliveryReceipts(client: SafelightClient) {
  useEffect(() => {
    const pending = new Map<string, string[]>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      for (const [conversationId, ids] of pending) {
        client
          .sendMessage(conversationId, {
            text: receiptText('delivered', ids),
            contentType: RECEIPT_CONTENT_TYPE,
          })
          .catch(() => {});
      }
      pending.clear();
    };
    return client.on((event) => {
      if (event.type !== 'message' || event.message.direction !== 'in' || isReceipt(event.message)) return;
      const list = pending.get(event.message.conversationId) ?? [];
      list.push(event.message.messageId);
      pending.set(event.message.conversationId, list);
      timer ??= setTimeout(flush, 300);
    });
  }, [client]);
}

function Contacts(props: {
  client: SafelightClient;
  social: Social;
  handleOf: (accountId: string) => string;
  onOpen: (conversationId: string) => void;
}) {
  const { client, social, handleOf } = props;
  const [handle, setHandle] = useState('');
  const [status, setStatus] = useState<{ ok: boolean; text: string } | undefined>();

  async function act(what: () => Promise<unknown>, done: string) {
    setStatus(undefined);
    try {
      await what();
      setStatus({ ok: true, text: done });
      await social.refresh();
    } catch (caught) {
      setStatus({ ok: false, text: describeError(caught) });
    }
  }

  async function request(event: FormEvent) {
    event.preventDefault();
    const wanted = handle.trim().replace(/^@/, '');
    await act(async () => {
      await client.requestContact(await client.lookup(wanted));
      setHandle('');
    }, `Contact request sent to @${wanted}.`);
  }

  async function message(accountId: string) {
    const existing = client.conversations().find((id) => {
      const others = new Set(client.members(id).map((m) => m.accountId));
      others.delete(client.accountId);
      return others.size === 1 && others.has(accountId);
    });
    if (existing) return props.onOpen(existing);
    await act(
      async () => props.onOpen(await client.createConversation([accountId])),
      'Conversation started.',
    );
  }

  return (
    <section aria-labelledby="contacts-heading">
      <h2 id="contacts-heading">Contacts</h2>
      <form onSubmit={request} className="row">
        <label htmlFor="contact-handle" className="visually-hidden">
          Handle to add
        </label>
        <input
          id="contact-handle"
          placeholder="handle"
          value={handle}
          onChange={(e) => setHandle(e.target.value)}
          required
        />
        <button type="submit">Send request</button>
      </form>
      {status && (
        <p role={status.ok ? 'status' : 'alert'} className={status.ok ? 'ok' : 'error'}>
          {status.text}
        </p>
      )}
      {social.requests.length > 0 && (
        <>
          <h3>Requests</h3>
          <ul className="list">
            {social.requests.map((r) => (
              <li key={r.accountId} className="row">
                <span>@{handleOf(r.accountId)}</span>
                <button
                  type="button"
                  onClick={() => act(() => client.acceptContact(r.accountId), 'Request accepted.')}
                >
                  Accept @{handleOf(r.accountId)}
                </button>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => act(() => client.declineContact(r.accountId), 'Request declined.')}
                >
                  Decline
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <ul className="list">
        {social.contacts.map((id) => (
          <li key={id} className="row">
            <span>@{handleOf(id)}</span>
            <button type="button" onClick={() => message(id)}>
              Message @{handleOf(id)}
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                if (window.confirm(`Block @${handleOf(id)}? They will not be able to contact you.`)) {
                  void act(() => client.block(id), `@${handleOf(id)} is blocked.`);
                }
              }}
            >
              Block
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function NewGroup(props: {
  client: SafelightClient;
  social: Social;
  handleOf: (accountId: string) => string;
  onCreated: (conversationId: string) => void;
}) {
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | undefined>();
  if (props.social.contacts.length < 2) return null;
  async function create(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    try {
      props.onCreated(await props.client.createConversation([...chosen]));
      setChosen(new Set());
    } catch (caught) {
      setError(describeError(caught));
    }
  }
  return (
    <form onSubmit={create} className="panel">
      <fieldset>
        <legend>New group</legend>
        {props.social.contacts.map((id) => (
          <label key={id} style={{ fontWeight: 'normal' }}>
            <input
              type="checkbox"
              checked={chosen.has(id)}
              onChange={(e) => {
                const next = new Set(chosen);
                if (e.target.checked) next.add(id);
                else next.delete(id);
                setChosen(next);
              }}
            />{' '}
            @{props.handleOf(id)}
          </label>
        ))}
      </fieldset>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <button type="submit" disabled={chosen.size < 2}>
        Create group
      </button>
    </form>
  );
}

function Notices({ social }: { social: Social }) {
  if (social.notices.length === 0) return null;
  return (
    <section aria-labelledby="notices-heading" className="notice">
      <h2 id="notices-heading">Notices from Safelight</h2>
      <ul>
        {social.notices.map((n) => (
          <li key={`${n.caseId}-${n.at}`}>
            <strong>{n.statementOfReasons.decision}</strong>: {n.statementOfReasons.facts} (
            {n.statementOfReasons.ground}). {n.statementOfReasons.redress}
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * Friction notices (shown to minors only, by the server): someone they are in touch with was
 * flagged by the risk engine. The card says who, never why; it offers block, help and the way to
 * the conversation to report a message.
 */
function SafetyNotices(props: {
  client: SafelightClient;
  social: Social;
  handleOf: (accountId: string) => string;
  onOpen: (conversationId: string) => void;
}) {
  const { client, social, handleOf } = props;
  const [help, setHelp] = useState(false);
  const [done, setDone] = useState<string | undefined>();
  if (social.safetyNotices.length === 0) {
    // The outcome of a block stays visible after its notice went away.
    return done ? <p role="status">{done}</p> : null;
  }
  return (
    <section aria-labelledby="safety-notices-heading" className="notice">
      <h2 id="safety-notices-heading">Safety notice</h2>
      {social.safetyNotices.map((notice) => {
        const who = `@${handleOf(notice.accountId)}`;
        const conversation = client
          .conversations()
          .find((id) => client.members(id).some((m) => m.accountId === notice.accountId));
        return (
          <div key={notice.accountId} data-account={notice.accountId}>
            <p>
              <strong>{who}:</strong> {notice.message}
            </p>
            <div className="row">
              <button
                type="button"
                className="danger"
                onClick={() =>
                  client
                    .block(notice.accountId)
                    .then(() => {
                      setDone(`${who} is blocked.`);
                      return social.refresh();
                    })
                    .catch((e) => setDone(describeError(e)))
                }
              >
                Block {who}
              </button>
              {conversation && (
                <button type="button" className="secondary" onClick={() => props.onOpen(conversation)}>
                  Open the conversation to report
                </button>
              )}
              <button type="button" className="secondary" onClick={() => setHelp(true)}>
                Talk to someone you trust
              </button>
            </div>
          </div>
        );
      })}
      {done && <p role="status">{done}</p>}
      {help && <GetHelp onClose={() => setHelp(false)} />}
    </section>
  );
}
