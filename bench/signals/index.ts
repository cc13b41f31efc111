/**
 * bench/signals: precision and recall of the metadata risk engine (@safelight/safety signals) on
 * a generated population of 100k accounts with planted risky accounts, at three thresholds, and
 * the time to score the population. Results: bench/results/signals.json and signals.md.
 *
 * Generative model (seeded, deterministic; every rate is per account, over the last 90 days):
 * - 70% adults, 30% teens (13-17). Account age uniform 0-1500 days.
 * - Ordinary adults: requests to minors ~ Poisson(0.2) (relatives), 80% accepted, age gap 20-40;
 *   blocks by minors ~ Poisson(0.02), reports ~ Poisson(0.005); new conversations per day
 *   ~ Poisson(1), with minors ~ Poisson(0.05); 3% are "busy" (coaches, youth workers, group
 *   admins): requests to minors ~ Poisson(12), 75% accepted, new conversations ~ Poisson(14)/day,
 *   with minors ~ Poisson(2.5)/day, blocks ~ Poisson(0.3).
 * - Teens: requests to minors ~ Poisson(4), 80% accepted, gap 0-2 (not scored for teens).
 * - Hash hits on profile photos: 0.02% of ordinary accounts (a false match or a re-shared
 *   benign image in the bank), 5% of risky ones.
 * - Planted risky adults, 0.5% of the population: 60% "overt" (requests ~ Poisson(25), 15%
 *   accepted, gap 10-35, blocks ~ Poisson(2), reports ~ Poisson(0.8), 70% under 30 days old,
 *   bursts ~ Poisson(15)/day, of which with minors ~ Poisson(8)/day) and 40% "careful" (requests
 *   ~ Poisson(6), 45% accepted, gap 8-30, blocks ~ Poisson(0.5), reports ~ Poisson(0.2), older
 *   accounts, no bursts: conversations with minors ~ Poisson(1)/day). Teens: conversations with
 *   minors ~ Poisson(1)/day (not scored for teens).
 * Event times are uniform over the window. Ground truth is the planted label.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type AccountActivity, DEFAULT_THRESHOLDS, scoreActivity } from '@safelight/safety';
import { describeMachine, median } from '../machine.js';

const N = Number(process.argv.find((a) => a.startsWith('--n='))?.slice(4) ?? 100_000);
const RISKY_SHARE = 0.005;
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 15);
const WINDOW = 90 * DAY;

// mulberry32: small, seeded, good enough for a synthetic population.
let seed = 0x5afe1;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const poisson = (lambda: number) => {
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gauss()));
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rand();
  } while (p > l);
  return k - 1;
};
const gauss = () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
const uniform = (a: number, b: number) => a + (b - a) * rand();
const times = (n: number, span = WINDOW) => Array.from({ length: n }, () => NOW - rand() * span);

interface Profile {
  requests: number;
  accept: number;
  gap: [number, number];
  blocks: number;
  reports: number;
  ageDays: () => number;
  convPerDay: number;
  /** New conversations started with minors in the last 24 h (Poisson mean). */
  minorConvPerDay: number;
  hashHit: number;
}
const ordinaryAdult: Profile = {
  requests: 0.2,
  accept: 0.8,
  gap: [20, 40],
  blocks: 0.02,
  reports: 0.005,
  ageDays: () => uniform(0, 1500),
  convPerDay: 1,
  minorConvPerDay: 0.05,
  hashHit: 0.0002,
};
const busyAdult: Profile = {
  requests: 12,
  accept: 0.75,
  gap: [10, 40],
  blocks: 0.3,
  reports: 0.02,
  ageDays: () => uniform(0, 1500),
  convPerDay: 14,
  minorConvPerDay: 2.5,
  hashHit: 0.0002,
};
const teen: Profile = {
  requests: 4,
  accept: 0.8,
  gap: [0, 2],
  blocks: 0.05,
  reports: 0.01,
  ageDays: () => uniform(0, 1500),
  convPerDay: 2,
  minorConvPerDay: 1,
  hashHit: 0.0002,
};
const overt: Profile = {
  requests: 25,
  accept: 0.15,
  gap: [10, 35],
  blocks: 2,
  reports: 0.8,
  ageDays: () => (rand() < 0.7 ? uniform(0, 30) : uniform(30, 1500)),
  convPerDay: 15,
  minorConvPerDay: 8,
  hashHit: 0.05,
};
const careful: Profile = {
  requests: 6,
  accept: 0.45,
  gap: [8, 30],
  blocks: 0.5,
  reports: 0.2,
  ageDays: () => uniform(60, 1500),
  convPerDay: 2,
  minorConvPerDay: 1,
  hashHit: 0.05,
};

function make(i: number, p: Profile, band: AccountActivity['band']): AccountActivity {
  const nRequests = poisson(p.requests);
  // Requests cluster in the last week for active profiles (fan-out is what the window measures).
  const requestsToMinors = Array.from({ length: nRequests }, () => ({
    at: NOW - rand() * 7 * DAY,
    accepted: rand() < 0.1 ? null : rand() < p.accept,
  }));
  return {
    accountId: `acct_${i}`,
    band,
    createdAt: NOW - p.ageDays() * DAY,
    blocksFromMinors: times(poisson(p.blocks)),
    reportsFromMinors: times(poisson(p.reports)),
    requestsToMinors,
    firstContactAgeGaps: requestsToMinors.filter((r) => r.accepted).map(() => uniform(p.gap[0], p.gap[1])),
    conversationsStarted: times(poisson(p.convPerDay), DAY),
    conversationsWithMinors: times(poisson(p.minorConvPerDay), DAY),
    hashHits: rand() < p.hashHit ? [NOW - rand() * WINDOW] : [],
  };
}

const population: AccountActivity[] = [];
const risky: boolean[] = [];
for (let i = 0; i < N; i++) {
  const r = rand();
  if (r < RISKY_SHARE) {
    population.push(make(i, rand() < 0.6 ? overt : careful, 'adult'));
    risky.push(true);
  } else if (r < 0.7) {
    population.push(make(i, rand() < 0.03 ? busyAdult : ordinaryAdult, 'adult'));
    risky.push(false);
  } else {
    population.push(make(i, teen, rand() < 0.5 ? 'teen13to15' : 'teen16to17'));
    risky.push(false);
  }
}

const rounds = 5;
const ms: number[] = [];
let scores: number[] = [];
for (let round = 0; round < rounds; round++) {
  const start = performance.now();
  scores = population.map((a) => scoreActivity(a, NOW).score);
  ms.push(performance.now() - start);
}
const positives = risky.filter(Boolean).length;
const rows = (['friction', 'restriction', 'review'] as const).map((action) => {
  const threshold = DEFAULT_THRESHOLDS[action];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < N; i++)
    if ((scores[i] as number) >= threshold) {
      if (risky[i]) tp++;
      else fp++;
    }
  return {
    action,
    threshold,
    flagged: tp + fp,
    truePositives: tp,
    falsePositives: fp,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp / positives,
    falsePositiveRate: fp / (N - positives),
  };
});
const perAccountUs = (median(ms) * 1000) / N;
const machine = describeMachine();
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const lines = [
  `# bench/signals: risk engine on ${N.toLocaleString('en')} generated accounts (${positives} planted risky)`,
  '',
  `Machine: ${machine}`,
  '',
  '| action | threshold | flagged | precision | recall | false-positive rate |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${r.action} | ${r.threshold} | ${r.flagged} | ${pct(r.precision)} | ${pct(r.recall)} | ${(100 * r.falsePositiveRate).toFixed(3)}% |`,
  ),
  '',
  `Time to score all ${N.toLocaleString('en')} accounts: median ${median(ms).toFixed(0)} ms over ${rounds} rounds (${perAccountUs.toFixed(2)} µs per account, one core).`,
];
console.log(lines.join('\n'));
const out = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(out, { recursive: true });
writeFileSync(`${out}signals.md`, `${lines.join('\n')}\n`);
writeFileSync(
  `${out}signals.json`,
  `${JSON.stringify({ machine, n: N, positives, rows, scoreMs: ms, medianScoreMs: median(ms) }, null, 2)}\n`,
);
