/**
 * bench/he/noise: the invariant noise budget (bits) of the server's ciphertext after each stage of
 * the he-fuzzy circuit, read with the client's secret key (a bench may; the server never can).
 * `node --conditions=@safelight/source --import tsx bench/he/noise.ts` — what noise flooding
 * would have to fit into (docs/detection-he.md, "Circuit privacy").
 */
import { randomHash, seededRandom } from '@safelight/hashbank';
import type { CipherText } from 'node-seal/implementation/cipher-text.js';
import { createHeFuzzyMode } from '../../packages/detection/src/he/index.js';
import { heRuntime } from '../../packages/detection/src/he/params.js';
import { intercept } from './timing.js';

const rt = await heRuntime();
const random = seededRandom(7);
const entries = Array.from({ length: 400 }, (_, i) => ({ id: `r${i}`, pdq: randomHash(random) }));
// threads 0: every stage runs on this thread, where the calls can be watched.
const setup = await createHeFuzzyMode({ maxCiphertexts: 1, threads: 0 }).setupDetailed({
  bank: { bankName: 'NOISE', entries },
});
const secret = rt.seal.SecretKey();
secret.loadArray(rt.context, setup.client.secretKeyBytesForTest());
const decryptor = rt.seal.Decryptor(rt.context, secret);
const budget = (ct: unknown) => decryptor.invariantNoiseBudget(ct as CipherText);

let stages: Array<[string, number]> = [];
let subtractions = 0;
intercept(
  rt.evaluator,
  ['cipherTransformToNtt', 'subPlain', 'relinearize', 'multiplyPlain', 'addPlain', 'cipherModSwitchTo'],
  (name, args, call) => {
    if (name === 'cipherTransformToNtt' && stages.length === 0) stages.push(['fresh query', budget(args[0])]);
    if (name === 'subPlain' && subtractions++ % 4 === 0) stages.push(['distance', budget(args[0])]);
    const result = call();
    const out = args[2] ?? result;
    if (name === 'relinearize') stages.push(['product', budget(out)]);
    // The mask is the one multiplyPlain that writes into its own input.
    if (name === 'multiplyPlain' && args[2] === args[0]) stages.push(['mask', budget(out)]);
    if (name === 'addPlain') stages.push(['tokens', budget(out)]);
    if (name === 'cipherModSwitchTo') stages.push(['switch to the 32-bit prime (sent)', budget(out)]);
    return result;
  },
);
const context = { accountId: 'noise', conversationId: 'noise', messageId: 'noise' };
for (const [what, pdq] of [
  ['match (distance 0)', entries[5]!.pdq],
  ['no match', randomHash(random)],
] as const) {
  stages = [];
  subtractions = 0;
  await setup.server.evaluateDetailed((await setup.client.prepare({ pdq, quality: 100, context }))!, context);
  console.log(`${what}: ${stages.map(([stage, bits]) => `${stage} ${bits}`).join(' → ')}`);
}
await setup.close();
