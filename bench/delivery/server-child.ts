/**
 * bench/delivery's server process: the Safelight delivery server on its embedded default
 * (SQLite in WAL mode, synchronous=FULL: an acknowledged message survives a crash), logging off.
 * Usage: server-child.ts DATA_DIR [postgres-url]. Prints `listening PORT` on stdout.
 */
import { startServer } from '@safelight/server';

const [dataDir, databaseUrl] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: server-child.ts DATA_DIR [DATABASE_URL]');
const server = await startServer({
  host: '127.0.0.1',
  port: 0,
  dataDir,
  storage: databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'sqlite', dataDir },
  logger: false,
});
process.stdout.write(`listening ${new URL(server.url ?? '').port}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
// Event-loop utilisation of the server's main thread, reported to the driver on request: tells
// whether the server is CPU-bound (near 1) or waiting on something (well below 1).
process.on('SIGUSR2', () => {
  const elu = performance.eventLoopUtilization(lastElu);
  lastElu = performance.eventLoopUtilization();
  process.stderr.write(`server event-loop utilisation ${elu.utilization.toFixed(2)}\n`);
});
let lastElu = performance.eventLoopUtilization();
