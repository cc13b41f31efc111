import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { type BankFormat, type CsvShape, exportToStream, type SignalType } from '@safelight/hashbank';
import { type Io, processIo, reportError, type StoreOptions, withRepository } from './context.js';

export interface ExportCommandOptions {
  format: BankFormat;
  signalType?: SignalType;
  csvShape: CsvShape;
  output?: string;
}

/** `safelight bank export NAME`: the bank to stdout (or --output), sorted by signal type and value. */
export async function runBankExport(
  name: string,
  options: ExportCommandOptions,
  store: StoreOptions,
  io: Io = processIo,
  stdout: Writable = process.stdout,
): Promise<number> {
  try {
    await withRepository(store, async (repo) => {
      await repo.getBank(name);
      const out = options.output ? createWriteStream(options.output) : stdout;
      const { entries } = await exportToStream(repo, name, out, {
        format: options.format,
        csvShape: options.csvShape,
        ...(options.signalType ? { signalType: options.signalType } : {}),
      });
      if (options.output) {
        out.end();
        await once(out, 'finish');
        io.stderr(`exported ${entries} entries of ${name} to ${options.output} (${options.format})\n`);
      }
    });
    return 0;
  } catch (error) {
    return reportError(io, 'export', error);
  }
}
