import { DIHEDRAL_NAMES } from '@safelight/pdq';
import type { HashOutcome } from './hash-job.js';
import { formatTable } from './table.js';

export const OUTPUT_FORMATS = ['jsonl', 'csv', 'table'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const BASE_COLUMNS = ['path', 'pdq', 'quality', 'md5', 'sha256', 'width', 'height', 'weak'] as const;

/** Writes hash outcomes in one of the output formats, one call per outcome, in input order. */
export interface OutcomeWriter {
  write(outcome: HashOutcome): void;
  end(): void;
}

/** What every format shows: the dihedral columns, and the quality below which a hash is weak. */
export interface OutputColumns {
  dihedrals: boolean;
  minQuality: number;
}

export function createWriter(
  format: OutputFormat,
  columns: OutputColumns,
  out: (text: string) => void,
): OutcomeWriter {
  switch (format) {
    case 'jsonl':
      return { write: (o) => out(`${JSON.stringify(toRecord(o, columns))}\n`), end: () => {} };
    case 'csv':
      return csvWriter(columns, out);
    case 'table':
      return tableWriter(columns, out);
  }
}

function toRecord(o: HashOutcome, { minQuality }: OutputColumns): Record<string, unknown> {
  if (!o.ok) return { path: o.path, error: { code: o.code, message: o.message } };
  const { dihedrals, format: _format, ...rest } = o.hashes;
  return { path: o.path, ...rest, weak: o.hashes.quality < minQuality, ...(dihedrals ? { dihedrals } : {}) };
}

function columnsFor(dihedrals: boolean): string[] {
  return [...BASE_COLUMNS, ...(dihedrals ? DIHEDRAL_NAMES : []), 'error'];
}

function cells(o: HashOutcome, { dihedrals, minQuality }: OutputColumns): string[] {
  if (!o.ok)
    return [
      o.path,
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      ...(dihedrals ? DIHEDRAL_NAMES.map(() => '') : []),
      `${o.code}: ${o.message}`,
    ];
  const h = o.hashes;
  return [
    o.path,
    h.pdq,
    String(h.quality),
    h.md5,
    h.sha256,
    String(h.width),
    String(h.height),
    String(h.quality < minQuality),
    ...(dihedrals ? DIHEDRAL_NAMES.map((name) => h.dihedrals?.[name] ?? '') : []),
    '',
  ];
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function csvWriter(columns: OutputColumns, out: (text: string) => void): OutcomeWriter {
  out(`${columnsFor(columns.dihedrals).join(',')}\n`);
  return {
    write: (o) => out(`${cells(o, columns).map(csvCell).join(',')}\n`),
    end: () => {},
  };
}

/** A table needs every row to size its columns, so it is printed at the end. */
function tableWriter(columns: OutputColumns, out: (text: string) => void): OutcomeWriter {
  // Digests make a table too wide to read; the table shows what a person scans for.
  const pick = (row: string[]): string[] => {
    const [path, pdq, quality, , , width, height, weak, ...rest] = row;
    return [path, pdq, quality, `${width}x${height}`, weak, ...rest].map((v) => v ?? '');
  };
  const header = pick([...columnsFor(columns.dihedrals)]).map((h, i) => (i === 3 ? 'size' : h));
  const rows: string[][] = [];
  return {
    write: (o) => {
      const row = pick(cells(o, columns));
      if (!o.ok) row[3] = '';
      rows.push(row);
    },
    end: () => out(formatTable([header, ...rows])),
  };
}
