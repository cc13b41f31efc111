import { extname } from 'node:path';
import type { BankEntry, EntryInput } from '../bank/entry.js';
import { HashbankError } from '../bank/errors.js';
import type { SignalType } from '../bank/signal.js';

export const BANK_FORMATS = ['hex', 'csv', 'jsonl'] as const;
export type BankFormat = (typeof BANK_FORMATS)[number];

/** The two ThreatExchange CSV shapes we read and write; see docs/hashbank.md. */
export const CSV_SHAPES = ['dataset', 'rollup'] as const;
export type CsvShape = (typeof CSV_SHAPES)[number];

export interface ParseContext {
  /** Signal type of formats whose lines do not name one (hex, rollup CSV). */
  signalType: SignalType;
  /** Source organisation for entries whose line does not name one. */
  source: string | null;
}

/** Turns one line of text into an entry, or null for a line that holds none (blank, header). */
export interface LineParser {
  parse(text: string): EntryInput | null;
}

export interface LineFormatter {
  /** A first line (CSV header), if the format has one. */
  header: string | undefined;
  line(entry: BankEntry): string;
}

export interface FormatCodec {
  createParser(context: ParseContext): LineParser;
  createFormatter(options: { csvShape: CsvShape }): LineFormatter;
  /** Whether a line carries its own signal type (false: hex and rollup CSV hold one type). */
  carriesSignalType(options: { csvShape: CsvShape }): boolean;
  /** Whether removed and disabled entries survive a round trip (only JSON Lines carries them). */
  carriesInactive: boolean;
}

const EXTENSIONS: Record<string, BankFormat> = {
  '.txt': 'hex',
  '.hex': 'hex',
  '.csv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};

export function parseFormat(name: string): BankFormat {
  if ((BANK_FORMATS as readonly string[]).includes(name)) return name as BankFormat;
  throw new HashbankError(
    'BANK_UNKNOWN_FORMAT',
    `unknown format ${JSON.stringify(name)} (known: ${BANK_FORMATS.join(', ')})`,
  );
}

/** The format a file name implies (.txt/.hex, .csv, .jsonl/.ndjson); throws when it implies none. */
export function formatFromPath(path: string): BankFormat {
  const format = EXTENSIONS[extname(path).toLowerCase()];
  if (format === undefined) {
    throw new HashbankError(
      'BANK_UNKNOWN_FORMAT',
      `cannot tell the format of ${path} from its extension (.txt/.hex, .csv, .jsonl): give the format explicitly (--format hex|csv|jsonl)`,
    );
  }
  return format;
}
