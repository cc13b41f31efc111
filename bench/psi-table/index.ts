/**
 * bench/psi-table: builds the psi-threshold blinded table for a random bank of --size entries
 * (default 100,000; `--size 1000000` for the 1M figure) over worker threads and reports wall time,
 * CPU time of all threads, distinct robust keys and table bytes. It is its own bench because the
 * 1M build runs for most of an hour on a 2-core VM. Peer figure: the same per-key work (one
 * RFC 9380 hash-to-curve + one X25519) measured on one thread over a 2,000-key sample, so the
 * printed ratio says how close the worker pool comes to cores × one thread.
 * Results are merged into bench/results/psi-table.json by size.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bitsPerKeyFor,
  buildPsiBank,
  buildPsiBankParallel,
  DEFAULT_KEY_PARAMETERS,
} from '@safelight/detection';
import { randomHash, seededRandom } from '@safelight/hashbank';
import { describeMachine } from '../machine.js';

const args = process.argv.slice(2);
const sizeAt = args.indexOf('--size');
const SIZE = sizeAt >= 0 ? Number(args[sizeAt + 1]) : 100_000;
if (!Number.isInteger(SIZE) || SIZE < 1) {
  console.error(`--size must be a positive integer, got ${args[sizeAt + 1]}`);
  process.exit(2);
}
const root = fileURLToPath(new URL('../..', import.meta.url));
const random = seededRandom(SIZE);
const keys = {
  ...DEFAULT_KEY_PARAMETERS,
  bitsPerKey: bitsPerKeyFor(SIZE, DEFAULT_KEY_PARAMETERS.keysPerImage),
};
const bankOf = (n: number) => ({
  bankName: 'BENCH',
  entries: Array.from({ length: n }, (_, i) => ({ id: `e${i}`, pdq: randomHash(random) })),
});
const cpuMsSince = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since); // every thread of the process, workers included
  return (used.user + used.system) / 1000;
};

console.log(`bench/psi-table — ${describeMachine()}; load average at start ${loadavg()[0]?.toFixed(1)}`);
console.log(
  `bank ${SIZE.toLocaleString()} random PDQ hashes; L = ${keys.keysPerImage}, b = ${keys.bitsPerKey}`,
);

// Peer: one thread, 2,000 keys' worth of bank (167 entries × 12 keys).
const sample = bankOf(Math.ceil(2000 / keys.keysPerImage));
let started = performance.now();
const oneThread = buildPsiBank(sample, keys);
const oneThreadUsPerKey = ((performance.now() - started) * 1000) / oneThread.distinctKeys;

const bank = bankOf(SIZE);
started = performance.now();
const cpuStart = process.cpuUsage();
let lastReport = started;
const built = await buildPsiBankParallel(bank, keys, {
  onProgress: (done, total) => {
    const now = performance.now();
    if (now - lastReport < 30_000) return;
    lastReport = now;
    const eta = ((now - started) / done) * (total - done);
    console.log(
      `  ${done.toLocaleString()} / ${total.toLocaleString()} keys, ~${(eta / 60_000).toFixed(1)} min left`,
    );
  },
});
const wallS = (performance.now() - started) / 1000;
const cpuS = cpuMsSince(cpuStart) / 1000;
const usPerKey = (wallS * 1e6) / built.distinctKeys;
const tableMiB = built.table.elements.length / 2 ** 20;
const threads = cpus().length;
console.log(
  `built in ${(wallS / 60).toFixed(1)} min wall, ${(cpuS / 60).toFixed(1)} min CPU (all threads); ${built.distinctKeys.toLocaleString()} distinct keys, ${built.table.size.toLocaleString()} slots = ${tableMiB.toFixed(0)} MiB`,
);
console.log(
  `  ${usPerKey.toFixed(0)} µs/key wall on ${threads} workers vs ${oneThreadUsPerKey.toFixed(0)} µs/key on one thread: ${(oneThreadUsPerKey / usPerKey).toFixed(2)}× (ideal ${threads}×); load average at end ${loadavg()[0]?.toFixed(1)}`,
);

const file = join(root, 'bench/results/psi-table.json');
mkdirSync(join(root, 'bench/results'), { recursive: true });
const results = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
results[String(SIZE)] = {
  date: new Date().toISOString(),
  machine: describeMachine(),
  keys,
  wallSeconds: wallS,
  cpuSeconds: cpuS,
  distinctKeys: built.distinctKeys,
  tableSlots: built.table.size,
  tableMiB,
  oneThreadUsPerKey,
  parallelUsPerKey: usPerKey,
  loadAverage: loadavg(),
};
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
