// Starts a worker thread of this package (psi opener/table workers, he evaluation workers) from
// compiled JS or from sources.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const here = fileURLToPath(import.meta.url);
// The whole package runs either from dist (.js) or from sources through tsx (.ts).
const EXT = here.endsWith('.ts') ? '.ts' : '.js';

/**
 * `entry` names the worker module without its extension, relative to the caller:
 * `spawnWorker(new URL('./opener-worker', import.meta.url), data)`. Compiled: the worker is
 * NAME.js. From sources (tests, benches run through tsx): Node 20 does not carry the parent's
 * --import loader into workers, so a two-line bootstrap registers tsx in the worker before
 * importing NAME.ts.
 */
export function spawnWorker(entry: URL, workerData: unknown): Worker {
  const url = new URL(`${entry.href}${EXT}`);
  if (EXT === '.js') return new Worker(url, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData, execArgv: ['--conditions=@safelight/source'] });
}
