import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CaseEvent } from './moderation.js';
import { computeTransparency, transparencyCsv, transparencySvg } from './transparency.js';

const HOUR = 3_600_000;
function decidedCase(
  i: number,
  decision: 'report-to-ncmec' | 'no-violation',
  opened = 1000,
): { subjectAccountId: string; events: CaseEvent[] } {
  return {
    subjectAccountId: `acct_${i % 7}`,
    events: [
      {
        type: 'report',
        at: opened,
        reportId: `r${i}`,
        priority: 'P1',
        category: 'Online Enticement of Children for Sexual Acts',
      },
      { type: 'decide', at: opened + (i + 1) * HOUR, actorId: 'm', decision, reason: 'x' },
    ],
  };
}

describe('transparency', () => {
  const cases = [
    ...Array.from({ length: 12 }, (_, i) => decidedCase(i, 'report-to-ncmec')),
    ...Array.from({ length: 3 }, (_, i) => decidedCase(100 + i, 'no-violation')),
    {
      subjectAccountId: 'acct_match',
      events: [
        { type: 'match', at: 2000, detail: 'bank', priority: 'P1', source: 'hash-match' } as CaseEvent,
      ],
    },
  ];

  it('counts by source, category and decision, with a median time to action', () => {
    const report = computeTransparency(cases, { from: 0, to: 10_000 * HOUR });
    assert.equal(report.reportsBySource.user, 15);
    assert.equal(report.ncmecReports, 12);
    assert.equal(report.casesByCategory['Online Enticement of Children for Sexual Acts'], 15);
    assert.equal(report.decisions['report-to-ncmec'], 12);
    // First decisions 1..12 h for the NCMEC cases and 101..103 h for the others: median of 15 values.
    assert.equal(report.medianTimeToActionMs, 8 * HOUR);
    assert.equal(report.accountsActioned, '<10', '7 distinct subjects is a small count');
  });

  it('suppresses small counts but keeps zeros', () => {
    const report = computeTransparency(cases, { from: 0, to: 10_000 * HOUR });
    assert.equal(report.reportsBySource['hash-match'], '<10');
    assert.equal(report.decisions['no-violation'], '<10');
    assert.equal(report.reportsBySource.signal, 0);
    assert.equal(report.appeals, 0);
  });

  it('only counts events inside the period', () => {
    const report = computeTransparency(cases, { from: 5 * HOUR, to: 10_000 * HOUR });
    assert.equal(report.reportsBySource.user, 0);
    assert.equal(report.decisions['report-to-ncmec'], '<10'); // decisions at 5..12 h: 8 of them
  });

  it('renders CSV and an escaped SVG chart', () => {
    const report = computeTransparency(cases, { from: 0, to: 10_000 * HOUR });
    const csv = transparencyCsv(report);
    assert.ok(csv.startsWith('section,key,value\n'));
    assert.ok(csv.includes('decisions,report-to-ncmec,12\n'));
    assert.ok(csv.includes('summary,accounts_actioned,<10\n'));
    const svg = transparencySvg(report);
    assert.ok(svg.startsWith('<svg'));
    assert.ok(svg.includes('&lt;10'));
    assert.ok(!svg.includes('>&<'));
  });
});
