import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { HashbankError } from '../bank/errors.js';
import type { SignalType } from '../bank/signal.js';
import type { BankRepository } from '../storage/repository.js';
import { CODECS } from './codecs.js';
import type { BankFormat, CsvShape } from './format.js';

export interface ExportOptions {
  format: BankFormat;
  /**
   * For hex and rollup CSV, which hold one signal type: defaults to the bank's only type (an
   * error when it has several). For other formats, exports only this type when given.
   */
  signalType?: SignalType;
  /** CSV shape to write (default dataset, which names each row's signal type). */
  csvShape?: CsvShape;
}

/**
 * Streams a bank as lines (each ending in "\n") in a stable order: sorted by signal type, then
 * value. JSON Lines carries every entry (removed and disabled too); hex and CSV carry the active
 * ones, since those formats cannot say an entry is inactive. Export -> import -> export gives the
 * same bytes.
 */
export async function* exportLines(
  repository: BankRepository,
  bank: string,
  options: ExportOptions,
): AsyncGenerator<string> {
  const codec = CODECS[options.format];
  const csvShape = options.csvShape ?? 'dataset';
  let signalType = options.signalType;
  if (!codec.carriesSignalType({ csvShape }) && signalType === undefined) {
    signalType = await onlySignalType(repository, bank);
  }
  const formatter = codec.createFormatter({ csvShape });
  if (formatter.header !== undefined) yield `${formatter.header}\n`;
  const filter = {
    includeInactive: codec.carriesInactive,
    ...(signalType === undefined ? {} : { signalType }),
  };
  for await (const entry of repository.entries(bank, filter)) yield `${formatter.line(entry)}\n`;
}

/** Writes exportLines() to a stream, waiting when it is full; returns the entries written. */
export async function exportToStream(
  repository: BankRepository,
  bank: string,
  out: Writable,
  options: ExportOptions,
): Promise<{ entries: number }> {
  let entries = 0;
  let buffered = '';
  const hasHeader = options.format === 'csv' && (options.csvShape ?? 'dataset') === 'dataset';
  let first = true;
  for await (const line of exportLines(repository, bank, options)) {
    if (!(first && hasHeader)) entries++;
    first = false;
    // Write in ~64 KiB pieces: one write per line would dominate the cost of a large export.
    buffered += line;
    if (buffered.length >= 65536) {
      if (!out.write(buffered)) await once(out, 'drain');
      buffered = '';
    }
  }
  if (buffered !== '' && !out.write(buffered)) await once(out, 'drain');
  return { entries };
}

async function onlySignalType(repository: BankRepository, bank: string): Promise<SignalType> {
  const stats = await repository.stats(bank);
  const types = (Object.keys(stats.bySignalType) as SignalType[]).filter(
    (t) => (stats.bySignalType[t]?.active ?? 0) > 0,
  );
  if (types.length <= 1) return types[0] ?? 'pdq';
  throw new HashbankError(
    'BANK_INVALID_FIELD',
    `bank ${bank} holds ${types.join(', ')} entries and this format holds one signal type: choose one`,
  );
}
