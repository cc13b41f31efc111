// Transparency figures for the last year (auditors and admins), drawn by React from the server's
// JSON as inline SVG bar charts, each with a text alternative and its data table; the CSV is fetched
// with the staff header and offered as a same-page download (no third-party chart or CDN).
import { useEffect, useId, useState } from 'react';
import type { Count, StaffApi, TransparencyReport } from './api.ts';
import { ErrorAlert, useObjectUrl, ViewHeading } from './common.tsx';
import { shortDuration } from './format.ts';

function BarChart({
  title,
  data,
  suppressBelow,
}: {
  title: string;
  data: Record<string, Count>;
  suppressBelow: number;
}) {
  const id = useId();
  const rows = Object.entries(data);
  const value = (c: Count) => (typeof c === 'number' ? c : suppressBelow);
  const max = Math.max(1, ...rows.map(([, c]) => value(c)));
  // Label on its own line above each bar, so long category names never run into the bars.
  const row = 38;
  const barWidth = 300;
  const height = Math.max(1, rows.length) * row + 4;
  const summary =
    rows.length === 0
      ? 'No data in this period.'
      : rows
          .map(
            ([label, count]) =>
              `${label}: ${typeof count === 'number' ? count : `fewer than ${suppressBelow}`}`,
          )
          .join('; ');
  return (
    <figure className="chart">
      <figcaption id={`${id}-caption`}>
        <h2>{title}</h2>
      </figcaption>
      <svg
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        viewBox={`0 0 ${barWidth + 60} ${height}`}
        width="100%"
        preserveAspectRatio="xMinYMin meet"
        className="chart-svg"
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{summary}</desc>
        <defs>
          <pattern id={`${id}-hatch`} width="6" height="6" patternUnits="userSpaceOnUse">
            <path d="M0 6L6 0" stroke="#4a5360" />
          </pattern>
        </defs>
        {rows.map(([label, count], i) => {
          const y = 4 + i * row;
          const width = Math.max(2, Math.round((value(count) / max) * barWidth));
          return (
            <g key={label}>
              <text x={0} y={y + 12} fontSize="12" fill="#1b1f24">
                {label}
              </text>
              <rect
                x={0}
                y={y + 17}
                width={width}
                height={16}
                fill={typeof count === 'number' ? '#0b57d0' : `url(#${id}-hatch)`}
                stroke={typeof count === 'number' ? 'none' : '#4a5360'}
              />
              <text x={width + 6} y={y + 30} fontSize="12" fill="#1b1f24">
                {String(count)}
              </text>
            </g>
          );
        })}
      </svg>
      <details>
        <summary>Data table: {title}</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col">Count</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([label, count]) => (
              <tr key={label}>
                <td>{label}</td>
                <td>{String(count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

export function TransparencyView({ api }: { api: StaffApi }) {
  const [report, setReport] = useState<TransparencyReport | undefined>(undefined);
  const [csv, setCsv] = useState<Blob | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const csvUrl = useObjectUrl(csv);

  useEffect(() => {
    let live = true;
    Promise.all([api.transparency(), api.transparencyFile('csv')])
      .then(([json, file]) => {
        if (!live) return;
        setReport(json);
        setCsv(file);
      })
      .catch((caught: unknown) => live && setError(caught));
    return () => {
      live = false;
    };
  }, [api]);

  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return (
    <section>
      <ViewHeading>Transparency</ViewHeading>
      <ErrorAlert error={error} />
      {report ? (
        <>
          <p>
            From {day(report.from)} to {day(report.to)}. Counts below {report.suppressBelow} are shown as
            "&lt;
            {report.suppressBelow}" (hatched) so no count singles out a person.
          </p>
          {csvUrl ? (
            <p>
              <a href={csvUrl} download={`safelight-transparency-${day(report.from)}-${day(report.to)}.csv`}>
                Download CSV
              </a>
            </p>
          ) : null}
          <dl className="facts">
            <div>
              <dt>Median time to action</dt>
              <dd>
                {report.medianTimeToActionMs === null
                  ? 'no decisions'
                  : shortDuration(report.medianTimeToActionMs)}
              </dd>
            </div>
            <div>
              <dt>NCMEC reports</dt>
              <dd>{String(report.ncmecReports)}</dd>
            </div>
            <div>
              <dt>Accounts actioned</dt>
              <dd>{String(report.accountsActioned)}</dd>
            </div>
            <div>
              <dt>Appeals</dt>
              <dd>{String(report.appeals)}</dd>
            </div>
            <div>
              <dt>Reversals</dt>
              <dd>{String(report.reversals)}</dd>
            </div>
          </dl>
          <div className="charts">
            <BarChart
              title="Reports by source"
              data={report.reportsBySource}
              suppressBelow={report.suppressBelow}
            />
            <BarChart title="Decisions" data={report.decisions} suppressBelow={report.suppressBelow} />
            <BarChart
              title="Cases by category"
              data={report.casesByCategory}
              suppressBelow={report.suppressBelow}
            />
          </div>
        </>
      ) : error === undefined ? (
        <p>Loading figures…</p>
      ) : null}
    </section>
  );
}
