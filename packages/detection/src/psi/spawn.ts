// Starts a psi worker thread (opener-worker, table-worker) from compiled JS or from sources.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const here = fileURLToPath(import.meta.url);
const EXT = here.endsWith('.ts') ? '.ts' : '.js';

/**
 * Compiled: the worker is NAME.js. From sources (tests, benches run through tsx): Node 20 does not
 * carry the parent's --import loader into workers, so a two-line bootstrap registers tsx in the
 * worker before importing NAME.ts.
 */
export function spawnPsiWorker(name: 'opener-worker' | 'table-worker', workerData: unknown): Worker {
  const entry = new URL(`./${name}${EXT}`, import.meta.url);
  if (EXT === '.js') return new Worker(entry, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData, execArgv: ['--conditions=@safelight/source'] });
}
