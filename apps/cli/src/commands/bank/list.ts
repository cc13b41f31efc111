import { formatTable } from '../../table.js';
import { type Io, processIo, reportError, type StoreOptions, withRepository } from './context.js';

/** `safelight bank list`: every bank with its kind, switch and active entry count. */
export async function runBankList(
  options: { json: boolean },
  store: StoreOptions,
  io: Io = processIo,
): Promise<number> {
  try {
    const rows = await withRepository(store, async (repo) => {
      const banks = await repo.listBanks();
      return Promise.all(
        banks.map(async (bank) => ({ ...bank, activeEntries: await repo.countEntries(bank.name) })),
      );
    });
    if (options.json) {
      for (const row of rows) io.stdout(`${JSON.stringify(row)}\n`);
      return 0;
    }
    const table = [
      ['name', 'kind', 'enabled', 'active', 'created', 'description'],
      ...rows.map((r) => [
        r.name,
        r.kind,
        r.enabled ? 'yes' : 'no',
        String(r.activeEntries),
        r.createdAt.slice(0, 10),
        r.description,
      ]),
    ];
    io.stdout(formatTable(table));
    if (rows.length === 0) io.stderr('no banks yet: safelight bank create NAME\n');
    return 0;
  } catch (error) {
    return reportError(io, 'list', error);
  }
}
