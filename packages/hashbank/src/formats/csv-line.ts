import { HashbankError } from '../bank/errors.js';

/**
 * One CSV record on one line (RFC 4180 quoting: `"a,b"`, `""` for a quote). Records never span
 * lines here: every field we read or write is single-line, and refusing multi-line quoting is
 * what lets imports stream line by line with exact line numbers.
 */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) throw malformed('unterminated quoted field');
        value += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      fields.push(value);
      if (i === line.length) return fields;
      if (line[i] !== ',') throw malformed(`unexpected character after a quoted field at column ${i + 1}`);
      i++;
    } else {
      const comma = line.indexOf(',', i);
      const value = comma < 0 ? line.slice(i) : line.slice(i, comma);
      if (value.includes('"')) throw malformed('a quote inside an unquoted field');
      fields.push(value);
      if (comma < 0) return fields;
      i = comma + 1;
    }
  }
}

/** Quotes a field only when it must be (as Python's csv module does by default). */
export function formatCsvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function formatCsvLine(fields: readonly string[]): string {
  return fields.map(formatCsvField).join(',');
}

function malformed(message: string): HashbankError {
  return new HashbankError('BANK_INVALID_FIELD', `malformed CSV: ${message}`, { problem: 'malformed' });
}
