/**
 * bench/index: how fast and how big Safelight's PDQ matching index is, beside FAISS.
 *
 * A bank of N random PDQ-shaped hashes (default 1M; `--n 10000000` for 10M) plus, for each of 100
 * query hashes, planted near-duplicates at every distance 0..31. Queries are those 100 plus
 * perturbed copies of random bank members (some within 31 bits, some not). Reports:
 *   build time and resident memory (RSS delta); single-core queries/s at radius 31 (median of
 *   rounds), also for the classic 16 x 16-bit layout; recall against a plain brute-force loop on a
 *   sample; MIH vs scan time across radii (checks the automatic rule); snapshot save/load time;
 *   how long one add/remove takes to be visible; and FAISS IndexBinaryMultiHash(256, 16, 16) with
 *   nflip = 1 and IndexBinaryFlat on the same hashes and queries, one thread, when python3-faiss
 *   is installed (`apt-get install -y python3-faiss python3-numpy`).
 * Results: bench/results/index.json and index.md.
 *
 * Flags: --n N, --queries Q, --rounds R, --quick (100K hashes, fewer queries), --no-faiss,
 * --no-classic (skip the 16 x 16 comparison build).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  decodePdqSnapshot,
  encodePdqSnapshot,
  flipRandomBits,
  PdqIndex,
  type PdqMatch,
  randomHashWords,
  seededRandom,
} from '@safelight/hashbank';
import { PDQ_HASH_WORDS, type PdqHash, popcount32 } from '@safelight/pdq';
import { describeMachine, median } from '../machine.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const quick = flag('--quick');
const N = option('--n', quick ? 100_000 : 1_000_000);
const QUERIES = option('--queries', quick ? 300 : 1000);
const ROUNDS = option('--rounds', quick ? 3 : 5);
const RADIUS = 31;
const BASES = 100;
const RECALL_SAMPLE = Math.max(10, Math.min(200, Math.round(2e8 / N)));
const root = fileURLToPath(new URL('../..', import.meta.url));
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function rss(): number {
  gc();
  return process.memoryUsage().rss;
}

const mb = (bytes: number) => bytes / 2 ** 20;

// ---------------------------------------------------------------------------------------------
// Data: random bank + planted near-duplicates; queries.
const random = seededRandom(2026);
const total = N + BASES * 32;
const words = new Uint32Array(total * PDQ_HASH_WORDS);
words.set(randomHashWords(N, random));
const queries: PdqHash[] = [];
for (let b = 0; b < BASES; b++) {
  const base = randomHashWords(1, random);
  queries.push(base);
  for (let d = 0; d < 32; d++) words.set(flipRandomBits(base, d, random), (N + b * 32 + d) * PDQ_HASH_WORDS);
}
while (queries.length < QUERIES) {
  const member = random() % total;
  const stored = words.slice(member * PDQ_HASH_WORDS, (member + 1) * PDQ_HASH_WORDS);
  queries.push(flipRandomBits(stored, random() % 48, random));
}
const ids = new Float64Array(total).map((_, i) => i);

/** An independent exact answer: a plain loop over the raw words, sharing no code with the index. */
function bruteForce(query: PdqHash, radius: number): number[] {
  const found: number[] = [];
  for (let i = 0, at = 0; i < total; i++, at += 8) {
    let d = 0;
    for (let w = 0; w < 8; w++) d += popcount32((words[at + w] as number) ^ (query[w] as number));
    if (d <= radius) found.push(i);
  }
  return found;
}

function queriesPerSecond(
  index: PdqIndex,
  set: PdqHash[],
  radius: number,
  strategy: 'auto' | 'mih' | 'linear',
) {
  for (const q of set.slice(0, 20)) index.query(q, radius, strategy); // warm up the JIT
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    for (const q of set) index.query(q, radius, strategy);
    samples.push((set.length * 1000) / ms(start));
  }
  return median(samples);
}

const sortedIds = (matches: PdqMatch[]) => matches.map((m) => m.id).sort((a, b) => a - b);

console.log(`bench/index on ${describeMachine()}${quick ? ' (quick)' : ''}`);
console.log(
  `bank: ${N.toLocaleString()} random + ${(BASES * 32).toLocaleString()} planted = ${total.toLocaleString()} hashes; ${queries.length} queries`,
);

// ---------------------------------------------------------------------------------------------
// Build.
let rssBefore = rss();
let start = process.hrtime.bigint();
let index: PdqIndex | undefined = PdqIndex.fromHashes(ids, words);
const buildMs = ms(start);
const rssBytes = rss() - rssBefore;
const plan = index.probePlan(RADIUS);
const planText =
  plan.kind === 'mih'
    ? `${index.segmentWidths.length} segments of ${[...new Set(index.segmentWidths)].join('/')} bits, segment radii ${[...plan.radii].join(',')}`
    : 'linear scan';
console.log(
  `build: ${(buildMs / 1000).toFixed(2)} s, resident memory +${mb(rssBytes).toFixed(0)} MB (${(rssBytes / total).toFixed(1)} bytes/hash)`,
);
console.log(`layout at radius ${RADIUS}: ${planText}`);

// Queries per second at radius 31.
const qps = queriesPerSecond(index, queries, RADIUS, 'auto');
console.log(
  `radius ${RADIUS}: ${qps.toFixed(0)} queries/s on one core (median of ${ROUNDS} rounds of ${queries.length})`,
);

// Recall on a sample, against the brute-force loop.
let expectedPairs = 0;
let foundPairs = 0;
let exactQueries = 0;
const recallSet = queries.slice(0, RECALL_SAMPLE);
for (const q of recallSet) {
  const expected = bruteForce(q, RADIUS);
  const got = sortedIds(index.query(q, RADIUS));
  const gotSet = new Set(got);
  expectedPairs += expected.length;
  foundPairs += expected.filter((id) => gotSet.has(id)).length;
  if (got.length === expected.length && expected.every((id) => gotSet.has(id))) exactQueries++;
}
const recall = expectedPairs === 0 ? 1 : foundPairs / expectedPairs;
console.log(
  `recall vs brute force on ${recallSet.length} queries: ${(recall * 100).toFixed(2)}% of ${expectedPairs} matches; ${exactQueries}/${recallSet.length} queries exactly equal`,
);

// MIH against a scan across radii: is the automatic choice the faster one?
const sweep: Array<{
  radius: number;
  mihMs: number | null;
  linearMs: number;
  auto: string;
  autoIsFaster: boolean;
}> = [];
const sweepMih = queries.slice(0, N >= 5_000_000 ? 20 : 50);
const sweepScan = queries.slice(0, N >= 5_000_000 ? 5 : 20);
for (const radius of [0, 8, 16, 24, 31, 40, 47, 56, 63, 72, 96]) {
  // With no probe plan within segment radius 6, a forced MIH query scans too: nothing to compare.
  const hasPlan = index.probePlan(radius, 'mih').kind === 'mih';
  const mihMs = hasPlan
    ? 1000 / queriesPerSecondFew(index, radius >= 56 ? sweepScan : sweepMih, radius, 'mih')
    : null;
  const linearMs = 1000 / queriesPerSecondFew(index, sweepScan, radius, 'linear');
  const auto = index.strategyFor(radius);
  sweep.push({
    radius,
    mihMs,
    linearMs,
    auto,
    autoIsFaster: mihMs === null || (auto === 'mih') === mihMs <= linearMs,
  });
}
function queriesPerSecondFew(ix: PdqIndex, set: PdqHash[], radius: number, strategy: 'mih' | 'linear') {
  for (const q of set.slice(0, 3)) ix.query(q, radius, strategy);
  const start = process.hrtime.bigint();
  for (const q of set) ix.query(q, radius, strategy);
  return (set.length * 1000) / ms(start);
}
console.log('radius  MIH ms  scan ms  auto');
for (const row of sweep) {
  console.log(
    `${String(row.radius).padStart(6)} ${(row.mihMs?.toFixed(3) ?? 'no plan').padStart(7)} ${row.linearMs.toFixed(2).padStart(8)}  ${row.auto}${row.autoIsFaster ? '' : ' (slower choice)'}`,
  );
}

// Add / remove: how long until the next query sees the change.
const addMs: number[] = [];
const removeMs: number[] = [];
let visible = true;
for (let k = 0; k < 1000; k++) {
  const q = queries[k % queries.length] as PdqHash;
  const hash = flipRandomBits(q, k % 32, random);
  const id = total + k;
  let t = process.hrtime.bigint();
  index.add(id, hash);
  addMs.push(ms(t));
  visible &&= index.query(q, RADIUS).some((m) => m.id === id);
  t = process.hrtime.bigint();
  index.remove(id);
  removeMs.push(ms(t));
  visible &&= !index.query(q, RADIUS).some((m) => m.id === id);
}
const pct = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * p)] as number;
const changes = {
  addMedianMs: median(addMs),
  addP99Ms: pct(addMs, 0.99),
  addMaxMs: Math.max(...addMs),
  removeMedianMs: median(removeMs),
  removeP99Ms: pct(removeMs, 0.99),
  removeMaxMs: Math.max(...removeMs),
  visibleToNextQuery: visible,
};
console.log(
  `add: median ${(changes.addMedianMs * 1000).toFixed(1)} us, p99 ${(changes.addP99Ms * 1000).toFixed(1)} us, max ${changes.addMaxMs.toFixed(1)} ms; ` +
    `remove: median ${(changes.removeMedianMs * 1000).toFixed(1)} us, max ${changes.removeMaxMs.toFixed(2)} ms; ` +
    `visible to the next query: ${visible}`,
);

start = process.hrtime.bigint();
index.compact();
const compactMs = ms(start);
console.log(`compact after 1,000 adds and removes: ${(compactMs / 1000).toFixed(2)} s`);

// Snapshot save and load.
const dir = mkdtempSync(join(tmpdir(), 'safelight-index-'));
const file = join(dir, 'index.pdqidx');
start = process.hrtime.bigint();
const fd = openSync(file, 'w');
for (const part of encodePdqSnapshot(index)) writeSync(fd, part);
closeSync(fd);
const saveMs = ms(start);
const snapshotBytes = statSync(file).size;
const reference = queries.slice(0, 20).map((q) => (index as PdqIndex).query(q, RADIUS));
index = undefined;
gc();

function readWhole(path: string): Uint8Array {
  const size = statSync(path).size;
  const bytes = new Uint8Array(size);
  const handle = openSync(path, 'r');
  for (let at = 0; at < size; ) at += readSync(handle, bytes, at, Math.min(size - at, 1 << 30), at);
  closeSync(handle);
  return bytes;
}

rssBefore = rss();
start = process.hrtime.bigint();
let loaded: PdqIndex | undefined = decodePdqSnapshot(readWhole(file));
const loadMs = ms(start);
const loadedRssBytes = rss() - rssBefore;
const loadedAgrees = queries
  .slice(0, 20)
  .every((q, i) => JSON.stringify(loaded?.query(q, RADIUS)) === JSON.stringify(reference[i]));
loaded = undefined;
gc();
start = process.hrtime.bigint();
loaded = decodePdqSnapshot(readWhole(file), { verifyChecksums: false });
const loadNoVerifyMs = ms(start);
const loadedQps = queriesPerSecond(loaded, queries, RADIUS, 'auto');
console.log(
  `snapshot: ${mb(snapshotBytes).toFixed(0)} MB, saved in ${(saveMs / 1000).toFixed(2)} s, loaded in ${(loadMs / 1000).toFixed(2)} s ` +
    `(${(loadNoVerifyMs / 1000).toFixed(2)} s without checksums), resident +${mb(loadedRssBytes).toFixed(0)} MB, same answers: ${loadedAgrees}, ` +
    `${loadedQps.toFixed(0)} queries/s after load`,
);

// The classic 16 x 16-bit layout on the same bank, for comparison.
let classic: { buildMs: number; queriesPerSecond: number } | undefined;
if (!flag('--no-classic')) {
  start = process.hrtime.bigint();
  const classicIndex = PdqIndex.fromHashes(ids, words, { segmentBits: 16 });
  const classicBuildMs = ms(start);
  const classicSet = queries.slice(0, Math.min(queries.length, 300));
  classic = {
    buildMs: classicBuildMs,
    queriesPerSecond: queriesPerSecond(classicIndex, classicSet, RADIUS, 'mih'),
  };
  console.log(
    `classic 16 x 16-bit layout: build ${(classicBuildMs / 1000).toFixed(2)} s, ${classic.queriesPerSecond.toFixed(0)} queries/s`,
  );
}

// FAISS on the same hashes and queries.
interface FaissResult {
  faissVersion: string;
  multiHash: { buildSeconds: number; rssBytes: number; queriesPerSecond: number; matches: number };
  flat: { queriesPerSecond: number; queries: number; multiHashAgreesWithFlat: boolean };
}
let faiss:
  | (FaissResult & { queries: number; oursOnSameQueries: number; agreesWithOurs: boolean })
  | undefined;
let faissSkipped: string | undefined;
const python = ['/usr/bin/python3', 'python3'].find((candidate) => {
  const probe = spawnSync(candidate, ['-c', 'import faiss, numpy'], { stdio: 'ignore' });
  return probe.status === 0;
});
if (flag('--no-faiss')) faissSkipped = 'skipped (--no-faiss)';
else if (!python)
  faissSkipped = 'skipped: python3 cannot import faiss (apt-get install -y python3-faiss python3-numpy)';
else {
  // FAISS MultiHash at 10M answers ~20 queries/s: give it a subset so the run stays in minutes.
  const faissSet = queries.slice(0, N >= 5_000_000 ? 200 : Math.min(queries.length, 500));
  const baseFile = join(dir, 'base.u8');
  const queryFile = join(dir, 'queries.u8');
  const resultFile = join(dir, 'faiss-results.bin');
  writeFileSync(baseFile, new Uint8Array(words.buffer, words.byteOffset, words.byteLength));
  const queryWords = new Uint32Array(faissSet.length * PDQ_HASH_WORDS);
  for (const [i, q] of faissSet.entries()) queryWords.set(q, i * PDQ_HASH_WORDS);
  writeFileSync(queryFile, new Uint8Array(queryWords.buffer));
  const output = execFileSync(
    python,
    [
      join(root, 'bench/index/faiss_peer.py'),
      baseFile,
      queryFile,
      String(RADIUS),
      resultFile,
      '--rounds',
      N >= 5_000_000 ? '1' : '3',
      '--flat-queries',
      N >= 5_000_000 ? '10' : '50',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
  );
  const result = JSON.parse(output) as FaissResult;
  // Compare FAISS's matches with ours, query by query.
  const ours = loaded ?? PdqIndex.fromHashes(ids, words);
  const raw = readWhole(resultFile);
  const view = new DataView(raw.buffer);
  let at = 0;
  let agrees = true;
  for (const q of faissSet) {
    const count = Number(view.getBigInt64(at, true));
    at += 8;
    const theirs: number[] = [];
    for (let k = 0; k < count; k++, at += 8) theirs.push(Number(view.getBigInt64(at, true)));
    agrees &&= JSON.stringify(theirs) === JSON.stringify(sortedIds(ours.query(q, RADIUS)));
  }
  faiss = {
    ...result,
    queries: faissSet.length,
    oursOnSameQueries: queriesPerSecond(ours, faissSet, RADIUS, 'auto'),
    agreesWithOurs: agrees,
  };
  console.log(
    `FAISS ${result.faissVersion} IndexBinaryMultiHash(256,16,16) nflip=1: build ${result.multiHash.buildSeconds.toFixed(2)} s, ` +
      `+${mb(result.multiHash.rssBytes).toFixed(0)} MB, ${result.multiHash.queriesPerSecond.toFixed(1)} queries/s; ` +
      `IndexBinaryFlat ${result.flat.queriesPerSecond.toFixed(1)} queries/s; same matches as ours: ${agrees}`,
  );
  console.log(
    `ratio ours / FAISS MultiHash: ${(faiss.oursOnSameQueries / result.multiHash.queriesPerSecond).toFixed(1)}x queries/s, ` +
      `${(result.multiHash.buildSeconds / (buildMs / 1000)).toFixed(2)}x faster build; ours / FAISS Flat: ${(faiss.oursOnSameQueries / result.flat.queriesPerSecond).toFixed(1)}x`,
  );
}
if (faissSkipped) console.log(`FAISS ${faissSkipped}`);

// Many adds: past 1/32 of the bank a segment rebuild starts and advances one bounded step per
// change. How long does an add take then, and how fast are queries with the adds pending?
const growing = loaded ?? PdqIndex.fromHashes(ids, words);
// A rebuild starts once a segment's pending adds pass size / 32 of the grown bank.
const bulkAdds = Math.ceil(growing.size / 31) + 20_000;
const stepAddMs: number[] = [];
start = process.hrtime.bigint();
for (let k = 0; k < bulkAdds; k++) {
  const t = process.hrtime.bigint();
  growing.add(total + 10_000 + k, randomHashWords(1, random));
  if (growing.rebuildInProgress) stepAddMs.push(ms(t));
}
const bulkAddMs = ms(start);
const qpsWithPending = queriesPerSecond(growing, queries.slice(0, 300), RADIUS, 'auto');
start = process.hrtime.bigint();
growing.compact();
const bulkCompactMs = ms(start);
const bulk = {
  adds: bulkAdds,
  seconds: bulkAddMs / 1000,
  addsDuringRebuild: stepAddMs.length,
  addDuringRebuildMedianMs: stepAddMs.length ? median(stepAddMs) : 0,
  addDuringRebuildP99Ms: stepAddMs.length ? pct(stepAddMs, 0.99) : 0,
  addDuringRebuildMaxMs: stepAddMs.length ? Math.max(...stepAddMs) : 0,
  queriesPerSecondWithPending: qpsWithPending,
  compactMs: bulkCompactMs,
};
console.log(
  `${bulkAdds.toLocaleString()} adds in ${bulk.seconds.toFixed(2)} s; during segment rebuilds (${stepAddMs.length.toLocaleString()} adds), an add takes median ${bulk.addDuringRebuildMedianMs.toFixed(3)} ms, ` +
    `p99 ${bulk.addDuringRebuildP99Ms.toFixed(3)} ms, max ${bulk.addDuringRebuildMaxMs.toFixed(2)} ms; ${qpsWithPending.toFixed(0)} queries/s with them pending; compact ${(bulkCompactMs / 1000).toFixed(2)} s`,
);

rmSync(dir, { recursive: true, force: true });

// ---------------------------------------------------------------------------------------------
// Targets (stated for 10M hashes) and results.
const targets = [
  { what: 'queries/s at radius 31, one core', target: '>= 1000', value: qps, met: qps >= 1000 },
  { what: 'recall vs brute force', target: '100%', value: recall * 100, met: recall === 1 },
  { what: 'resident memory (MB)', target: '< 1536', value: mb(rssBytes), met: mb(rssBytes) < 1536 },
  { what: 'build (s)', target: '< 30', value: buildMs / 1000, met: buildMs < 30_000 },
  { what: 'load from snapshot (s)', target: '< 5', value: loadMs / 1000, met: loadMs < 5000 },
  {
    what: 'add visible (median ms)',
    target: '< 1',
    value: changes.addMedianMs,
    met: changes.addMedianMs < 1,
  },
  {
    what: 'remove visible (median ms)',
    target: '< 1',
    value: changes.removeMedianMs,
    met: changes.removeMedianMs < 1,
  },
];
const results = {
  machine: describeMachine(),
  date: new Date().toISOString(),
  bank: { random: N, planted: BASES * 32, total },
  queries: queries.length,
  rounds: ROUNDS,
  radius: RADIUS,
  layout: { segmentWidths: loaded?.segmentWidths, plan: planText },
  buildMs,
  rssBytes,
  queriesPerSecond: qps,
  recall: { sample: recallSet.length, expectedMatches: expectedPairs, recall, exactQueries },
  radiusSweep: sweep,
  changes: { ...changes, compactAfterChangesMs: compactMs, bulk },
  snapshot: {
    bytes: snapshotBytes,
    saveMs,
    loadMs,
    loadNoVerifyMs,
    loadedRssBytes,
    sameAnswers: loadedAgrees,
    loadedQps,
  },
  classic16x16: classic,
  faiss: faiss ?? { skipped: faissSkipped },
  targetsFor10M: targets,
};
const outDir = join(root, 'bench/results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'index.json'), `${JSON.stringify(results, null, 2)}\n`);
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toFixed(4));
writeFileSync(
  join(outDir, 'index.md'),
  [
    `# bench/index — ${results.date}`,
    '',
    `Machine: ${results.machine}`,
    '',
    `Bank: ${total.toLocaleString()} hashes (${N.toLocaleString()} random + ${BASES * 32} planted at distances 0..31); ${queries.length} queries; radius ${RADIUS}; ${planText}.`,
    '',
    '| measure | target at 10M | this run | met |',
    '|---|---|---|---|',
    ...targets.map((t) => `| ${t.what} | ${t.target} | ${fmt(t.value)} | ${t.met ? 'yes' : 'no'} |`),
    '',
    `Snapshot ${mb(snapshotBytes).toFixed(0)} MB: save ${(saveMs / 1000).toFixed(2)} s, load ${(loadMs / 1000).toFixed(2)} s (${(loadNoVerifyMs / 1000).toFixed(2)} s without checksums). ` +
      `Add: median ${(changes.addMedianMs * 1000).toFixed(1)} us, max ${changes.addMaxMs.toFixed(1)} ms; remove: median ${(changes.removeMedianMs * 1000).toFixed(1)} us. Compact after 1,000 adds and removes: ${(compactMs / 1000).toFixed(2)} s. ` +
      `${bulk.adds.toLocaleString()} adds (past the rebuild limit): an add during a segment rebuild median ${bulk.addDuringRebuildMedianMs.toFixed(3)} ms, p99 ${bulk.addDuringRebuildP99Ms.toFixed(3)} ms, max ${bulk.addDuringRebuildMaxMs.toFixed(2)} ms; ${bulk.queriesPerSecondWithPending.toFixed(0)} queries/s with them pending; compact ${(bulk.compactMs / 1000).toFixed(2)} s.`,
    '',
    classic
      ? `Classic 16 x 16-bit layout on the same bank: ${classic.queriesPerSecond.toFixed(0)} queries/s (build ${(classic.buildMs / 1000).toFixed(2)} s).`
      : '',
    '',
    faiss
      ? `FAISS ${faiss.faissVersion}, one thread, ${faiss.queries} queries: IndexBinaryMultiHash(256,16,16) nflip=1 ${faiss.multiHash.queriesPerSecond.toFixed(1)} queries/s, build ${faiss.multiHash.buildSeconds.toFixed(2)} s, +${mb(faiss.multiHash.rssBytes).toFixed(0)} MB; IndexBinaryFlat ${faiss.flat.queriesPerSecond.toFixed(1)} queries/s. ` +
        `Ours on the same queries ${faiss.oursOnSameQueries.toFixed(0)} queries/s: **${(faiss.oursOnSameQueries / faiss.multiHash.queriesPerSecond).toFixed(1)}x** FAISS MultiHash, ${(faiss.oursOnSameQueries / faiss.flat.queriesPerSecond).toFixed(1)}x FAISS Flat. Same matches: ${faiss.agreesWithOurs}.`
      : `FAISS ${faissSkipped}.`,
    '',
    '| radius | MIH ms/query | scan ms/query | automatic choice |',
    '|---|---|---|---|',
    ...sweep.map(
      (r) =>
        `| ${r.radius} | ${r.mihMs?.toFixed(3) ?? 'no plan'} | ${r.linearMs.toFixed(2)} | ${r.auto}${r.autoIsFaster ? '' : ' (slower)'} |`,
    ),
    '',
  ].join('\n'),
);
console.log(`results: ${join(outDir, 'index.json')}`);
