import { stat } from 'node:fs/promises';
import {
  type BankFormat,
  formatFromPath,
  ImportLineError,
  type ImportResult,
  importFile,
  type SignalType,
} from '@safelight/hashbank';
import { ByteProgress } from '../../byte-progress.js';
import { type Io, processIo, reportError, type StoreOptions, withRepository } from './context.js';

export interface ImportCommandOptions {
  format?: BankFormat;
  signalType?: SignalType;
  source?: string;
  skipInvalid: boolean;
  maxLineBytes?: number;
  progress: boolean;
  json: boolean;
}

/** Skipped lines printed one per line; the rest are counted. */
const LISTED_SKIPS = 20;

/**
 * `safelight bank import NAME FILE`: all or nothing by default (the first bad line aborts and
 * the bank is unchanged, exit 1); with --skip-invalid the good lines go in and every skipped line
 * is reported with its reason (exit 0).
 */
export async function runBankImport(
  name: string,
  file: string,
  options: ImportCommandOptions,
  store: StoreOptions,
  io: Io = processIo,
): Promise<number> {
  let progress: ByteProgress | undefined;
  try {
    const format = options.format ?? formatFromPath(file);
    const size = (await stat(file).catch(() => undefined))?.size ?? 0;
    if (options.progress && ByteProgress.shouldShow(size))
      progress = new ByteProgress(`importing ${name}`, size);
    const result = await withRepository(store, (repo) =>
      importFile(repo, name, file, {
        format,
        skipInvalid: options.skipInvalid,
        ...(options.signalType ? { signalType: options.signalType } : {}),
        ...(options.source ? { source: options.source } : {}),
        ...(options.maxLineBytes ? { maxLineBytes: options.maxLineBytes } : {}),
        ...(progress
          ? { onProgress: (p: { bytes: number; lines: number }) => progress?.update(p.bytes, p.lines) }
          : {}),
      }),
    );
    progress?.finish();
    report(io, file, result, options.json);
    return 0;
  } catch (error) {
    progress?.finish();
    const code = reportError(io, 'import', error);
    if (error instanceof ImportLineError) {
      io.stderr(
        `safelight bank import: nothing imported, bank ${name} is unchanged (--skip-invalid imports the valid lines)\n`,
      );
    }
    return code;
  }
}

function report(io: Io, file: string, result: ImportResult, json: boolean): void {
  if (json) {
    io.stdout(`${JSON.stringify(result)}\n`);
    return;
  }
  const reasons = Object.entries(result.skippedByProblem)
    .map(([problem, count]) => `${count} ${problem}`)
    .join(', ');
  io.stdout(
    `imported ${result.imported} entries into ${result.bank} from ${file} (${result.format}, ${result.lines} lines)` +
      (result.skipped > 0 ? `; skipped ${result.skipped}: ${reasons}` : '') +
      '\n',
  );
  for (const skipped of result.skippedLines.slice(0, LISTED_SKIPS)) {
    io.stderr(`${file}:${skipped.line}: skipped: ${skipped.reason}\n`);
  }
  if (result.skipped > LISTED_SKIPS)
    io.stderr(`... and ${result.skipped - LISTED_SKIPS} more skipped lines (--json lists up to 10,000)\n`);
}
