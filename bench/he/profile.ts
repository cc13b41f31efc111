/**
 * bench/he/profile: where the he-fuzzy server's time goes, per SEAL call on the server's thread.
 * `node --conditions=@safelight/source --import tsx bench/he/profile.ts [bank size] [threads] [cts]`
 * (default 1,000,000 random hashes, 0 threads = the whole circuit on this thread, maxCiphertexts 1).
 * With threads > 0 only the zero tests run here; the table then shows what is left on this thread.
 * "JS and the rest" is the server time SEAL calls do not account for (diagonal layout, placement,
 * randomness, framing, loading the query, zstd saving).
 */
import { randomHash, seededRandom } from '@safelight/hashbank';
import { createHeFuzzyMode } from '../../packages/detection/src/he/index.js';
import { heRuntime } from '../../packages/detection/src/he/params.js';
import { describeMachine } from '../machine.js';
import { intercept, Stopwatch } from './timing.js';

const [size = 1_000_000, threads = 0, cts = 1] = process.argv.slice(2).map(Number);
const ROUNDS = 4;
const rt = await heRuntime();
const watch = new Stopwatch();
const evaluatorCalls = [
  'rotateRows',
  'cipherTransformToNtt',
  'cipherTransformFromNtt',
  'plainTransformToNtt',
  'multiplyPlain',
  'add',
  'subPlain',
  'multiply',
  'relinearize',
  'addPlain',
  'cipherModSwitchTo',
];
let inServer = false;
const timed = (name: string, _args: unknown[], call: () => unknown) =>
  inServer ? watch.time(name, call) : call();
intercept(rt.evaluator, evaluatorCalls, timed);
intercept(rt.encoder, ['encode'], timed);

const random = seededRandom(size);
const entries = Array.from({ length: size }, (_, i) => ({ id: `r${i}`, pdq: randomHash(random) }));
const setup = await createHeFuzzyMode({ maxCiphertexts: cts, threads }).setupDetailed({
  bank: { bankName: 'PROFILE', entries },
});
setup.server.connect(setup.client.keyId, async (challenge) => {
  inServer = false;
  try {
    return await setup.client.answer(challenge);
  } finally {
    inServer = true;
  }
});
const context = { accountId: 'profile', conversationId: 'profile', messageId: 'profile' };
console.log(
  `he-fuzzy profile on ${describeMachine()}: bank ${size}, threads ${threads}, maxCiphertexts ${cts}`,
);
let serverMs = 0;
let cpuMs = 0;
for (let round = 0; round <= ROUNDS; round++) {
  const payload = (await setup.client.prepare({ pdq: randomHash(random), quality: 100, context }))!;
  if (round === 1) watch.totals.clear(); // round 0 warms up
  const cpu0 = process.cpuUsage();
  inServer = true;
  const { exchange } = await setup.server.evaluateDetailed(payload, context);
  inServer = false;
  const cpu = process.cpuUsage(cpu0);
  const roundCpu = (cpu.user + cpu.system) / 1000;
  console.log(
    `round ${round}: server ${exchange.serverMs.toFixed(0)} ms, process CPU ${roundCpu.toFixed(0)} ms`,
  );
  if (round === 0) continue;
  serverMs += exchange.serverMs;
  cpuMs += roundCpu;
}
let sealMs = 0;
const lines: string[] = [];
for (const [name, { ms, calls }] of [...watch.totals].sort((a, b) => b[1].ms - a[1].ms)) {
  sealMs += ms;
  lines.push(
    `| ${name} | ${(calls / ROUNDS).toFixed(0)} | ${(ms / calls).toFixed(3)} | ${(ms / ROUNDS).toFixed(1)} | ${((100 * ms) / serverMs).toFixed(0)} % |`,
  );
}
const rest = serverMs - sealMs;
console.log(
  [
    '',
    `Server ${(serverMs / ROUNDS).toFixed(0)} ms wall, ${(cpuMs / ROUNDS).toFixed(0)} ms process CPU per query (mean of ${ROUNDS}).`,
    '',
    '| call (server thread) | calls/query | ms/call | ms/query | share |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...lines,
    `| JS and the rest | | | ${(rest / ROUNDS).toFixed(1)} | ${((100 * rest) / serverMs).toFixed(0)} % |`,
  ].join('\n'),
);
await setup.close();
