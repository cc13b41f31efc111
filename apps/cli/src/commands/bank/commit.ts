import { HashbankError, parseSignalType, proveBankEntry, publishCommitment } from '@safelight/hashbank';
import { type Io, processIo, reportError, type StoreOptions, withRepository } from './context.js';

/**
 * `safelight bank commit NAME`: computes the Merkle root over the bank's active entries, records
 * it as published and prints it (JSON). With --prove TYPE:VALUE it prints an inclusion proof of
 * that entry against the current root instead.
 */
export async function runBankCommit(
  name: string,
  options: { prove?: string },
  store: StoreOptions,
  io: Io = processIo,
): Promise<number> {
  try {
    const output = await withRepository(store, async (repo) => {
      if (options.prove === undefined) return publishCommitment(repo, name);
      const colon = options.prove.indexOf(':');
      if (colon < 0) {
        throw new HashbankError('BANK_INVALID_FIELD', '--prove takes TYPE:VALUE, e.g. pdq:f8f8...');
      }
      const signalType = parseSignalType(options.prove.slice(0, colon));
      return proveBankEntry(repo, name, signalType, options.prove.slice(colon + 1));
    });
    io.stdout(`${JSON.stringify(output)}\n`);
    return 0;
  } catch (error) {
    return reportError(io, 'commit', error);
  }
}
