// The hash-chained audit log (auditors and admins): every view, reveal and decision, newest first,
// with the server's verification of the whole chain.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { AuditChainCheck, AuditEntry, StaffApi } from './api.ts';
import { ErrorAlert, ViewHeading } from './common.tsx';
import { timestamp } from './format.ts';

function target(entry: AuditEntry): string {
  const details = entry.details
    ? Object.entries(entry.details)
        .filter(([key]) => key !== 'type' && key !== 'reason' && key !== 'text')
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(' ')
    : '';
  return [entry.caseId, details].filter(Boolean).join(' ');
}

export function AuditView({ api }: { api: StaffApi }) {
  const [data, setData] = useState<{ entries: AuditEntry[]; chain: AuditChainCheck } | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [filter, setFilter] = useState('');

  const load = useCallback(async () => {
    try {
      setData(await api.audit());
      setError(undefined);
    } catch (caught) {
      setError(caught);
    }
  }, [api]);

  useEffect(() => {
    void load();
  }, [load]);

  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const entries = [...(data?.entries ?? [])].reverse();
    if (!needle) return entries;
    return entries.filter((e) =>
      [e.actorId, e.role, e.action, target(e)].some((field) => field.toLowerCase().includes(needle)),
    );
  }, [data, filter]);

  return (
    <section>
      <ViewHeading>Audit log</ViewHeading>
      <ErrorAlert error={error} />
      {data ? (
        data.chain.ok ? (
          <p className="ok chain-status">
            Chain verified: {data.entries.length} entries, head{' '}
            <span className="mono">{data.chain.head.slice(0, 16)}</span>
          </p>
        ) : (
          <p role="alert" className="error chain-status">
            Chain broken at entry {data.chain.brokenAt}: {data.chain.reason}
          </p>
        )
      ) : error === undefined ? (
        <p>Loading the audit log…</p>
      ) : null}
      <div className="row toolbar">
        <label htmlFor="audit-filter">Filter</label>
        <input
          id="audit-filter"
          type="search"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          placeholder="actor, action or case"
        />
        <button type="button" className="secondary" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      {data ? (
        <div className="table-scroll">
          <table className="audit">
            <caption className="visually-hidden">Audit entries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Time</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Hash</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((entry) => (
                <tr key={entry.seq}>
                  <td>{entry.seq}</td>
                  <td>{timestamp(entry.at)}</td>
                  <td>
                    <span className="mono">{entry.actorId}</span> <span className="hint">({entry.role})</span>
                  </td>
                  <td>{entry.action}</td>
                  <td className="mono wrap">{target(entry)}</td>
                  <td className="mono nowrap" title={entry.hash}>
                    {entry.hash.slice(0, 12)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
