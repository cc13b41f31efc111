/**
 * bench/he: the he-fuzzy detection mode (BFV, node-seal 6.0.3) end to end per image, at banks of
 * 10k, 100k and (with --full) 1M random PDQ hashes with one planted "known" entry.
 *
 * Per image, as medians over --rounds queries (one match 20 bits away, avoiding bucket bits, the
 * rest random): client encrypt, server homomorphic work, client decrypt + answer, end to end; bytes
 * on the wire each way, and the one-time key registration. CPU time (user+sys of this process)
 * beside wall time, since shared 2-core machines are noisy (CPU time counts every thread of the
 * process, the server's worker threads included), and the 1-minute load average before each bank
 * size. `--cts N` sets maxCiphertexts (how many 512-entry result ciphertexts a bucket aims at;
 * fewer = faster but more bucket bits leak); `--threads N` the server's worker threads (default
 * os.availableParallelism(); 0 = the distance on the server's own thread).
 * Results: bench/results/he.{json,md} (default maxCiphertexts), he-cts1.{json,md} for --cts 1, etc.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { randomHash, seededRandom } from '@safelight/hashbank';
import type { PdqHash } from '@safelight/pdq';
import { bucketPositions } from '../../packages/detection/src/he/bits.js';
import { createHeFuzzyMode, POLY_MODULUS_DEGREE } from '../../packages/detection/src/he/index.js';
import type { DetectionContext } from '../../packages/detection/src/mode.js';
import { describeMachine, median } from '../machine.js';

const args = process.argv.slice(2);
const full = args.includes('--full');
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const ROUNDS = option('--rounds', 3);
const DEFAULT_CTS = 4;
const CTS = option('--cts', DEFAULT_CTS);
const THREADS = option('--threads', availableParallelism());
const SIZES = full ? [10_000, 100_000, 1_000_000] : [10_000, 100_000];
const root = fileURLToPath(new URL('../..', import.meta.url));
const context: DetectionContext = { accountId: 'bench', conversationId: 'bench', messageId: 'bench' };

interface Row {
  bank: number;
  /** 1-minute load average just before this bank size was measured. */
  loadBefore: number;
  bucketBits: number;
  candidatesMedian: number;
  ciphertexts: number;
  encryptMs: number;
  serverMs: number;
  answerMs: number;
  endToEndMs: number;
  cpuMsPerImage: number;
  queryBytes: number;
  challengeBytes: number;
  answerBytes: number;
  wireBytesPerImage: number;
  registrationBytes: number;
  recallAt31: number;
  matched: boolean;
}

/** P(a hash 31 bits away keeps all k bucket bits): hypergeometric, C(256-k, 31) / C(256, 31). */
function recallAt(distance: number, k: number): number {
  let p = 1;
  for (let i = 0; i < k; i++) p *= (256 - distance - i) / (256 - i);
  return p;
}

function flipAvoiding(hash: PdqHash, n: number, avoid: Set<number>): PdqHash {
  const out = Uint32Array.from(hash);
  let flippedCount = 0;
  for (let i = 0; flippedCount < n; i++) {
    if (avoid.has(i)) continue;
    out[i >>> 5]! ^= 1 << (i & 31);
    flippedCount++;
  }
  return out;
}

const rows: Row[] = [];
console.log(
  `he-fuzzy bench on ${describeMachine()}; N=${POLY_MODULUS_DEGREE}, maxCiphertexts=${CTS}, threads=${THREADS}`,
);
for (const size of SIZES) {
  const random = seededRandom(size);
  const entries = Array.from({ length: size }, (_, i) => ({ id: `r${i}`, pdq: randomHash(random) }));
  const known = randomHash(random);
  entries.push({ id: 'known', pdq: known });
  const mode = createHeFuzzyMode({ maxCiphertexts: CTS, threads: THREADS });
  const setup = await mode.setupDetailed({ bank: { bankName: 'BENCH', entries } });
  const { client, server } = setup;
  let answerMs = 0;
  server.connect(client.keyId, async (challenge) => {
    const t0 = performance.now();
    const answer = await client.answer(challenge);
    answerMs = performance.now() - t0;
    return answer;
  });
  const avoid = new Set(bucketPositions(server.bucketBits));
  const samples: Array<
    Omit<Row, 'bank' | 'loadBefore' | 'bucketBits' | 'registrationBytes' | 'recallAt31' | 'ciphertexts'>
  > = [];
  let matched = false;
  let ciphertexts = 0;
  const loadBefore = loadavg()[0]!;
  for (let round = 0; round < ROUNDS + 1; round++) {
    const pdq = round === 1 ? flipAvoiding(known, 20, avoid) : randomHash(random);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const payload = (await client.prepare({ pdq, quality: 100, context }))!;
    const encryptMs = performance.now() - t0;
    const { verdicts, exchange } = await server.evaluateDetailed(payload, context);
    const endToEndMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (round === 1) matched = verdicts.some((v) => v.bankEntryId === 'known');
    ciphertexts = exchange.ciphertexts;
    if (round === 0) continue; // warm-up
    samples.push({
      candidatesMedian: exchange.candidates,
      encryptMs,
      serverMs: exchange.serverMs,
      answerMs,
      endToEndMs,
      cpuMsPerImage: (cpu.user + cpu.system) / 1000,
      queryBytes: exchange.queryBytes,
      challengeBytes: exchange.challengeBytes,
      answerBytes: exchange.answerBytes,
      wireBytesPerImage: exchange.queryBytes + exchange.challengeBytes + exchange.answerBytes,
      matched: false,
    });
  }
  const med = (key: keyof (typeof samples)[number]) => median(samples.map((s) => Number(s[key])));
  const row: Row = {
    bank: size + 1,
    loadBefore,
    bucketBits: server.bucketBits,
    candidatesMedian: med('candidatesMedian'),
    ciphertexts,
    encryptMs: med('encryptMs'),
    serverMs: med('serverMs'),
    answerMs: med('answerMs'),
    endToEndMs: med('endToEndMs'),
    cpuMsPerImage: med('cpuMsPerImage'),
    queryBytes: med('queryBytes'),
    challengeBytes: med('challengeBytes'),
    answerBytes: med('answerBytes'),
    wireBytesPerImage: med('wireBytesPerImage'),
    registrationBytes: setup.registrationBytes,
    recallAt31: recallAt(31, server.bucketBits),
    matched,
  };
  rows.push(row);
  console.log(JSON.stringify(row));
  await setup.close();
}

const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
const md = [
  `# bench/he — he-fuzzy per image`,
  '',
  `Machine: ${describeMachine()}. BFV N=${POLY_MODULUS_DEGREE}, maxCiphertexts=${CTS}, server worker threads ${THREADS}, ${ROUNDS} rounds (median).`,
  '',
  '| bank | load before | bucket bits | candidates | result cts | encrypt ms | server ms | answer ms | end to end ms | CPU ms | query | challenge | answer | wire/image | keys (once) | recall@31 | match found |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :-: |',
  ...rows.map(
    (r) =>
      `| ${r.bank} | ${r.loadBefore.toFixed(1)} | ${r.bucketBits} | ${r.candidatesMedian} | ${r.ciphertexts} | ${r.encryptMs.toFixed(0)} | ${r.serverMs.toFixed(0)} | ${r.answerMs.toFixed(0)} | ${r.endToEndMs.toFixed(0)} | ${r.cpuMsPerImage.toFixed(0)} | ${kb(r.queryBytes)} | ${kb(r.challengeBytes)} | ${r.answerBytes} B | ${kb(r.wireBytesPerImage)} | ${kb(r.registrationBytes)} | ${r.recallAt31.toFixed(2)} | ${r.matched ? 'yes' : 'NO'} |`,
  ),
  '',
];
const name = CTS === DEFAULT_CTS ? 'he' : `he-cts${CTS}`;
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(
  `${root}bench/results/${name}.json`,
  `${JSON.stringify({ machine: describeMachine(), maxCiphertexts: CTS, threads: THREADS, rounds: ROUNDS, rows }, null, 2)}\n`,
);
writeFileSync(`${root}bench/results/${name}.md`, md.join('\n'));
console.log(md.join('\n'));
