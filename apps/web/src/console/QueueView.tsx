// The moderation queue: cases by priority, then SLA deadline (the server's order, kept here too),
// each with a live SLA clock. Listing cases is not an audited view; opening one is.
import { useCallback, useEffect, useState } from 'react';
import { CASE_STATUSES, type CaseStatus, PRIORITIES, type QueueCase, type StaffApi } from './api.ts';
import { ErrorAlert, PriorityBadge, ViewHeading } from './common.tsx';
import { shortDuration, slaClock } from './format.ts';

type Filter = CaseStatus | 'all';
const REFRESH_MS = 30_000;

const SOURCE_LABELS: Readonly<Record<string, string>> = {
  user: 'user report',
  'hash-match': 'hash match',
  mode: 'detection',
  signal: 'risk signal',
};

export function sortQueue(cases: readonly QueueCase[]): QueueCase[] {
  return [...cases].sort(
    (a, b) => PRIORITIES.indexOf(a.priority) - PRIORITIES.indexOf(b.priority) || a.dueAt - b.dueAt,
  );
}

/** The SLA cell: a ticking clock until the first moderator action, then whether it was in time. */
function Sla({ item, now }: { item: QueueCase; now: number }) {
  if (item.firstActionAt !== undefined) {
    const late = item.firstActionAt > item.dueAt;
    return (
      <span className={late ? 'sla overdue' : 'sla'}>
        {late
          ? `first action ${shortDuration(item.firstActionAt - item.dueAt)} late`
          : 'first action in time'}
      </span>
    );
  }
  const { text, overdue } = slaClock(item.dueAt, now);
  return <span className={overdue ? 'sla overdue' : 'sla'}>{text}</span>;
}

export function QueueView({ api, onOpen }: { api: StaffApi; onOpen: (caseId: string) => void }) {
  const [filter, setFilter] = useState<Filter>('open');
  const [cases, setCases] = useState<QueueCase[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [skew, setSkew] = useState(0);
  const [now, setNow] = useState(() => Date.now());

  const load = useCallback(async () => {
    try {
      const answer = await api.cases(filter === 'all' ? undefined : filter);
      setSkew(answer.now - Date.now());
      setCases(sortQueue(answer.cases));
      setError(undefined);
    } catch (caught) {
      setError(caught);
    }
  }, [api, filter]);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);

  const serverNow = now + skew;
  return (
    <section>
      <ViewHeading>Queue</ViewHeading>
      <div className="row toolbar">
        <label htmlFor="queue-status">Status</label>
        <select id="queue-status" value={filter} onChange={(e) => setFilter(e.target.value as Filter)}>
          {CASE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
          <option value="all">all</option>
        </select>
        <button type="button" className="secondary" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      <ErrorAlert error={error} />
      {cases === undefined && error === undefined ? <p>Loading cases…</p> : null}
      {cases !== undefined && cases.length === 0 ? <p>No {filter === 'all' ? '' : filter} cases.</p> : null}
      {cases !== undefined && cases.length > 0 ? (
        <div className="table-scroll">
          <table className="queue">
            <caption className="visually-hidden">
              {cases.length} {filter === 'all' ? '' : filter} cases, by priority then SLA deadline
            </caption>
            <thead>
              <tr>
                <th scope="col">Priority</th>
                <th scope="col">Case</th>
                <th scope="col">SLA</th>
                <th scope="col">Category</th>
                <th scope="col">Reports</th>
                <th scope="col">Status</th>
                <th scope="col">Subject</th>
              </tr>
            </thead>
            <tbody>
              {cases.map((item) => (
                <tr key={item.caseId}>
                  <td>
                    <PriorityBadge priority={item.priority} />
                  </td>
                  <td>
                    <button type="button" onClick={() => onOpen(item.caseId)}>
                      Open<span className="visually-hidden"> case {item.caseId}</span>
                    </button>
                    <div className="hint mono">{item.caseId}</div>
                  </td>
                  <td>
                    <Sla item={item} now={serverNow} />
                  </td>
                  <td>
                    {item.category ?? 'Uncategorised'}
                    {item.sources && item.sources.length > 0 ? (
                      <div className="hint">{item.sources.map((s) => SOURCE_LABELS[s] ?? s).join(', ')}</div>
                    ) : null}
                  </td>
                  <td>{item.reportCount}</td>
                  <td>{item.status}</td>
                  <td className="mono">{item.subjectAccountId}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
