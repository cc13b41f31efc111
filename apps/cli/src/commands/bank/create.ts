import type { BankKind } from '@safelight/hashbank';
import { type Io, processIo, reportError, type StoreOptions, withRepository } from './context.js';

export interface CreateOptions {
  kind: BankKind;
  description?: string;
  disabled: boolean;
}

/** `safelight bank create NAME`: a new, empty bank. */
export async function runBankCreate(
  name: string,
  options: CreateOptions,
  store: StoreOptions,
  io: Io = processIo,
): Promise<number> {
  try {
    const bank = await withRepository(store, (repo) =>
      repo.createBank({
        name,
        kind: options.kind,
        enabled: !options.disabled,
        ...(options.description === undefined ? {} : { description: options.description }),
      }),
    );
    io.stdout(`created ${bank.kind} bank ${bank.name} (${bank.enabled ? 'enabled' : 'disabled'})\n`);
    return 0;
  } catch (error) {
    return reportError(io, 'create', error);
  }
}
