// bench/detection: every registered detection mode side by side, on banks of 10k, 100k and 1M
// random PDQ hashes with 20 known drawings planted in them.
//   - client time, server time and bytes on the wire per image (medians and p95, ratio to the
//     5 ms per-image target for client-match and enclave);
//   - recall per transformation of the planted drawings (crop 0.5/1/2/5% a side, scale 0.25/0.5,
//     JPEG q30/50/70, brightness ±5/10/20%) so PDQ's crop limit is visible, and the false-positive
//     rate on 200 unrelated drawings.
// A mode joins by registering its factory in packages/detection/src/registry.ts.
// Usage: npm run bench -- detection [--quick] [--modes a,b] [--sizes 10000,100000] [--repeats 3]
// Results: bench/results/detection.json and detection.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  type BankSnapshot,
  commitBankSnapshot,
  type DetectionContext,
  type DetectionModeName,
  type DetectionVerdict,
  detectionModes,
  type ImageSignals,
} from '@safelight/detection';
import { randomHash, seededRandom } from '@safelight/hashbank';
import { hashImageBytes } from '@safelight/media';
import { hammingDistance, type PdqHash, parsePdqHex } from '@safelight/pdq';
import sharp from 'sharp';
import { drawing } from '../../packages/detection/src/test-support/fixtures.js';
import { describeMachine, median } from '../machine.js';
import { type Family, recallChart } from './plot.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const sizes = option('--sizes')?.split(',').map(Number) ?? (quick ? [10_000] : [10_000, 100_000, 1_000_000]);
// psi-threshold and he-fuzzy build per-bank tables/ciphertexts that take minutes at 10k and hours
// at 1M on this machine (bench/psi and bench/he measure them with their own knobs), so the default
// run covers the three modes that answer in milliseconds; name them with --modes to include them.
const FAST_MODES: DetectionModeName[] = ['server-plaintext', 'client-match', 'enclave'];
const modeNames = (option('--modes')?.split(',') ??
  Object.keys(detectionModes).filter((m) =>
    FAST_MODES.includes(m as DetectionModeName),
  )) as DetectionModeName[];
const KNOWN = quick ? 8 : 20;
const UNRELATED = quick ? 50 : 200;
const TARGET_MS = 5;
const REPEATS = Number(option('--repeats') ?? (quick ? 1 : 3));

type Transform = { name: string; family: string; tick: string; apply(image: Buffer): Promise<Buffer> };

const crop = (fraction: number) => async (image: Buffer) => {
  const { width = 0, height = 0 } = await sharp(image).metadata();
  const dx = Math.round(width * fraction);
  const dy = Math.round(height * fraction);
  return sharp(image)
    .extract({ left: dx, top: dy, width: width - 2 * dx, height: height - 2 * dy })
    .png()
    .toBuffer();
};
const scale = (factor: number) => async (image: Buffer) => {
  const { width = 0 } = await sharp(image).metadata();
  return sharp(image)
    .resize(Math.round(width * factor))
    .png()
    .toBuffer();
};
const jpeg = (quality: number) => (image: Buffer) => sharp(image).jpeg({ quality }).toBuffer();
const brightness = (factor: number) => (image: Buffer) =>
  sharp(image).modulate({ brightness: factor }).png().toBuffer();

const TRANSFORMS: Transform[] = [
  ...[0.005, 0.01, 0.02, 0.05].map((f) => ({
    name: `crop ${f * 100}%`,
    family: 'crop',
    tick: `${f * 100}%`,
    apply: crop(f),
  })),
  ...[0.5, 0.25].map((f) => ({ name: `scale ${f}`, family: 'scale', tick: `×${f}`, apply: scale(f) })),
  ...[70, 50, 30].map((q) => ({ name: `jpeg q${q}`, family: 'jpeg', tick: `q${q}`, apply: jpeg(q) })),
  ...[0.05, 0.1, 0.2, -0.05, -0.1, -0.2].map((d) => ({
    name: `brightness ${d > 0 ? '+' : ''}${Math.round(d * 100)}%`,
    family: 'brightness',
    tick: `${d > 0 ? '+' : ''}${Math.round(d * 100)}%`,
    apply: brightness(1 + d),
  })),
];
const FAMILY_TITLES: Record<string, string> = {
  crop: 'crop, each side',
  scale: 'scale',
  jpeg: 'JPEG re-encode',
  brightness: 'brightness',
};

interface Probe {
  signals: ImageSignals;
  /** The planted entry it should match, or undefined for an unrelated drawing. */
  expected: string | undefined;
  transform: string;
}

let messageCounter = 0;
const contextFor = (): DetectionContext => ({
  accountId: 'acct_bench',
  conversationId: 'conv_bench',
  messageId: `msg_${++messageCounter}`,
});

async function signalsOf(bytes: Buffer): Promise<Omit<ImageSignals, 'context'>> {
  const hashes = await hashImageBytes(bytes);
  return { pdq: parsePdqHex(hashes.pdq), quality: hashes.quality, bytes };
}

console.log(`bench/detection: ${describeMachine()}`);
console.log(
  `modes ${modeNames.join(', ')}; banks ${sizes.join(', ')}; ${KNOWN} known drawings x ${TRANSFORMS.length} transformations, ${UNRELATED} unrelated`,
);
const t0 = performance.now();
const planted: Array<{ id: string; pdq: PdqHash }> = [];
const probes: Array<Omit<Probe, 'signals'> & { signals: Omit<ImageSignals, 'context'> }> = [];
for (let i = 0; i < KNOWN; i++) {
  const original = await drawing(1000 + i);
  const id = `planted-${i}`;
  planted.push({ id, pdq: (await signalsOf(original)).pdq });
  for (const transform of TRANSFORMS) {
    probes.push({
      signals: await signalsOf(await transform.apply(original)),
      expected: id,
      transform: transform.name,
    });
  }
}
for (let i = 0; i < UNRELATED; i++) {
  probes.push({
    signals: await signalsOf(await drawing(50_000 + i)),
    expected: undefined,
    transform: 'unrelated',
  });
}
console.log(
  `generated and hashed ${probes.length} images in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

// Mode-independent: how far each transformation moves PDQ (distance to the planted original) and
// how often it drops quality below the floor; this is what bounds every exact-radius mode's recall.
const plantedById = new Map(planted.map((p) => [p.id, p.pdq]));
const pdqEffect = TRANSFORMS.map((transform) => {
  const mine = probes.filter((p) => p.transform === transform.name);
  const distances = mine.map((p) =>
    hammingDistance(p.signals.pdq, plantedById.get(p.expected as string) as PdqHash),
  );
  return {
    transform: transform.name,
    medianDistance: median(distances),
    maxDistance: Math.max(...distances),
    within31: distances.filter((d) => d <= 31).length / distances.length,
    belowQualityFloor: mine.filter((p) => p.signals.quality < 50).length,
  };
});
for (const e of pdqEffect) {
  console.log(
    `  ${e.transform.padEnd(16)} PDQ distance median ${e.medianDistance}, max ${e.maxDistance}; within 31: ${Math.round(e.within31 * 100)}%; below quality floor: ${e.belowQualityFloor}`,
  );
}

function bankOf(size: number): BankSnapshot {
  const random = seededRandom(size);
  const entries: Array<{ id: string; pdq: PdqHash }> = new Array(size);
  for (let i = 0; i < size; i++) entries[i] = { id: `random-${i}`, pdq: randomHash(random) };
  return { bankName: `BENCH_${size}`, entries: [...entries, ...planted] };
}

const pct = (x: number | undefined) => (x === undefined ? '-' : `${Math.round(x * 100)}%`);
const p95 = (values: number[]) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] as number;
};
const med = (values: number[]) => (values.length === 0 ? Number.NaN : median(values));
const round = (value: number, digits = 3) => Number(value.toFixed(digits));

interface Row {
  mode: string;
  bankSize: number;
  setupMs: number;
  /** Bytes a device downloads once per bank version (snapshot, attestation), if any. */
  clientDownloadBytes: number;
  clientMedianMs: number;
  clientP95Ms: number;
  serverMedianMs: number;
  serverP95Ms: number;
  /** Median client + server: the per-image cost end to end (excluding transport). */
  endToEndMedianMs: number;
  endToEndMedianPerPassMs: number[];
  bytesMedian: number;
  bytesMax: number;
  /** Images for which the client sent anything. */
  payloadsSent: number;
  images: number;
  recall: Record<string, number>;
  falsePositiveRate: number;
  wrongEntry: number;
}

const rows: Row[] = [];
const commitMs: Record<number, number> = {};
for (const size of sizes) {
  // The bank operator's step, done once per bank version and not charged to any mode: publish the
  // Merkle root that client-match devices and the enclave's attestation are checked against.
  const unpublished = bankOf(size);
  const c0 = performance.now();
  const bank: BankSnapshot = {
    ...unpublished,
    commitment: (await commitBankSnapshot(unpublished.entries)).root,
  };
  commitMs[size] = round(performance.now() - c0, 0);
  console.log(`bank ${size}: commitment published in ${commitMs[size]} ms`);
  for (const name of modeNames) {
    const factory = detectionModes[name];
    if (factory === undefined) {
      console.log(`(no mode ${name} registered; skipped)`);
      continue;
    }
    const setupStart = performance.now();
    const mode = await factory.setup({ bank });
    const setupMs = performance.now() - setupStart;
    const hits = new Map<string, { found: number; total: number }>();
    let wrongEntry = 0;
    type Pass = { client: number[]; server: number[]; both: number[]; bytes: number[] };
    const passes: Pass[] = [];
    try {
      // Warm-up (JIT, WebCrypto, the matcher process) on a few probes, not counted.
      for (const probe of probes.slice(0, 5)) {
        const context = contextFor();
        const payload = await mode.client.prepare({ ...probe.signals, context });
        if (payload) await mode.server.evaluate(payload, context);
      }
      // Several timed passes (fresh message contexts each time); recall from the first, timings
      // from the pass with the lowest end-to-end median: on a shared machine, other processes only
      // ever add time, so the best pass is the closest to the cost of the code.
      for (let pass = 0; pass < REPEATS; pass++) {
        const timing: Pass = { client: [], server: [], both: [], bytes: [] };
        for (const probe of probes) {
          const context = contextFor();
          const c0 = performance.now();
          const payload = await mode.client.prepare({ ...probe.signals, context });
          const c1 = performance.now();
          let verdicts: DetectionVerdict[] | undefined;
          if (payload !== undefined) {
            verdicts = await mode.server.evaluate(payload, context);
            const s1 = performance.now();
            timing.server.push(s1 - c1);
            timing.bytes.push(payload.length);
            timing.both.push(s1 - c0);
          } else {
            timing.both.push(c1 - c0);
          }
          timing.client.push(c1 - c0);
          if (pass > 0) continue;
          const found = (verdicts?.length ?? 0) > 0;
          const entry = verdicts?.[0]?.bankEntryId;
          if (found && probe.expected !== undefined && entry !== undefined && entry !== probe.expected)
            wrongEntry++;
          const tally = hits.get(probe.transform) ?? { found: 0, total: 0 };
          tally.total++;
          if (found) tally.found++;
          hits.set(probe.transform, tally);
        }
        passes.push(timing);
      }
    } finally {
      await mode.close();
    }
    const { client, server, both, bytes } = passes.reduce((best, p) =>
      med(p.both) < med(best.both) ? p : best,
    );
    const recall: Record<string, number> = {};
    for (const [transform, tally] of hits)
      if (transform !== 'unrelated') recall[transform] = tally.found / tally.total;
    const unrelated = hits.get('unrelated') ?? { found: 0, total: 1 };
    const row: Row = {
      mode: name,
      bankSize: size,
      setupMs: round(setupMs, 0),
      clientDownloadBytes: mode.clientDownloadBytes ?? 0,
      clientMedianMs: round(med(client)),
      clientP95Ms: round(p95(client)),
      serverMedianMs: round(med(server)),
      serverP95Ms: round(p95(server)),
      endToEndMedianMs: round(med(both)),
      endToEndMedianPerPassMs: passes.map((p) => round(med(p.both))),
      bytesMedian: med(bytes),
      bytesMax: bytes.length ? Math.max(...bytes) : 0,
      payloadsSent: bytes.length,
      images: probes.length,
      recall,
      falsePositiveRate: unrelated.found / unrelated.total,
      wrongEntry,
    };
    rows.push(row);
    const target =
      name === 'client-match' || name === 'enclave'
        ? `, ${round(row.endToEndMedianMs / TARGET_MS, 2)}x the ${TARGET_MS} ms target`
        : '';
    console.log(
      `${name.padEnd(16)} [best of ${REPEATS} passes: ${row.endToEndMedianPerPassMs.join(' / ')} ms] bank ${String(size).padStart(8)}: setup ${row.setupMs} ms, device download ${row.clientDownloadBytes} B; client ${row.clientMedianMs} ms (p95 ${row.clientP95Ms}); ` +
        `server ${row.serverMedianMs} ms (p95 ${row.serverP95Ms}); end to end ${row.endToEndMedianMs} ms${target}; ` +
        `${row.payloadsSent}/${row.images} payloads, median ${row.bytesMedian} B; FP ${row.falsePositiveRate}`,
    );
    global.gc?.();
  }
}

// Recall is a property of PDQ at radius 31 and the quality floor, so every exact-radius mode shows
// the same numbers; a mode with approximate matching (robust keys, buckets) would differ here.
const transforms = TRANSFORMS.map((t) => t.name);
const machine = describeMachine();
const load = loadavg().map((x) => round(x, 2));
const results = {
  loadAverage: load,
  commitmentMs: commitMs,
  date: new Date().toISOString(),
  machine,
  quick,
  knownImages: KNOWN,
  unrelatedImages: UNRELATED,
  transforms,
  targetMsPerImage: TARGET_MS,
  pdqEffect,
  rows,
};
const root = new URL('../..', import.meta.url).pathname;
const outDir = join(root, 'bench/results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'detection.json'), `${JSON.stringify(results, null, 2)}\n`);
const md = [
  `# bench/detection — ${results.date}`,
  '',
  `Machine: ${machine}; load average at the end ${load.join(' / ')} (a shared machine: p95s are noisy; timings are the best of ${REPEATS} passes by end-to-end median). ${KNOWN} known drawings planted in banks of random PDQ hashes; ${TRANSFORMS.length} transformations each; ${UNRELATED} unrelated drawings. Radius 31, quality floor 50.`,
  '',
  '## Cost per image (medians; p95 in brackets)',
  '',
  `Setup includes what each side does once per bank version (client-match: the device parses the snapshot and checks it against the published root; enclave: launching the matcher, moving the bank into it, its own commitment and the attestation). Publishing the root (not charged to a mode): ${Object.entries(
    commitMs,
  )
    .map(([n, ms]) => `${n}: ${ms} ms`)
    .join(', ')}.`,
  '',
  '| mode | bank | setup ms | device download B | client ms | server ms | end to end ms | vs 5 ms | bytes (median/max) | payloads sent |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.mode} | ${r.bankSize} | ${r.setupMs} | ${r.clientDownloadBytes} | ${r.clientMedianMs} (${r.clientP95Ms}) | ${r.serverMedianMs} (${r.serverP95Ms}) | ${r.endToEndMedianMs} | ${round(r.endToEndMedianMs / TARGET_MS, 2)}x | ${r.bytesMedian}/${r.bytesMax} | ${r.payloadsSent}/${r.images} |`,
  ),
  '',
  '## What each transformation does to PDQ (distance to the planted original; mode-independent)',
  '',
  '| transformation | median distance | max | within radius 31 | below quality floor |',
  '|---|---:|---:|---:|---:|',
  ...pdqEffect.map(
    (e) =>
      `| ${e.transform} | ${e.medianDistance} | ${e.maxDistance} | ${pct(e.within31)} | ${e.belowQualityFloor}/${KNOWN} |`,
  ),
  '',
  '## Recall per transformation and false positives',
  '',
  `| mode | bank | ${transforms.join(' | ')} | FP rate | wrong entry |`,
  `|---|---:|${transforms.map(() => '---:').join('|')}|---:|---:|`,
  ...rows.map(
    (r) =>
      `| ${r.mode} | ${r.bankSize} | ${transforms.map((t) => pct(r.recall[t])).join(' | ')} | ${pct(r.falsePositiveRate)} | ${r.wrongEntry} |`,
  ),
  '',
].join('\n');
writeFileSync(join(outDir, 'detection.md'), md);

// The plot: recall against each transformation's strength, per mode and bank, under PDQ's ceiling.
// Brightness runs from −20 % to +20 % on its axis.
const order = (t: Transform) =>
  t.family === 'brightness' ? Number.parseInt(t.tick, 10) : TRANSFORMS.indexOf(t);
const families: Family[] = Object.keys(FAMILY_TITLES).map((family) => ({
  title: FAMILY_TITLES[family] as string,
  points: TRANSFORMS.filter((t) => t.family === family)
    .sort((a, b) => order(a) - order(b))
    .map((t) => ({ name: t.name, tick: t.tick })),
}));
const svg = recallChart(
  families,
  rows.map((r) => ({ label: `${r.mode}, bank ${r.bankSize.toLocaleString()}`, recall: r.recall })),
  Object.fromEntries(pdqEffect.map((e) => [e.transform, e.within31])),
  `Recall against transformation strength, radius 31 (${KNOWN} drawings, ${UNRELATED} unrelated)`,
  machine,
);
writeFileSync(join(outDir, 'detection-recall.svg'), svg);
await sharp(Buffer.from(svg)).png().toFile(join(outDir, 'detection-recall.png'));
console.log(`\n${md}`);
console.log(
  `results: ${join(outDir, 'detection.json')}, plot detection-recall.svg/.png; total ${((performance.now() - t0) / 1000).toFixed(0)} s`,
);
