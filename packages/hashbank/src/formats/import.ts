import { open } from 'node:fs/promises';
import { type NewEntry, normalizeEntry } from '../bank/entry.js';
import { HashbankError, ImportLineError, type LineProblem } from '../bank/errors.js';
import type { SignalType } from '../bank/signal.js';
import type { BankRepository } from '../storage/repository.js';
import { CODECS } from './codecs.js';
import { type BankFormat, formatFromPath } from './format.js';
import { DEFAULT_MAX_LINE_BYTES, readLines } from './line-reader.js';

export interface ImportOptions {
  format: BankFormat;
  /** Signal type for hex lines and rollup CSV rows (default pdq). */
  signalType?: SignalType;
  /** Source organisation for entries whose line names none. */
  source?: string;
  /** Import the good lines and report the bad ones instead of aborting on the first. */
  skipInvalid?: boolean;
  /** Longest line accepted, in bytes (default 64 KiB). */
  maxLineBytes?: number;
  /** Entries per database write (default 5000). Memory holds one batch, never the file. */
  batchSize?: number;
  /** How many skipped lines to list in the result; the count is always exact (default 10,000). */
  maxSkippedListed?: number;
  /** Name used in messages (`file:line: reason`). */
  fileName?: string;
  /** Called after every batch with bytes read and lines seen so far. */
  onProgress?: (progress: { bytes: number; lines: number }) => void;
  /** Time stamped on entries without their own added_at (default: now, once per import). */
  now?: Date;
}

export interface SkippedLine {
  line: number;
  problem: LineProblem;
  reason: string;
}

export interface ImportResult {
  bank: string;
  format: BankFormat;
  /** Lines read, including blank lines and headers. */
  lines: number;
  imported: number;
  skipped: number;
  skippedByProblem: Partial<Record<LineProblem, number>>;
  /** The first `maxSkippedListed` skipped lines, in file order. */
  skippedLines: SkippedLine[];
}

interface Pending {
  line: number;
  entry: NewEntry;
}

/**
 * Imports a stream of lines into a bank in ONE transaction. Without skipInvalid the first bad
 * line (malformed value, wrong length, unknown signal type, missing CSV column, duplicate,
 * over-long line) throws ImportLineError `file:line: reason` and the bank is left exactly as it
 * was. With skipInvalid the rest goes in and the bad lines are reported.
 *
 * Duplicates (an entry already in the bank, or an earlier line of the same file) are found by
 * the database's unique index batch by batch, so memory stays at one batch for any file size.
 */
export async function importEntries(
  repository: BankRepository,
  bank: string,
  source: AsyncIterable<Uint8Array | string>,
  options: ImportOptions,
): Promise<ImportResult> {
  const fileName = options.fileName ?? '<input>';
  const batchSize = options.batchSize ?? 5000;
  const maxListed = options.maxSkippedListed ?? 10_000;
  const now = (options.now ?? new Date()).toISOString();
  const parser = CODECS[options.format].createParser({
    signalType: options.signalType ?? 'pdq',
    source: options.source ?? null,
  });
  const result: ImportResult = {
    bank,
    format: options.format,
    lines: 0,
    imported: 0,
    skipped: 0,
    skippedByProblem: {},
    skippedLines: [],
  };
  let bytes = 0;

  const skip = (line: number, problem: LineProblem, reason: string): void => {
    result.skipped++;
    result.skippedByProblem[problem] = (result.skippedByProblem[problem] ?? 0) + 1;
    if (result.skippedLines.length < maxListed) result.skippedLines.push({ line, problem, reason });
  };

  return repository.importInto(bank, async (writer) => {
    let pending: Pending[] = [];
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      const inserted = await writer.insert(batch.map((p) => p.entry));
      for (let i = 0; i < batch.length; i++) {
        if (inserted[i]) {
          result.imported++;
          continue;
        }
        const { line, entry } = batch[i] as Pending;
        const reason = `duplicate: bank ${bank} already has this ${entry.signalType} entry (from an earlier line or import)`;
        if (!options.skipInvalid) throw new ImportLineError(fileName, line, 'duplicate', reason);
        skip(line, 'duplicate', reason);
      }
      options.onProgress?.({ bytes, lines: result.lines });
    };
    const refuse = async (line: number, problem: LineProblem, reason: string): Promise<void> => {
      if (options.skipInvalid) return skip(line, problem, reason);
      // Earlier lines may hold a duplicate: write them first so the error names the FIRST bad line.
      await flush();
      throw new ImportLineError(fileName, line, problem, reason);
    };

    const lines = readLines(source, {
      maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
      onBytes: (count) => {
        bytes += count;
      },
    });
    for await (const line of lines) {
      result.lines = line.number;
      if ('problem' in line) {
        await refuse(line.number, line.problem, line.reason);
        continue;
      }
      try {
        const input = parser.parse(line.text);
        if (input === null) continue;
        pending.push({ line: line.number, entry: normalizeEntry(input, now) });
      } catch (error) {
        if (!(error instanceof HashbankError) || error.problem === undefined) throw error;
        await refuse(line.number, error.problem, error.message);
        continue;
      }
      if (pending.length >= batchSize) await flush();
    }
    await flush();
    options.onProgress?.({ bytes, lines: result.lines });
    return result;
  });
}

/** Imports a file; the format defaults to the one its extension names. */
export async function importFile(
  repository: BankRepository,
  bank: string,
  path: string,
  options: Partial<ImportOptions> = {},
): Promise<ImportResult> {
  const format = options.format ?? formatFromPath(path);
  await repository.getBank(bank);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new HashbankError(
      'BANK_READ_FAILED',
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      {
        cause: error,
      },
    );
  }
  const stream = handle.createReadStream({ highWaterMark: 1 << 20 });
  try {
    return await importEntries(repository, bank, stream, {
      ...options,
      format,
      fileName: options.fileName ?? path,
    });
  } finally {
    stream.destroy();
    await handle.close().catch(() => {});
  }
}
