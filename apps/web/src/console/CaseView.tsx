// One case: what was reported (with each message's frank verification), what detection and the
// risk engine found, the reporter's context, the media (blurred until revealed), the decision form,
// the NCMEC filing and the case's event history. Opening the case is an audited view (server-side).
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import {
  type CaseDetail,
  type CaseEvent,
  type CaseReport,
  DECISION_LABELS,
  DECISIONS,
  type Decision,
  type NcmecRecord,
  type PreservedMessage,
  type StaffApi,
} from './api.ts';
import { ErrorAlert, PriorityBadge, ViewHeading } from './common.tsx';
import { parseMatchDetail, slaClock, timestamp } from './format.ts';
import { Media } from './Media.tsx';

interface CaseViewProps {
  readonly api: StaffApi;
  readonly caseId: string;
  readonly greyscale: boolean;
  readonly onBack: () => void;
}

export function CaseView({ api, caseId, greyscale, onBack }: CaseViewProps) {
  const [detail, setDetail] = useState<CaseDetail | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [notice, setNotice] = useState('');

  const load = useCallback(async () => {
    try {
      setDetail(await api.case(caseId));
      setError(undefined);
    } catch (caught) {
      setError(caught);
    }
  }, [api, caseId]);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <article className="case">
      <p>
        <button type="button" className="secondary" onClick={onBack}>
          Back to queue
        </button>
      </p>
      <ViewHeading>Case {caseId}</ViewHeading>
      <ErrorAlert error={error} />
      <p role="status" className="ok">
        {notice}
      </p>
      {detail ? (
        <>
          <CaseSummary detail={detail} />
          <Findings events={detail.events} />
          <section>
            <h2>Reports</h2>
            {detail.reports.length === 0 ? <p>No user reports (the case was opened by detection).</p> : null}
            {detail.reports.map((report) => (
              <ReportPanel
                key={report.reportId}
                api={api}
                caseId={caseId}
                report={report}
                subjectAccountId={detail.subjectAccountId}
                greyscale={greyscale}
                onRevealed={() => setNotice('Reveal recorded in the case log and the audit log.')}
              />
            ))}
          </section>
          <DecisionForm
            api={api}
            caseId={caseId}
            onRecorded={async (decision) => {
              setNotice(`Decision recorded: ${DECISION_LABELS[decision]}.`);
              await load();
            }}
          />
          <NcmecPanel api={api} caseId={caseId} decision={detail.state.decision} />
          <History events={detail.events} />
        </>
      ) : error === undefined ? (
        <p>Loading case…</p>
      ) : null}
    </article>
  );
}

function CaseSummary({ detail }: { detail: CaseDetail }) {
  const { state } = detail;
  const sla =
    state.firstActionAt === undefined
      ? slaClock(state.dueAt, Date.now()).text
      : state.firstActionAt <= state.dueAt
        ? 'first action in time'
        : 'first action late';
  return (
    <dl className="facts">
      <div>
        <dt>Priority</dt>
        <dd>
          <PriorityBadge priority={state.priority} />
          {state.priorityOverridden ? ' (set by a moderator)' : ''}
        </dd>
      </div>
      <div>
        <dt>Status</dt>
        <dd>
          {state.status}
          {state.decision ? ` — ${DECISION_LABELS[state.decision] ?? state.decision}` : ''}
        </dd>
      </div>
      <div>
        <dt>SLA</dt>
        <dd>{sla}</dd>
      </div>
      <div>
        <dt>Subject</dt>
        <dd className="mono">{detail.subjectAccountId}</dd>
      </div>
      <div>
        <dt>Reports</dt>
        <dd>{state.reportCount}</dd>
      </div>
      <div>
        <dt>Reveals</dt>
        <dd>{state.revealCount}</dd>
      </div>
      <div>
        <dt>Assignee</dt>
        <dd>{state.assigneeId ?? 'nobody'}</dd>
      </div>
      <div>
        <dt>Evidence kept until</dt>
        <dd>{state.evidenceDeleted ? 'deleted' : timestamp(detail.evidenceExpiresAt)}</dd>
      </div>
    </dl>
  );
}

/** Detection matches (bank, entry, distance) and risk-signal explanations from the case's match events. */
function Findings({ events }: { events: readonly CaseEvent[] }) {
  const found = events.filter((e) => e.type === 'match');
  const matches = found.filter((e) => e.source !== 'signal');
  const signals = found.filter((e) => e.source === 'signal');
  if (matches.length === 0 && signals.length === 0) return null;
  return (
    <>
      {matches.length > 0 ? (
        <section>
          <h2>Detection matches</h2>
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Bank</th>
                  <th scope="col">Entry</th>
                  <th scope="col">Hamming distance</th>
                  <th scope="col">Found by</th>
                </tr>
              </thead>
              <tbody>
                {matches.map((m, i) => {
                  const parsed = parseMatchDetail(m.detail ?? '');
                  return (
                    // biome-ignore lint/suspicious/noArrayIndexKey: append-only lists; the position is the identity.
                    <tr key={`${m.at}-${i}`}>
                      <td>{timestamp(m.at)}</td>
                      <td>{parsed.bankName ?? 'not disclosed by the mode'}</td>
                      <td className="mono">{parsed.entry ?? '—'}</td>
                      <td>{parsed.distance ?? '—'}</td>
                      <td>
                        {m.source ?? 'mode'}: {parsed.mode}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
      {signals.length > 0 ? (
        <section>
          <h2>Risk signals</h2>
          <ul>
            {signals.map((s, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: append-only lists; the position is the identity.
              <li key={`${s.at}-${i}`}>
                {timestamp(s.at)}: {s.detail}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}

export function FrankBadge({ message }: { message: PreservedMessage }) {
  const v = message.verification;
  if (v?.verified) {
    return (
      <span className="badge verified" title={`Franking key ${v.keyId}`}>
        Frank verified
      </span>
    );
  }
  return (
    <span className="badge unverified" title={v && !v.verified ? v.detail : undefined}>
      Frank not verified ({v && !v.verified ? v.reason : 'unknown'})
    </span>
  );
}

function ReportPanel(props: {
  api: StaffApi;
  caseId: string;
  report: CaseReport;
  subjectAccountId: string;
  greyscale: boolean;
  onRevealed: () => void;
}) {
  const { report } = props;
  const body = report.body;
  const signals = Object.entries(body.signals ?? {})
    .filter(([, on]) => on)
    .map(([name]) => name);
  return (
    <section className="panel report" aria-label={`Report ${report.reportId}`}>
      <h3>
        Report <span className="mono">{report.reportId}</span>
      </h3>
      <p className="hint">
        By <span className="mono">{report.reporterAccountId}</span> at {timestamp(report.createdAt)}
      </p>
      {body.deleted ? (
        <p>The contents of this report were deleted at the end of the preservation period.</p>
      ) : (
        <>
          <h4>Reporter's context</h4>
          <dl className="facts">
            <div>
              <dt>Category</dt>
              <dd>{body.category ?? 'none chosen'}</dd>
            </div>
            <div>
              <dt>Signals</dt>
              <dd>{signals.length > 0 ? signals.join(', ') : 'none'}</dd>
            </div>
            <div>
              <dt>Comment</dt>
              <dd className="quote">{body.comment ?? 'none'}</dd>
            </div>
          </dl>
          <h4>Messages ({body.messages?.length ?? 0}, oldest first, with the context the reporter chose)</h4>
          <ol className="reported-messages">
            {(body.messages ?? []).map((m) => (
              <li key={m.messageId} className="message">
                <div className="meta row">
                  <FrankBadge message={m} />
                  <span>
                    From <span className="mono">{m.senderAccountId}</span>
                    {m.senderAccountId === props.subjectAccountId ? ' (reported account)' : ''}
                  </span>
                  <span>{timestamp(m.receivedAt)}</span>
                </div>
                <p className="message-text">{m.text}</p>
                {m.attachments.map((a) => (
                  <Media
                    key={`${m.messageId}-${a.file ?? a.digest}`}
                    api={props.api}
                    caseId={props.caseId}
                    reportId={report.reportId}
                    attachment={a}
                    greyscale={props.greyscale}
                    onRevealed={props.onRevealed}
                  />
                ))}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

function DecisionForm(props: { api: StaffApi; caseId: string; onRecorded: (d: Decision) => Promise<void> }) {
  const [decision, setDecision] = useState<Decision>('no-violation');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await props.api.event(props.caseId, { type: 'decide', decision, reason: reason.trim() });
      setError(undefined);
      setReason('');
      await props.onRecorded(decision);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h2>Decision</h2>
      <form className="panel decision" onSubmit={(e) => void submit(e)}>
        <label htmlFor="decision">Decision</label>
        <select id="decision" value={decision} onChange={(e) => setDecision(e.target.value as Decision)}>
          {DECISIONS.map((d) => (
            <option key={d} value={d}>
              {DECISION_LABELS[d]}
            </option>
          ))}
        </select>
        <label htmlFor="decision-reason">Reason</label>
        <textarea
          id="decision-reason"
          rows={3}
          required
          maxLength={4000}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          aria-describedby="decision-reason-hint"
        />
        <p id="decision-reason-hint" className="hint">
          The facts relied on. Users are told this for removals, restrictions and suspensions; NCMEC reports
          are not disclosed to their subject.
        </p>
        <ErrorAlert error={error} />
        <button type="submit" disabled={busy}>
          Record decision
        </button>
      </form>
    </section>
  );
}

function NcmecPanel(props: { api: StaffApi; caseId: string; decision: Decision | undefined }) {
  const [record, setRecord] = useState<NcmecRecord | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const { api, caseId, decision } = props;

  useEffect(() => {
    let live = true;
    // Re-read when the decision changes: a report-to-ncmec decision starts a filing server-side.
    void decision;
    api
      .ncmec(caseId)
      .then((answer) => live && setRecord(answer.record))
      .catch((caught: unknown) => live && setError(caught));
    return () => {
      live = false;
    };
  }, [api, caseId, decision]);

  const file = async () => {
    setBusy(true);
    try {
      setRecord((await api.fileNcmec(caseId)).record);
      setError(undefined);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h2>NCMEC CyberTipline</h2>
      {record === undefined && error === undefined ? <p>Loading filing status…</p> : null}
      {record === null ? <p>Not filed.</p> : null}
      {record ? (
        <p>
          Filing {record.state}
          {record.reportId ? `, NCMEC report ${record.reportId}` : ''}, {record.files.length} file(s), updated{' '}
          {record.updatedAt}.
        </p>
      ) : null}
      <ErrorAlert error={error} />
      {decision === 'report-to-ncmec' ? (
        <button type="button" onClick={() => void file()} disabled={busy}>
          {record ? 'Resume NCMEC filing' : 'File with NCMEC'}
        </button>
      ) : null}
    </section>
  );
}

function eventSummary(e: CaseEvent): string {
  switch (e.type) {
    case 'report':
      return `report ${e.reportId ?? ''} (${e.priority ?? ''}${e.category ? `, ${e.category}` : ''})`;
    case 'match':
      return `${e.source ?? 'match'}: ${e.detail ?? ''}`;
    case 'reveal':
      return `revealed ${e.itemId ?? ''}`;
    case 'assign':
      return `assigned to ${e.assigneeId ?? ''}`;
    case 'comment':
      return e.text ?? '';
    case 'set-priority':
      return `priority set to ${e.priority ?? ''}`;
    case 'decide':
      return `${e.decision ? (DECISION_LABELS[e.decision] ?? e.decision) : ''}: ${e.reason ?? ''}`;
    case 'reverse':
      return `reversed: ${e.reason ?? ''}`;
    case 'hold':
      return `legal hold until ${e.until ? timestamp(e.until) : ''}: ${e.reason ?? ''}`;
    case 'appeal':
      return `appeal: ${e.text ?? ''}`;
    default:
      return '';
  }
}

function History({ events }: { events: readonly CaseEvent[] }) {
  return (
    <section>
      <h2>History</h2>
      <div className="table-scroll">
        <table className="history">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Event</th>
              <th scope="col">By</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: append-only lists; the position is the identity.
              <tr key={`${e.at}-${i}`}>
                <td>{timestamp(e.at)}</td>
                <td>{e.type}</td>
                <td className="mono">
                  {('actorId' in e ? e.actorId : undefined) ??
                    (e.type === 'appeal' ? 'subject' : e.type === 'report' ? 'reporter' : 'system')}
                </td>
                <td>{eventSummary(e)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
