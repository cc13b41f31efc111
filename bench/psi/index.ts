/**
 * bench/psi: the psi-threshold detection mode (packages/detection/src/psi).
 *
 * 1. Voucher bytes (default L = 16 keys, and L = 12).
 * 2. Client ms per image (median), server vouchers/s (one thread; mostly non-matching vouchers, as
 *    in real traffic, plus some matches), against the 5,000/s target.
 * 3. Blinded-table build time for a bank of 10k entries (measured) and 100k / 1M (measured with
 *    --full, else extrapolated linearly from the measured per-key cost and labelled as such).
 * 4. Recall of the robust keys at distances 0..31 (random bit flips, empirical vs model) and the
 *    false key-match rate of random hashes against banks of 10k (measured) / 100k / 1M (projected).
 * Flags: --quick (smaller samples), --full (really build 100k). Results: bench/results/psi.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bitsPerKeyFor,
  buildPsiBank,
  createPsiThresholdMode,
  DEFAULT_KEY_PARAMETERS,
  modelRecall,
  PsiClient,
  PsiServer,
  robustKeys,
} from '@safelight/detection';
import { flipRandomBits, randomHash, seededRandom } from '@safelight/hashbank';
import type { PdqHash } from '@safelight/pdq';
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

// ---- 3. table build ----------------------------------------------------------------------------
const bank = bankOf(BUILD_N);
let start = performance.now();
const built = buildPsiBank(bank, keys);
const buildMs = performance.now() - start;
const perKeyMs = buildMs / built.distinctKeys;
const tableMiB = built.table.elements.length / 2 ** 20;
console.log('table build');
console.log(
  `  ${BUILD_N.toLocaleString()} entries: ${(buildMs / 1000).toFixed(1)} s (${built.distinctKeys.toLocaleString()} distinct keys, ${(perKeyMs * 1000).toFixed(0)} µs/key), table ${built.table.size.toLocaleString()} slots = ${tableMiB.toFixed(1)} MiB`,
);
const builds: Record<string, unknown> = {
  [BUILD_N]: { seconds: buildMs / 1000, distinctKeys: built.distinctKeys, tableMiB, measured: true },
};
for (const n of [100_000, 1_000_000]) {
  if (full && n === 100_000) {
    start = performance.now();
    const b = buildPsiBank(bankOf(n), keys);
    const s = (performance.now() - start) / 1000;
    builds[n] = {
      seconds: s,
      distinctKeys: b.distinctKeys,
      tableMiB: b.table.elements.length / 2 ** 20,
      measured: true,
    };
    console.log(`  ${n.toLocaleString()} entries: ${s.toFixed(1)} s measured`);
    continue;
  }
  const distinct = (built.distinctKeys / BUILD_N) * n;
  const s = (distinct * perKeyMs) / 1000;
  const mib = (Math.ceil(distinct * 2.2) * 32) / 2 ** 20;
  builds[n] = { seconds: s, distinctKeys: distinct, tableMiB: mib, measured: false };
  console.log(
    `  ${n.toLocaleString()} entries: ~${s.toFixed(0)} s EXTRAPOLATED (${perKeyMs.toFixed(2)} ms/key × ${Math.round(distinct).toLocaleString()} keys, one thread), table ~${mib.toFixed(0)} MiB`,
  );
}
out.tableBuild = builds;

// ---- 1 + 2. vouchers ---------------------------------------------------------------------------
// Same bank and table as above: the two halves exactly as createPsiThresholdMode().setup builds them.
const params = { keys, table: built.table, serverPublic: built.serverPublic, threshold: 10 };
const client = new PsiClient(params, { syntheticRate: 0.05, qualityFloor: 50 });
const server = new PsiServer(built.serverKey, params, built.index, { radius: 31, qualityFloor: 50 });
const IMAGES = quick ? 100 : 400;
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
const { client: client12 } = await createPsiThresholdMode({
  keys: { keysPerImage: 12, bitsPerKey: 16 },
}).setup({
  bank: { bankName: 'small', entries: bank.entries.slice(0, 100) },
});
const size12 = (
  await client12.prepare({
    pdq: randomHash(random),
    quality: 90,
    context: { accountId: 'a', conversationId: 'conv_bench_000001', messageId: 'msg_00000000' },
  })
)?.length;
console.log('\nvouchers');
console.log(`  bytes: ${voucherSize} (L = ${keys.keysPerImage}), ${size12} (L = 12); target < 1,024`);
console.log(`  client: ${median(clientMs).toFixed(1)} ms per image (median of ${IMAGES})`);
start = performance.now();
let verdicts = 0;
for (const v of vouchers) {
  const r = server.evaluateSync(v.bytes, {
    accountId: v.accountId,
    conversationId: 'conv_bench_000001',
    messageId: `msg_${v.n}`,
  });
  verdicts += r?.length ?? 0;
}
const serverSeconds = (performance.now() - start) / 1000;
const perSecond = vouchers.length / serverSeconds;
console.log(
  `  server: ${Math.round(perSecond).toLocaleString()} vouchers/s on one thread (${((serverSeconds / vouchers.length) * 1e6).toFixed(0)} µs each; target 5,000/s; ${verdicts} verdicts)`,
);
out.voucher = {
  bytes: voucherSize,
  bytesL12: size12,
  clientMsMedian: median(clientMs),
  serverPerSecond: perSecond,
};

// ---- 4. recall and false key matches -----------------------------------------------------------
const TRIALS = quick ? 500 : 3_000;
const keySet = (h: PdqHash) => new Set(robustKeys(h, keys).map((k) => Buffer.from(k).toString('hex')));
console.log(
  `\nrecall of the robust keys (share ≥ 1 key; ${TRIALS} random pairs per distance; model in brackets)`,
);
const recall: Record<number, { empirical: number; model: number }> = {};
const line: string[] = [];
for (let d = 0; d <= 31; d++) {
  let hit = 0;
  for (let i = 0; i < TRIALS; i++) {
    const a = randomHash(random);
    const ka = keySet(a);
    for (const k of keySet(flipRandomBits(a, d, random)))
      if (ka.has(k)) {
        hit++;
        break;
      }
  }
  recall[d] = { empirical: hit / TRIALS, model: modelRecall(d, keys) };
  line.push(`d=${d}: ${(hit / TRIALS).toFixed(3)} [${modelRecall(d, keys).toFixed(3)}]`);
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
