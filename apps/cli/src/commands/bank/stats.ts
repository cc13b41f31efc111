import { type Io, processIo, reportError, type StoreOptions, withRepository } from './context.js';

/** `safelight bank stats NAME`: entry counts by signal type (total, active, removed, disabled). */
export async function runBankStats(
  name: string,
  options: { json: boolean },
  store: StoreOptions,
  io: Io = processIo,
): Promise<number> {
  try {
    const { bank, stats, commitment } = await withRepository(store, async (repo) => ({
      bank: await repo.getBank(name),
      stats: await repo.stats(name),
      commitment: await repo.latestCommitment(name),
    }));
    if (options.json) {
      io.stdout(`${JSON.stringify({ ...bank, stats, latestCommitment: commitment ?? null })}\n`);
      return 0;
    }
    io.stdout(
      `${bank.name}: ${bank.kind} bank, ${bank.enabled ? 'enabled' : 'disabled'}, created ${bank.createdAt}\n`,
    );
    const line = (label: string, c: { total: number; active: number; removed: number; disabled: number }) =>
      `  ${label.padEnd(7)} ${String(c.total).padStart(10)} total ${String(c.active).padStart(10)} active ${String(c.removed).padStart(8)} removed ${String(c.disabled).padStart(8)} disabled\n`;
    for (const [type, counts] of Object.entries(stats.bySignalType)) io.stdout(line(type, counts));
    io.stdout(line('all', stats));
    io.stdout(
      commitment
        ? `  last commitment: ${commitment.root} over ${commitment.treeSize} entries at ${commitment.createdAt}\n`
        : '  no commitment published yet (safelight bank commit)\n',
    );
    return 0;
  } catch (error) {
    return reportError(io, 'stats', error);
  }
}
