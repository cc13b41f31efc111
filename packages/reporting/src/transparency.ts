// Transparency reporting (EU DSA Art. 15/24, UK OSA): counts per period derived from the same case
// event logs the queue uses, so published numbers and moderation history cannot drift apart.
// Small counts are suppressed (shown as "<k") so a count cannot single out a person.
import type { IncidentType } from './categories.js';
import type { CaseEvent, Decision } from './moderation.js';

export type Count = number | `<${number}`;

export interface TransparencyReport {
  readonly from: number;
  readonly to: number;
  readonly suppressBelow: number;
  readonly reportsBySource: Record<'user' | 'hash-match' | 'mode' | 'signal', Count>;
  readonly casesByCategory: Record<string, Count>;
  readonly decisions: Record<string, Count>;
  /** Median time from a case's first report/match to its first decision, over cases decided in the period. */
  readonly medianTimeToActionMs: number | null;
  readonly ncmecReports: Count;
  readonly accountsActioned: Count;
  readonly appeals: Count;
  readonly reversals: Count;
}

const ACTIONING: readonly Decision[] = ['remove-content', 'restrict', 'suspend', 'report-to-ncmec'];

/** Counts over [from, to) from each case's subject and events. */
export function computeTransparency(
  cases: ReadonlyArray<{ readonly subjectAccountId: string; readonly events: readonly CaseEvent[] }>,
  options: { from: number; to: number; suppressBelow?: number },
): TransparencyReport {
  const k = options.suppressBelow ?? 10;
  const inPeriod = (at: number) => at >= options.from && at < options.to;
  const sources = { user: 0, 'hash-match': 0, mode: 0, signal: 0 };
  const categories = new Map<string, number>();
  const decisions = new Map<string, number>();
  const actioned = new Set<string>();
  const times: number[] = [];
  let ncmec = 0;
  let appeals = 0;
  let reversals = 0;
  for (const { subjectAccountId, events } of cases) {
    const opened = events[0]?.at;
    let category: IncidentType | undefined;
    let firstDecisionSeen = false;
    for (const event of events) {
      if ((event.type === 'report' || event.type === 'match') && event.category) category ??= event.category;
      if (!inPeriod(event.at)) {
        if (event.type === 'decide') firstDecisionSeen = true;
        continue;
      }
      switch (event.type) {
        case 'report':
          sources.user++;
          break;
        case 'match':
          sources[event.source ?? 'hash-match']++;
          break;
        case 'decide':
          decisions.set(event.decision, (decisions.get(event.decision) ?? 0) + 1);
          if (ACTIONING.includes(event.decision)) actioned.add(subjectAccountId);
          if (event.decision === 'report-to-ncmec') ncmec++;
          if (!firstDecisionSeen && opened !== undefined) times.push(event.at - opened);
          firstDecisionSeen = true;
          break;
        case 'appeal':
          appeals++;
          break;
        case 'reverse':
          reversals++;
          break;
      }
    }
    if (opened !== undefined && inPeriod(opened)) {
      const key = category ?? 'Uncategorised';
      categories.set(key, (categories.get(key) ?? 0) + 1);
    }
  }
  const suppress = (n: number): Count => (n > 0 && n < k ? `<${k}` : n);
  const record = (map: Map<string, number>) =>
    Object.fromEntries([...map].sort().map(([key, n]) => [key, suppress(n)]));
  return {
    from: options.from,
    to: options.to,
    suppressBelow: k,
    reportsBySource: {
      user: suppress(sources.user),
      'hash-match': suppress(sources['hash-match']),
      mode: suppress(sources.mode),
      signal: suppress(sources.signal),
    },
    casesByCategory: record(categories),
    decisions: record(decisions),
    medianTimeToActionMs: times.length < k ? null : median(times),
    ncmecReports: suppress(ncmec),
    accountsActioned: suppress(actioned.size),
    appeals: suppress(appeals),
    reversals: suppress(reversals),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** One row per figure: section,key,value (RFC 4180 quoting). */
export function transparencyCsv(report: TransparencyReport): string {
  const rows: string[][] = [['section', 'key', 'value']];
  for (const [key, value] of Object.entries(report.reportsBySource))
    rows.push(['reports_by_source', key, String(value)]);
  for (const [key, value] of Object.entries(report.casesByCategory))
    rows.push(['cases_by_category', key, String(value)]);
  for (const [key, value] of Object.entries(report.decisions)) rows.push(['decisions', key, String(value)]);
  rows.push([
    'summary',
    'median_time_to_action_ms',
    report.medianTimeToActionMs === null ? '' : String(report.medianTimeToActionMs),
  ]);
  rows.push(['summary', 'ncmec_reports', String(report.ncmecReports)]);
  rows.push(['summary', 'accounts_actioned', String(report.accountsActioned)]);
  rows.push(['summary', 'appeals', String(report.appeals)]);
  rows.push(['summary', 'reversals', String(report.reversals)]);
  const quote = (field: string) => (/[",\n\r]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field);
  return `${rows.map((row) => row.map(quote).join(',')).join('\n')}\n`;
}

/** A horizontal bar chart (SVG) of decisions and reports by source; suppressed counts are drawn hatched at k. */
export function transparencySvg(report: TransparencyReport): string {
  const bars: Array<[string, Count]> = [
    ...Object.entries(report.reportsBySource).map(([k, v]) => [`reports: ${k}`, v] as [string, Count]),
    ...Object.entries(report.decisions).map(([k, v]) => [`decision: ${k}`, v] as [string, Count]),
  ];
  const value = (c: Count) => (typeof c === 'number' ? c : report.suppressBelow);
  const max = Math.max(1, ...bars.map(([, c]) => value(c)));
  const row = 22;
  const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body = bars
    .map(([label, count], i) => {
      const y = 30 + i * row;
      const width = Math.round((value(count) / max) * 300);
      const fill = typeof count === 'number' ? '#3b6ea5' : 'url(#suppressed)';
      return `<text x="0" y="${y + 14}" font-size="12">${escapeXml(label)}</text><rect x="200" y="${y}" width="${width}" height="16" fill="${fill}"/><text x="${205 + width}" y="${y + 13}" font-size="12">${escapeXml(String(count))}</text>`;
    })
    .join('');
  const height = 40 + bars.length * row;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="560" height="${height}" role="img" aria-label="Transparency report"><defs><pattern id="suppressed" width="6" height="6" patternUnits="userSpaceOnUse"><path d="M0 6L6 0" stroke="#888"/></pattern></defs><text x="0" y="16" font-size="14">Safelight transparency report ${new Date(report.from).toISOString().slice(0, 10)} to ${new Date(report.to).toISOString().slice(0, 10)}</text>${body}</svg>`;
}
