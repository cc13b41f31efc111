/**
 * bench/psi: the psi-threshold detection mode (packages/detection/src/psi).
 *
 * 0. The physical limit: native X25519 operations per second on this machine (the server does one
 *    per voucher slot, so cores × X25519/s ÷ L bounds vouchers/s).
 * 1. Voucher bytes (default L = 12 keys, and L = 16 for comparison).
 * 2. Client ms per image (median), server vouchers/s on one thread (PsiServer) and on a worker
 *    pool (PsiServerPool, one thread per core), medians of 5 runs, mostly non-matching vouchers as
 *    in real traffic, against the 5,000/s target and the X25519 limit.
 * 3. Blinded-table build over worker threads for a bank of 10k entries (measured) and 100k / 1M
 *    (100k measured with --full; 1M extrapolated from the measured per-key rate, labelled).
 * 4. Recall of the robust keys at distances 0..31 (random bit flips, empirical vs model, L = 12 and
 *    L = 16) and the false key-match rate of random hashes against banks of 10k (measured) /
 *    100k / 1M (projected).
 * Flags: --quick (smaller samples), --full (really build 100k). Results: bench/results/psi.json.
 * The host is a shared 2-core VM: CPU time per voucher is printed beside wall time.
 */
import { createPrivateKey, createPublicKey, diffieHellman, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bitsPerKeyFor,
  buildPsiBank,
  buildPsiBankParallel,
  createPsiThresholdMode,
  DEFAULT_KEY_PARAMETERS,
  modelRecall,
  PsiClient,
  PsiServer,
  PsiServerPool,
  robustKeys,
} from '@safelight/detection';
import { flipRandomBits, randomHash, seededRandom } from '@safelight/hashbank';
import type { PdqHash } from '@safelight/pdq';
import { x25519, x25519Base, x25519PrivateKey } from '../../packages/detection/src/psi/crypto.js';
import { describeMachine, median } from '../machine.js';

const quick = process.argv.includes('--quick');
const full = process.argv.includes('--full');
const root = fileURLToPath(new URL('../..', import.meta.url));
const random = seededRandom(424242);
const BUILD_N = quick ? 2_000 : 10_000;
// b sized for the bank (as createPsiThresholdMode does): ≈1 % of random images open.
const keys = {
  ...DEFAULT_KEY_PARAMETERS,
  bitsPerKey: bitsPerKeyFor(BUILD_N, DEFAULT_KEY_PARAMETERS.keysPerImage),
};
const out: Record<string, unknown> = { date: new Date().toISOString(), machine: describeMachine(), keys };

console.log(`bench/psi — ${describeMachine()}; load average at start ${loadavg()[0]?.toFixed(1)}`);
out.loadAverageAtStart = loadavg()[0];
console.log(
  `robust keys: L = ${keys.keysPerImage} keys of b = ${keys.bitsPerKey} sampled bits (bitsPerKeyFor(${BUILD_N.toLocaleString()}); 100k → ${bitsPerKeyFor(1e5, keys.keysPerImage)}, 1M → ${bitsPerKeyFor(1e6, keys.keysPerImage)})\n`,
);

const bankOf = (n: number) => ({
  bankName: 'BENCH',
  entries: Array.from({ length: n }, (_, i) => ({ id: `e${i}`, pdq: randomHash(random) })),
});

// `--build N`: only the parallel table build of an N-entry bank (long runs, e.g. 100k).
const buildOnly = process.argv.indexOf('--build');
if (buildOnly >= 0) {
  const n = Number(process.argv[buildOnly + 1]);
  const k = { ...keys, bitsPerKey: bitsPerKeyFor(n, keys.keysPerImage) };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let reported = t0;
  const b = await buildPsiBankParallel(bankOf(n), k, {
    // A 1M build runs for an hour or more here: say how far it got every 30 s.
    onProgress: (done, total) => {
      const now = performance.now();
      if (now - reported < 30_000) return;
      reported = now;
      const minutesLeft = (((now - t0) / done) * (total - done)) / 60_000;
      console.log(
        `  ${done.toLocaleString()} / ${total.toLocaleString()} table slots, ~${minutesLeft.toFixed(0)} min left`,
      );
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  const result = {
    date: new Date().toISOString(),
    machine: describeMachine(),
    entries: n,
    keys: k,
    distinctKeys: b.distinctKeys,
    seconds,
    cpuSeconds: (c.user + c.system) / 1e6,
    tableMiB: b.table.elements.length / 2 ** 20,
    loadAverage: loadavg(),
  };
  // The ratio: cores kept busy by the pool against the cores it had.
  console.log(
    `${n.toLocaleString()} entries: ${(seconds / 60).toFixed(1)} min wall, ${(result.cpuSeconds / seconds).toFixed(2)} of ${cpus().length} cores busy, ${b.distinctKeys.toLocaleString()} keys, ${result.tableMiB.toFixed(0)} MiB`,
  );
  console.log(JSON.stringify(result));
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, `bench/results/psi-build-${n}.json`), `${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}

// ---- 0. the physical limit: X25519 per second -------------------------------------------------
// The server does one X25519 per voucher slot. node:crypto (OpenSSL) and libsodium side by side:
// the protocol uses libsodium (psi/crypto.ts) because node:crypto must import each peer key as a
// KeyObject first.
const CORES = cpus().length;
const jwkKey = (d: Buffer) =>
  createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: d.toString('base64url'), x: '' }, format: 'jwk' });
const dhPriv = jwkKey(randomBytes(32));
const peerPoints = Array.from({ length: 2000 }, () => x25519Base(x25519PrivateKey(randomBytes(32))));
const sodiumSecret = x25519PrivateKey(randomBytes(32));
const nodeRates: number[] = [];
const sodiumRates: number[] = [];
for (let run = 0; run < 5; run++) {
  let t0 = performance.now();
  for (const u of peerPoints) {
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(u).toString('base64url') },
      format: 'jwk',
    });
    diffieHellman({ privateKey: dhPriv, publicKey });
  }
  nodeRates.push(peerPoints.length / ((performance.now() - t0) / 1000));
  t0 = performance.now();
  for (const u of peerPoints) x25519(sodiumSecret, u);
  sodiumRates.push(peerPoints.length / ((performance.now() - t0) / 1000));
}
const x25519PerSecond = median(sodiumRates);
const limit = (CORES * x25519PerSecond) / keys.keysPerImage;
console.log(
  `X25519 per thread (median of 5 × 2,000, peer key imported each time as the server must): libsodium ${Math.round(x25519PerSecond).toLocaleString()}/s, node:crypto ${Math.round(median(nodeRates)).toLocaleString()}/s (${(x25519PerSecond / median(nodeRates)).toFixed(2)}×)`,
);
console.log(
  `  → limit ${Math.round(limit).toLocaleString()} vouchers/s on ${CORES} cores at L = ${keys.keysPerImage} (cores × X25519/s ÷ L, nothing else counted)`,
);
out.x25519 = {
  perSecond: x25519PerSecond,
  runs: sodiumRates,
  nodeCryptoPerSecond: median(nodeRates),
  nodeCryptoRuns: nodeRates,
  cores: CORES,
  voucherLimit: limit,
};

// ---- 3. table build ----------------------------------------------------------------------------
const bank = bankOf(BUILD_N);
// One thread on a 500-entry sample: the per-key cost the worker pool divides.
const sample = bankOf(500);
let start = performance.now();
let cpuStart = process.cpuUsage();
const sampleBuilt = buildPsiBank(sample, keys);
const oneThreadPerKeyMs = (performance.now() - start) / sampleBuilt.distinctKeys;
const cpuMs = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since); // all threads of the process, workers included
  return (c.user + c.system) / 1000;
};
const oneThreadCpuPerKeyMs = cpuMs(cpuStart) / sampleBuilt.distinctKeys;
start = performance.now();
cpuStart = process.cpuUsage();
const built = await buildPsiBankParallel(bank, keys);
const buildMs = performance.now() - start;
const buildCpuPerKeyMs = cpuMs(cpuStart) / built.distinctKeys;
const perKeyMs = buildMs / built.distinctKeys;
const tableMiB = built.table.elements.length / 2 ** 20;
console.log('\ntable build (worker threads, one per core)');
console.log(
  `  one thread, 500-entry sample: ${(oneThreadPerKeyMs * 1000).toFixed(0)} µs/key wall (${(oneThreadCpuPerKeyMs * 1000).toFixed(0)} µs CPU); ${CORES} workers: ${(perKeyMs * 1000).toFixed(0)} µs/key wall (${(buildCpuPerKeyMs * 1000).toFixed(0)} µs CPU, all threads) = ${(oneThreadPerKeyMs / perKeyMs).toFixed(2)}× one thread's wall time`,
);
console.log(
  `  ${BUILD_N.toLocaleString()} entries: ${(buildMs / 1000).toFixed(1)} s (${built.distinctKeys.toLocaleString()} distinct keys), table ${built.table.size.toLocaleString()} slots = ${tableMiB.toFixed(1)} MiB`,
);
const builds: Record<string, unknown> = {
  oneThreadPerKeyMs,
  oneThreadCpuPerKeyMs,
  parallelCpuPerKeyMs: buildCpuPerKeyMs,
  [BUILD_N]: { seconds: buildMs / 1000, distinctKeys: built.distinctKeys, tableMiB, measured: true },
};
let perKeyForProjection = perKeyMs;
for (const n of [100_000, 1_000_000]) {
  if (full && n === 100_000) {
    start = performance.now();
    const b = await buildPsiBankParallel(bankOf(n), keys);
    const s = (performance.now() - start) / 1000;
    perKeyForProjection = (s * 1000) / b.distinctKeys;
    builds[n] = {
      seconds: s,
      distinctKeys: b.distinctKeys,
      tableMiB: b.table.elements.length / 2 ** 20,
      measured: true,
    };
    console.log(
      `  ${n.toLocaleString()} entries: ${s.toFixed(1)} s MEASURED (${b.distinctKeys.toLocaleString()} distinct keys, ${(perKeyForProjection * 1000).toFixed(0)} µs/key), table ${(b.table.elements.length / 2 ** 20).toFixed(0)} MiB`,
    );
    continue;
  }
  const distinct = (built.distinctKeys / BUILD_N) * n;
  const s = (distinct * perKeyForProjection) / 1000;
  const mib = (Math.ceil(distinct * 2.2) * 32) / 2 ** 20;
  builds[n] = { seconds: s, distinctKeys: distinct, tableMiB: mib, measured: false };
  console.log(
    `  ${n.toLocaleString()} entries: ~${s.toFixed(0)} s EXTRAPOLATED (${(perKeyForProjection * 1000).toFixed(0)} µs/key × ${Math.round(distinct).toLocaleString()} keys, ${CORES} workers), table ~${mib.toFixed(0)} MiB`,
  );
}
out.tableBuild = builds;

// ---- 1 + 2. vouchers ---------------------------------------------------------------------------
// Same bank and table as above: the two halves exactly as createPsiThresholdMode().setup builds them.
const params = { keys, table: built.table, serverPublic: built.serverPublic, threshold: 10 };
const client = new PsiClient(params, { syntheticRate: 0.05, qualityFloor: 50 });
const IMAGES = quick ? 100 : 2_000;
const images: PdqHash[] = [];
for (let i = 0; i < IMAGES; i++)
  images.push(
    i % 10 === 0
      ? flipRandomBits((bank.entries[i]?.pdq ?? randomHash(random)) as PdqHash, 12, random)
      : randomHash(random),
  );
const clientMs: number[] = [];
const vouchers: Array<{ bytes: Uint8Array; accountId: string; n: number }> = [];
for (const [i, pdq] of images.entries()) {
  const context = {
    accountId: `acct_${i % 20}`,
    conversationId: 'conv_bench_000001',
    messageId: `msg_${String(i).padStart(8, '0')}`,
  };
  const t0 = performance.now();
  const bytes = client.prepareSync({ pdq, quality: 90, context });
  clientMs.push(performance.now() - t0);
  vouchers.push({ bytes, accountId: context.accountId, n: i });
}
const voucherSize = vouchers[0]?.bytes.length ?? 0;
const { client: client16 } = await createPsiThresholdMode({
  keys: { keysPerImage: 16, bitsPerKey: 16 },
}).setupDetailed({
  bank: { bankName: 'small', entries: bank.entries.slice(0, 100) },
});
const size16 = client16.prepareSync({
  pdq: randomHash(random),
  quality: 90,
  context: { accountId: 'a', conversationId: 'conv_bench_000001', messageId: 'msg_00000000' },
}).length;
console.log('\nvouchers');
console.log(
  `  bytes: ${voucherSize} (L = ${keys.keysPerImage}, default), ${size16} (L = 16); target < 1,024`,
);
console.log(`  client: ${median(clientMs).toFixed(1)} ms per image (median of ${IMAGES})`);

// One thread: a fresh PsiServer per run (replays would be refused), same vouchers.
const contextOf = (v: { accountId: string; n: number }) => ({
  accountId: v.accountId,
  conversationId: 'conv_bench_000001',
  messageId: `msg_${v.n}`,
});
const oneThread: number[] = [];
const cpuPerVoucher: number[] = [];
let verdicts = 0;
for (let run = 0; run < 5; run++) {
  const server = new PsiServer(built.serverKey, params, built.index, { radius: 31, qualityFloor: 50 });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  verdicts = 0;
  for (const v of vouchers) verdicts += server.evaluateSync(v.bytes, contextOf(v))?.length ?? 0;
  oneThread.push(vouchers.length / ((performance.now() - t0) / 1000));
  const cpu = process.cpuUsage(cpu0);
  cpuPerVoucher.push((cpu.user + cpu.system) / vouchers.length);
}
const perSecond = median(oneThread);
console.log(
  `  server, one thread: ${Math.round(perSecond).toLocaleString()} vouchers/s (median of 5 runs of ${vouchers.length}: ${oneThread.map(Math.round).join(', ')}); ${median(cpuPerVoucher).toFixed(0)} µs CPU each → ${Math.round(1e6 / median(cpuPerVoucher)).toLocaleString()}/s per unloaded core; ${verdicts} verdicts`,
);
// Worker pool: all vouchers in flight at once, as a busy server sees them.
const pooled: number[] = [];
for (let run = 0; run < 5; run++) {
  const server = new PsiServer(built.serverKey, params, built.index, { radius: 31, qualityFloor: 50 });
  const pool = new PsiServerPool(server, built.serverKey, keys.keysPerImage);
  await pool.evaluate(vouchers[0]?.bytes as Uint8Array, { ...contextOf({ accountId: 'warm', n: 0 }) }); // workers up
  const t0 = performance.now();
  await Promise.all(vouchers.map((v) => pool.evaluate(v.bytes, contextOf(v))));
  pooled.push(vouchers.length / ((performance.now() - t0) / 1000));
  await pool.close();
}
const pooledPerSecond = median(pooled);
console.log(
  `  server, PsiServerPool (${CORES} workers): ${Math.round(pooledPerSecond).toLocaleString()} vouchers/s (median of 5: ${pooled.map(Math.round).join(', ')}); target 5,000/s = ${(pooledPerSecond / 5000).toFixed(2)}×; X25519 limit ${Math.round(limit).toLocaleString()}/s = ${(pooledPerSecond / limit).toFixed(2)}× of it`,
);
out.voucher = {
  bytes: voucherSize,
  bytesL16: size16,
  clientMsMedian: median(clientMs),
  serverPerSecondOneThread: perSecond,
  serverRunsOneThread: oneThread,
  serverCpuMicrosPerVoucher: median(cpuPerVoucher),
  serverPerSecondPool: pooledPerSecond,
  serverRunsPool: pooled,
  loadAverage: loadavg()[0],
};

// ---- 2b. throughput against L -------------------------------------------------------------------
// The server's cost is L X25519 per voucher, so L is the knob between near-duplicate recall and
// vouchers/s. Same pool, same kind of traffic (1 in 10 a 12-bit near-duplicate), L = 4, 8, 10, 12;
// recall from the model at the 1M bank's b (bitsPerKeyFor(1M, L)).
console.log('\nserver throughput against L (PsiServerPool, median of 3 runs; recall modelled for a 1M bank)');
console.log('  L  | voucher B | vouchers/s | × 5,000 | b at 1M | recall d=8 | d=16 | d=31');
const lSweep: Array<Record<string, number>> = [];
for (const L of [4, 8, 10, 12]) {
  const sweepKeys = { ...keys, keysPerImage: L };
  const {
    client: c,
    server: s,
    pool: makePool,
  } = await createPsiThresholdMode({
    keys: sweepKeys,
  }).setupDetailed({ bank: { bankName: 'sweep', entries: bank.entries.slice(0, 2_000) } });
  const sweepVouchers = images.map((pdq, i) => ({
    bytes: c.prepareSync({
      pdq,
      quality: 90,
      context: { accountId: `acct_${i % 20}`, conversationId: 'conv_bench_000001', messageId: `msg_${i}` },
    }),
    accountId: `acct_${i % 20}`,
    n: i,
  }));
  const rates: number[] = [];
  for (let run = 0; run < 3; run++) {
    const pool = makePool();
    const fresh = (v: { accountId: string; n: number }) => ({
      ...contextOf(v),
      accountId: `${v.accountId}_${run}`,
    });
    await pool.evaluate(sweepVouchers[0]?.bytes as Uint8Array, fresh({ accountId: 'warm', n: 0 }));
    const t0 = performance.now();
    await Promise.all(sweepVouchers.slice(1).map((v) => pool.evaluate(v.bytes, fresh(v))));
    rates.push((sweepVouchers.length - 1) / ((performance.now() - t0) / 1000));
    await pool.close();
  }
  const b1M = bitsPerKeyFor(1e6, L);
  const at = (d: number) => modelRecall(d, { ...sweepKeys, bitsPerKey: b1M });
  const row = {
    L,
    voucherBytes: sweepVouchers[0]?.bytes.length ?? 0,
    perSecond: median(rates),
    bitsPerKeyAt1M: b1M,
    recallD8: at(8),
    recallD16: at(16),
    recallD31: at(31),
  };
  lSweep.push(row);
  console.log(
    `  ${String(L).padStart(2)} | ${String(row.voucherBytes).padStart(9)} | ${Math.round(row.perSecond).toLocaleString().padStart(10)} | ${(row.perSecond / 5000).toFixed(2).padStart(7)} | ${String(b1M).padStart(7)} | ${row.recallD8.toFixed(2).padStart(10)} | ${row.recallD16.toFixed(2)} | ${row.recallD31.toFixed(2)}`,
  );
}
out.throughputAgainstL = lSweep;

// ---- 4. recall and false key matches -----------------------------------------------------------
const TRIALS = quick ? 500 : 3_000;
const keySet = (h: PdqHash, p = keys) => new Set(robustKeys(h, p).map((k) => Buffer.from(k).toString('hex')));
// The L = 16 of the previous default, same b: what choosing L = 12 (vouchers < 1 KB) costs.
const keys16 = { ...keys, keysPerImage: 16 };
console.log(
  `\nrecall of the robust keys (share ≥ 1 key; ${TRIALS} random pairs per distance; model in brackets; L = 16 after the slash)`,
);
const recall: Record<number, { empirical: number; model: number; empiricalL16: number; modelL16: number }> =
  {};
const line: string[] = [];
const shares = (a: Set<string>, b: Set<string>) => [...b].some((k) => a.has(k));
for (let d = 0; d <= 31; d++) {
  let hit = 0;
  let hit16 = 0;
  for (let i = 0; i < TRIALS; i++) {
    const a = randomHash(random);
    const b = flipRandomBits(a, d, random);
    if (shares(keySet(a), keySet(b))) hit++;
    if (shares(keySet(a, keys16), keySet(b, keys16))) hit16++;
  }
  recall[d] = {
    empirical: hit / TRIALS,
    model: modelRecall(d, keys),
    empiricalL16: hit16 / TRIALS,
    modelL16: modelRecall(d, keys16),
  };
  line.push(
    `d=${d}: ${(hit / TRIALS).toFixed(3)} [${modelRecall(d, keys).toFixed(3)}] / ${(hit16 / TRIALS).toFixed(3)}`,
  );
}
for (let i = 0; i < line.length; i += 4) console.log(`  ${line.slice(i, i + 4).join('   ')}`);
out.recall = recall;

const QUERIES = quick ? 2_000 : 20_000;
const index = new Set<string>();
for (const e of bank.entries) for (const k of keySet(e.pdq)) index.add(k);
let falseImages = 0;
for (let i = 0; i < QUERIES; i++) {
  for (const k of keySet(randomHash(random)))
    if (index.has(k)) {
      falseImages++;
      break;
    }
}
const rate = falseImages / QUERIES;
const perKey = 1 - (1 - rate) ** (1 / keys.keysPerImage);
// Projection keeps b fixed at this bank's value (a larger bank would get a larger b).
const project = (n: number) => 1 - (1 - Math.min(1, perKey * (n / BUILD_N))) ** keys.keysPerImage;
console.log(`\nfalse key matches (random image opens its outer layer)`);
console.log(
  `  bank ${BUILD_N.toLocaleString()}: ${(rate * 100).toFixed(2)}% of ${QUERIES.toLocaleString()} random images (measured; model ${(100 * (1 - (1 - BUILD_N / 2 ** keys.bitsPerKey) ** keys.keysPerImage)).toFixed(2)}%)`,
);
for (const n of [100_000, 1_000_000])
  console.log(
    `  bank ${n.toLocaleString()}: ~${(Math.min(1, project(n)) * 100).toFixed(1)}% (projected, b = ${keys.bitsPerKey} kept; bitsPerKeyFor would raise it)`,
  );
out.falseKeyMatch = { bank: BUILD_N, rate, projected100k: project(100_000), projected1M: project(1_000_000) };

// ---- the trade-off, from the model (no crypto): b buys selectivity, costs recall ---------------
console.log(
  '\nmodel trade-off, L = 16: recall at d = 10/20/28/31 · share of random images opening vs banks of 10k/100k/1M',
);
const sweep: Record<string, unknown> = {};
for (const bitsPerKey of [16, 20, 22, 24, 28, 31]) {
  const p = { ...keys, bitsPerKey };
  const rec = [10, 20, 28, 31].map((d) => modelRecall(d, p));
  const fal = [1e4, 1e5, 1e6].map((n) => 1 - (1 - Math.min(1, n / 2 ** bitsPerKey)) ** keys.keysPerImage);
  sweep[bitsPerKey] = { recall: rec, falseOpen: fal };
  console.log(
    `  b=${bitsPerKey}: ${rec.map((r) => r.toFixed(3)).join('/')} · ${fal.map((f) => `${(f * 100).toPrecision(2)}%`).join('/')}`,
  );
}
out.modelSweep = sweep;
out.loadAverageAtEnd = loadavg()[0];
console.log(
  `\nload average at end ${loadavg()[0]?.toFixed(1)} (2 cores shared with other jobs: timings are upper bounds)`,
);

const outDir = join(root, 'bench/results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'psi.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log('\nwritten: bench/results/psi.json');
