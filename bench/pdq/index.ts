/**
 * bench/pdq: how fast Safelight's PDQ is.
 *
 * 1. Core: PDQ on already-decoded RGB buffers of 1, 4 and 12 MP (median ms per hash over several
 *    rounds), against the 10 ms target for 1 MP.
 * 2. End to end: files per second through `safelight hash` (decode + digests + PDQ, all cores),
 *    side by side with sharp-phash (a perceptual hash an npm user might pick instead) on the same
 *    files with the same concurrency, and with a plain sharp decode of the same files (the
 *    physical limit for any hasher that must decode).
 * Results: bench/results/pdq.json and pdq.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PdqHasher, syntheticImage } from '@safelight/pdq';
import sharp from 'sharp';
import phashModule from 'sharp-phash';

// sharp-phash is CommonJS (module.exports = fn) but its types declare an ES default export.
const phash = phashModule as unknown as (input: Buffer) => Promise<string>;

import { describeMachine, median } from '../machine.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 7;
const TARGET_MS_1MP = 10;
const root = fileURLToPath(new URL('../..', import.meta.url));

function timeMs(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function timeMsAsync(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** A photo-like RGB buffer: soft noise, so no shortcut applies to it. */
async function photoLike(width: number, height: number): Promise<Buffer> {
  const small = syntheticImage('noise', Math.ceil(width / 16), Math.ceil(height / 16));
  return sharp(Buffer.from(small.data), { raw: { width: small.width, height: small.height, channels: 3 } })
    .resize(width, height, { kernel: 'cubic' })
    .raw()
    .toBuffer();
}

async function benchCore() {
  const hasher = new PdqHasher();
  const rows = [];
  for (const [label, width, height] of [
    ['1 MP', 1000, 1000],
    ['4 MP', 2000, 2000],
    ['12 MP', 4000, 3000],
  ] as const) {
    const image = {
      data: new Uint8Array(await photoLike(width, height)),
      width,
      height,
      channels: 3 as const,
    };
    for (let i = 0; i < 10; i++) hasher.hash(image); // warm up the JIT (the first runs are 2-10x slower)
    const samples = Array.from({ length: ROUNDS * 2 }, () => timeMs(() => hasher.hash(image)));
    const ms = median(samples);
    rows.push({
      size: label,
      width,
      height,
      medianMs: ms,
      hashesPerSecond: 1000 / ms,
      nsPerPixel: (ms * 1e6) / (width * height),
    });
  }
  return rows;
}

async function makeFiles(count: number): Promise<{ dir: string; files: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'safelight-bench-'));
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const raw = await photoLike(1280, 960);
    const path = join(dir, `photo-${String(i).padStart(3, '0')}.jpg`);
    await sharp(raw, { raw: { width: 1280, height: 960, channels: 3 } })
      .modulate({ hue: (i * 37) % 360 })
      .jpeg({ quality: 85 })
      .toFile(path);
    files.push(path);
  }
  return { dir, files };
}

/** Runs `work` over files with `concurrency` in flight; returns files per second. */
async function filesPerSecond(
  files: string[],
  concurrency: number,
  work: (file: string) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const ms = await timeMsAsync(async () => {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < files.length) await work(files[next++] as string);
      }),
    );
  });
  return (files.length * 1000) / ms;
}

async function benchEndToEnd() {
  const count = quick ? 12 : 40;
  const { dir, files } = await makeFiles(count);
  const cores = availableParallelism();
  const cli = join(root, 'apps/cli/dist/main.js');
  const ours: number[] = [];
  const peer: number[] = [];
  const decodeOnly: number[] = [];
  for (let round = 0; round < (quick ? 2 : 5); round++) {
    // Alternate the contenders within each round so drift on a noisy machine hits all alike.
    const ms = timeMs(() =>
      execFileSync(process.execPath, [cli, 'hash', '--jobs', String(cores), dir], {
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
    ours.push((count * 1000) / ms);
    peer.push(await filesPerSecond(files, cores, async (file) => phash(readFileSync(file))));
    decodeOnly.push(
      await filesPerSecond(files, cores, async (file) =>
        sharp(readFileSync(file)).removeAlpha().raw().toBuffer(),
      ),
    );
  }
  return {
    files: count,
    fileSize: '1280x960 JPEG q85',
    concurrency: cores,
    safelightFilesPerSecond: median(ours),
    sharpPhashFilesPerSecond: median(peer),
    sharpDecodeOnlyFilesPerSecond: median(decodeOnly),
    note: 'safelight includes process start-up, MD5 and SHA-256 of every file, and JSON output',
  };
}

const machine = describeMachine();
console.log(`bench/pdq on ${machine}${quick ? ' (quick)' : ''}`);
const core = await benchCore();
for (const row of core) {
  console.log(
    `core ${row.size.padEnd(5)} ${row.medianMs.toFixed(2).padStart(7)} ms/hash  ${row.hashesPerSecond.toFixed(1).padStart(6)} hashes/s  ${row.nsPerPixel.toFixed(2)} ns/pixel`,
  );
}
const oneMp = core[0]?.medianMs ?? Number.NaN;
console.log(
  `core 1 MP vs the ${TARGET_MS_1MP} ms target: ${(oneMp / TARGET_MS_1MP).toFixed(2)}x the budget (${oneMp <= TARGET_MS_1MP ? 'met' : 'not met'})`,
);
const e2e = await benchEndToEnd();
console.log(
  `end to end (${e2e.files} x ${e2e.fileSize}, ${e2e.concurrency} in parallel): safelight hash ${e2e.safelightFilesPerSecond.toFixed(1)} files/s, ` +
    `sharp-phash ${e2e.sharpPhashFilesPerSecond.toFixed(1)} files/s, decode only ${e2e.sharpDecodeOnlyFilesPerSecond.toFixed(1)} files/s`,
);
const ratioPeer = e2e.safelightFilesPerSecond / e2e.sharpPhashFilesPerSecond;
const ratioLimit = e2e.safelightFilesPerSecond / e2e.sharpDecodeOnlyFilesPerSecond;
console.log(
  `ratio safelight / sharp-phash: ${ratioPeer.toFixed(2)}x; safelight / decode-only limit: ${ratioLimit.toFixed(2)}x`,
);

const results = {
  machine,
  date: new Date().toISOString(),
  rounds: ROUNDS,
  core,
  targetMs1mp: TARGET_MS_1MP,
  endToEnd: e2e,
  ratioVsSharpPhash: ratioPeer,
  ratioVsDecodeOnly: ratioLimit,
};
const outDir = join(root, 'bench/results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'pdq.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(
  join(outDir, 'pdq.md'),
  [
    `# bench/pdq — ${results.date}`,
    '',
    `Machine: ${machine}`,
    '',
    '| size | median ms/hash | hashes/s | ns/pixel |',
    '|---|---|---|---|',
    ...core.map(
      (r) =>
        `| ${r.size} | ${r.medianMs.toFixed(2)} | ${r.hashesPerSecond.toFixed(1)} | ${r.nsPerPixel.toFixed(2)} |`,
    ),
    '',
    `End to end, ${e2e.files} files of ${e2e.fileSize}, ${e2e.concurrency} in parallel: safelight ${e2e.safelightFilesPerSecond.toFixed(1)} files/s, sharp-phash ${e2e.sharpPhashFilesPerSecond.toFixed(1)} files/s (ratio ${ratioPeer.toFixed(2)}x), decode-only ${e2e.sharpDecodeOnlyFilesPerSecond.toFixed(1)} files/s (ratio ${ratioLimit.toFixed(2)}x).`,
    '',
  ].join('\n'),
);
console.log(`results: ${join(outDir, 'pdq.json')}`);
