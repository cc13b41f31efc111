import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { randomHash, seededRandom } from '@safelight/hashbank';
import { hammingDistance, type PdqHash } from '@safelight/pdq';
import type { BankSnapshot, DetectionContext, ImageSignals } from '../mode.js';
import { detectionModeSuite } from '../test-support/detection.suite.js';
import { bitOf, bucketKey, bucketPositions } from './bits.js';
import { GALOIS_STEPS, HeFuzzyClient } from './client.js';
import { Diagonals } from './diagonals.js';
import { babySteps, giantStepSum } from './distance.js';
import { HeError } from './errors.js';
import { placeEntries, slotUnits } from './layout.js';
import { createHeFuzzyMode, heFuzzyMode } from './mode.js';
import {
  copiesFor,
  HASH_BITS,
  heRuntime,
  loadSeal,
  MAX_CLAIMS,
  parameterFingerprint,
  ROW_SLOTS,
  unitBases,
} from './params.js';
import { HeFuzzyServer } from './server.js';
import { GIANT_STEPS, splitGiantSteps } from './split.js';
import { MAGIC_ANSWER, Writer } from './wire.js';

detectionModeSuite(heFuzzyMode, { timeoutMs: 600_000 });

const context: DetectionContext = { accountId: 'acct_he', conversationId: 'conv_he', messageId: 'msg_he' };
const random = seededRandom(606);
const target = randomHash(random);
const bank: BankSnapshot = {
  bankName: 'HE_TEST',
  entries: [
    ...Array.from({ length: 30 }, (_, i) => ({ id: `noise-${i}`, pdq: randomHash(random) })),
    { id: 'target', pdq: target },
  ],
};

/** `hash` with its first `n` bits flipped (bit positions 0, 1, 2, ...). */
function flipped(hash: PdqHash, n: number): PdqHash {
  const out = Uint32Array.from(hash);
  for (let i = 0; i < n; i++) out[i >>> 5]! ^= 1 << (i & 31);
  return out;
}
const signals = (pdq: PdqHash): ImageSignals => ({ pdq, quality: 100, context });

describe('he-fuzzy protocol', { timeout: 600_000 }, () => {
  let client: HeFuzzyClient;
  let server: HeFuzzyServer;
  let close: () => Promise<void>;

  before(async () => {
    ({ client, server, close } = await createHeFuzzyMode().setupDetailed({ bank }));
  });
  after(async () => close());

  const verdicts = async (pdq: PdqHash) => server.evaluate((await client.prepare(signals(pdq)))!, context);

  it('matches at distance 0 and 31, not at 32 (radius 31 exactly), naming the entry', async () => {
    assert.equal(hammingDistance(target, flipped(target, 31)), 31);
    assert.equal(hammingDistance(target, flipped(target, 32)), 32);
    assert.deepEqual(
      (await verdicts(target))?.map((v) => v.bankEntryId),
      ['target'],
    );
    const at31 = await verdicts(flipped(target, 31));
    assert.deepEqual(
      at31?.map((v) => v.bankEntryId),
      ['target'],
    );
    assert.equal(at31?.[0]?.distance, undefined, 'the distance is never revealed');
    assert.equal(await verdicts(flipped(target, 32)), undefined);
  });

  it('honours a smaller radius', async () => {
    const small = await createHeFuzzyMode().setupDetailed({ bank, radius: 7 });
    try {
      const query = async (pdq: PdqHash) =>
        small.server.evaluate((await small.client.prepare(signals(pdq)))!, context);
      assert.equal((await query(flipped(target, 7)))?.length, 1);
      assert.equal(await query(flipped(target, 8)), undefined);
    } finally {
      await small.close();
    }
  });

  it('never gives the server the secret key: registration and payloads carry public material only', async () => {
    const secret = client.secretKeyBytesForTest();
    const probe = Buffer.from(secret.subarray(secret.length >> 1, (secret.length >> 1) + 32));
    const payload = (await client.prepare(signals(target)))!;
    for (const bytes of [client.registration, payload]) {
      assert.equal(Buffer.from(bytes).indexOf(probe), -1, 'secret key bytes found on the wire');
    }
    // The probe itself is findable: the check above could fail.
    assert.notEqual(Buffer.from(secret).indexOf(probe), -1);
    assert.equal(
      Object.values(server).some((v) => v instanceof HeFuzzyClient),
      false,
    );
  });

  it('shows the client only masked values: no zero, fresh uniform residues for a non-matching query', async () => {
    const far = flipped(target, 128);
    const { t } = await heRuntime();
    const first = await challengeSlots(far);
    const second = await challengeSlots(far);
    assert.equal(first.length, second.length);
    const values = first.flat();
    assert.equal(
      values.some((v) => v === 0),
      false,
      'a non-matching query decrypted to a zero somewhere',
    );
    // Uniform over [1, t): chi-square over 16 equal bins stays under the 0.1% critical value (37.7).
    const bins = new Array(16).fill(0);
    for (const v of values) bins[Math.floor(((v - 1) / (t - 1)) * 16)]++;
    const expected = values.length / 16;
    const chi = bins.reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    assert.ok(chi < 37.7, `slot values are not uniform (chi-square ${chi.toFixed(1)})`);
    // Fresh masks: the same query twice shares (almost) no slot value.
    const same = values.filter((v, i) => v === second.flat()[i]).length;
    assert.ok(same < 5, `${same} slots repeated across two identical queries`);
  });

  it('a match shows the client exactly one zero flag, at a random place', async () => {
    const places = new Set<number>();
    for (let round = 0; round < 3; round++) {
      const slots = (await challengeSlots(flipped(target, 20))).flat();
      const copies = copiesFor(31);
      const zeros: number[] = [];
      for (const base of unitBases(copies)) {
        for (let k = 0; k < copies; k++) if (slots[base + k] === 0) zeros.push(base + k);
      }
      assert.equal(zeros.length, 1);
      places.add(zeros[0]!);
    }
    assert.ok(places.size > 1, 'the matching entry sat in the same slot every time');
  });

  it('answers an empty bank (all-dummy result ciphertext) with no match and no error', async () => {
    const empty = await createHeFuzzyMode().setupDetailed({ bank: { bankName: 'EMPTY', entries: [] } });
    try {
      const payload = (await empty.client.prepare(signals(target)))!;
      assert.equal(await empty.server.evaluate(payload, context), undefined);
    } finally {
      await empty.close();
    }
  });

  it('refuses a forged answer: random tokens under up to MAX_CLAIMS flags earn no verdict, more are refused', async () => {
    const forged = await createHeFuzzyMode().setupDetailed({ bank });
    let claimCount = MAX_CLAIMS;
    try {
      forged.server.connect(forged.client.keyId, async (challenge) => {
        const queryId = challenge.subarray(13, 29);
        const copies = copiesFor(31);
        const claims = unitBases(copies).slice(0, claimCount);
        const writer = new Writer().magic(MAGIC_ANSWER).bytes(queryId).u16(claims.length);
        for (const base of claims)
          writer
            .u16(0)
            .u16(base + copies)
            .u32(12345);
        return writer.finish();
      });
      const payload = (await forged.client.prepare(signals(flipped(target, 128))))!;
      assert.equal(await forged.server.evaluate(payload, context), undefined);
      // Guessing a token succeeds w.p. 1/t per claim: the cap bounds the tries per query.
      claimCount = 64;
      await assert.rejects(
        forged.server.evaluate((await forged.client.prepare(signals(flipped(target, 128))))!, context),
        (err: unknown) =>
          err instanceof HeError && err.code === 'HE_MALFORMED_ANSWER' && /64 claims/.test(err.message),
      );
    } finally {
      await forged.close();
    }
  });

  it('refuses truncated or corrupt ciphertexts with HE_MALFORMED_CIPHERTEXT', async () => {
    const payload = (await client.prepare(signals(target)))!;
    await assert.rejects(
      server.evaluate(payload.subarray(0, payload.length - 1000), context),
      code('HE_MALFORMED_CIPHERTEXT'),
    );
    await assert.rejects(server.evaluate(payload.subarray(0, 20), context), code('HE_MALFORMED_CIPHERTEXT'));
    // Framing intact, ciphertext cut in half: SEAL itself refuses it.
    const header = 4 + 1 + 8 + 16 + 1 + 4;
    const half = (payload.length - header - 4) >> 1;
    const cut = new Writer()
      .bytes(payload.subarray(0, header))
      .blob(payload.subarray(header + 4, header + 4 + half));
    await assert.rejects(server.evaluate(cut.finish(), context), code('HE_MALFORMED_CIPHERTEXT'));
    // The server still works afterwards.
    assert.equal((await verdicts(target))?.length, 1);
  });

  it('refuses payloads under other BFV parameters with HE_WRONG_PARAMETERS', async () => {
    const seal = await loadSeal();
    const parms = seal.EncryptionParameters(seal.SchemeType.bfv);
    parms.setPolyModulusDegree(4096);
    parms.setCoeffModulus(seal.CoeffModulus.BFVDefault(4096, seal.SecurityLevel.tc128));
    parms.setPlainModulus(seal.PlainModulus.Batching(4096, 20));
    const other = seal.Context(parms, true, seal.SecurityLevel.tc128);
    const keygen = seal.KeyGenerator(other);
    const encryptor = seal.Encryptor(other, keygen.createPublicKey());
    const ct = encryptor.encrypt(seal.BatchEncoder(other).encode(new Int32Array(4096))!)!;
    const fingerprint = parameterFingerprint(4096, [...parms.coeffModulus], parms.plainModulus.value);
    const ours = (await client.prepare(signals(target)))!;
    const foreign = new Writer()
      .bytes(ours.subarray(0, 5))
      .bytes(fingerprint)
      .bytes(client.keyId)
      .u8(server.bucketBits)
      .u32(0)
      .blob(ct.saveArray(seal.ComprModeType.zstd))
      .finish();
    await assert.rejects(server.evaluate(foreign, context), code('HE_WRONG_PARAMETERS'));
    // A registration under other parameters is refused the same way.
    const reg = Uint8Array.from(client.registration);
    reg.set(fingerprint, 5);
    assert.throws(() => server.register(reg), code('HE_WRONG_PARAMETERS'));
  });

  it("refuses another mode's payload with HE_WRONG_MODE and unknown keys with HE_UNKNOWN_KEYS", async () => {
    const otherMode = new TextEncoder().encode(JSON.stringify({ mode: 'psi-threshold', vouchers: [] }));
    await assert.rejects(server.evaluate(otherMode, context), code('HE_WRONG_MODE'));
    await assert.rejects(server.evaluate(new Uint8Array(0), context), code('HE_WRONG_MODE'));
    const payload = Uint8Array.from((await client.prepare(signals(target)))!);
    payload[13] = (payload[13] ?? 0) ^ 0xff; // first byte of the key id
    await assert.rejects(server.evaluate(payload, context), code('HE_UNKNOWN_KEYS'));
  });

  it('reveals only bucket-key bits at fixed positions, none below the bucketing threshold', async () => {
    assert.equal(server.bucketBits, 0);
    assert.equal(bucketKey(target, 0), 0);
    const big = await HeFuzzyServer.create(
      {
        bankName: 'BIG',
        entries: Array.from({ length: 20_000 }, (_, i) => ({ id: `${i}`, pdq: randomHash(random) })),
      },
      { maxCiphertexts: 4 },
    );
    assert.equal(big.bucketBits, Math.ceil(Math.log2(20_000 / (4 * big.entriesPerCiphertext))));
    assert.equal(new Set(bucketPositions(big.bucketBits)).size, big.bucketBits);
    await big.close();
  });

  it('start and finish split the round trip: another server with the same bank finishes without keys', async () => {
    // A second server over the same bank that never saw the device's keys (another process).
    const other = await HeFuzzyServer.create(bank, { threads: 0 });
    try {
      const judge = async (pdq: PdqHash) => {
        const started = await server.start((await client.prepare(signals(pdq)))!, context);
        // What is stored between the steps: tokens and entry indexes of the bucket, no key.
        assert.ok(
          started.pending.length < 31 * (2 + 4 + 4 * server.copies) + 200,
          `${started.pending.length}`,
        );
        const answer = await client.answer(started.challenge);
        return { started, answer, verdicts: other.finish(started.pending, answer) };
      };
      const banked = await judge(flipped(target, 20));
      assert.deepEqual(
        banked.verdicts.map((v) => [v.bankEntryId, v.bankName, v.context]),
        [['target', 'HE_TEST', context]],
      );
      assert.deepEqual(
        server.finish(banked.started.pending, banked.answer).map((v) => v.bankEntryId),
        ['target'],
      );
      assert.deepEqual((await judge(randomHash(random))).verdicts, []);
      // A state flipped anywhere, cut short or from a server with another bank is refused.
      const flippedState = banked.started.pending.slice();
      flippedState[6] = (flippedState[6] as number) ^ 1;
      assert.throws(() => other.finish(flippedState, banked.answer), code('HE_MALFORMED_STATE'));
      assert.throws(
        () => other.finish(banked.started.pending.subarray(0, 40), banked.answer),
        code('HE_MALFORMED_STATE'),
      );
      const renamed = await HeFuzzyServer.create({ ...bank, bankName: 'OTHER' }, { threads: 0 });
      try {
        assert.throws(
          () => renamed.finish(banked.started.pending, banked.answer),
          code('HE_MALFORMED_STATE'),
        );
      } finally {
        await renamed.close();
      }
      // The answer to one query does not finish another.
      const second = await server.start((await client.prepare(signals(target)))!, context);
      assert.throws(() => other.finish(second.pending, banked.answer), code('HE_MALFORMED_ANSWER'));
    } finally {
      await other.close();
    }
  });

  async function challengeSlots(pdq: PdqHash): Promise<number[][]> {
    const captured: number[][] = [];
    server.connect(client.keyId, async (challenge) => {
      for (const slots of client.decryptChallenge(challenge).slots) captured.push([...slots]);
      return client.answer(challenge);
    });
    try {
      await server.evaluate((await client.prepare(signals(pdq)))!, context);
    } finally {
      server.connect(client.keyId, (challenge) => client.answer(challenge));
    }
    return captured;
  }
});

function code(expected: string) {
  return (error: unknown) => error instanceof HeError && error.code === expected;
}

describe('he-fuzzy distance on worker threads', { timeout: 600_000 }, () => {
  it('splits the 16 giant steps into contiguous, non-empty ranges covering all of them', () => {
    for (let lanes = 1; lanes <= 20; lanes++) {
      const ranges = splitGiantSteps(lanes);
      assert.equal(ranges.length, Math.min(lanes, GIANT_STEPS));
      assert.equal(ranges[0]![0], 0);
      assert.equal(ranges.at(-1)![1], GIANT_STEPS);
      ranges.forEach(([a, b], i) => {
        assert.ok(a < b);
        if (i > 0) assert.equal(a, ranges[i - 1]![1]);
      });
    }
  });

  it('partial sums of the split add up to the single-range product, which is d − |y| per unit', async () => {
    const rt = await heRuntime();
    const { seal, context, evaluator, encoder } = rt;
    const keygen = seal.KeyGenerator(context);
    const secret = keygen.secretKey();
    const galois = keygen.createGaloisKeys(Int32Array.from(GALOIS_STEPS));
    const publicKey = keygen.createPublicKey();
    const encryptor = seal.Encryptor(context, publicKey, secret);
    const decryptor = seal.Decryptor(context, secret);
    const x = randomHash(random);
    const bits = new Int32Array(rt.slots).map((_, s) => bitOf(x, (s % ROW_SLOTS) % HASH_BITS));
    const query = encryptor.encrypt(encoder.encode(bits)!)!;
    const copies = copiesFor(31);
    const bases = unitBases(copies);
    const entries = bank.entries.map((_, i) => i);
    const words = new Uint32Array(bank.entries.length * 8);
    for (const [i, entry] of bank.entries.entries()) words.set(entry.pdq, i * 8);
    const placement = placeEntries(entries, bases.length, words);
    const slotUnit = slotUnits(bases, copies);
    const baby = babySteps(rt, query, galois);
    const sum = (a: number, b: number, ahead: number) => {
      const diagonals = new Diagonals(rt, slotUnit, placement.unitWords, a, b);
      diagonals.prepare(ahead);
      try {
        return giantStepSum(rt, baby, galois, diagonals);
      } finally {
        diagonals.delete();
      }
    };
    const whole = sum(0, GIANT_STEPS, 0);
    // The second range with some diagonals encoded ahead, as a waiting worker does.
    const split = splitGiantSteps(2).map(([a, b], i) => sum(a, b, i * 20));
    evaluator.add(split[0]!, split[1]!, split[0]!);
    const decrypt = (ct: typeof query) => {
      const plain = decryptor.decrypt(ct)!;
      const values = encoder.decode(plain, false) as Uint32Array;
      plain.delete();
      return values;
    };
    const got = decrypt(whole);
    assert.deepEqual(decrypt(split[0]!), got);
    const weight = (h: PdqHash) => hammingDistance(h, new Uint32Array(8));
    bases.forEach((base, u) => {
      const entry = placement.unitEntry[u]!;
      const expected =
        entry < 0
          ? weight(x)
          : hammingDistance(x, bank.entries[entry]!.pdq) - weight(bank.entries[entry]!.pdq);
      const value = (expected + rt.t) % rt.t;
      for (let s = base; s < base + 2 * copies; s++) assert.equal(got[s], value, `slot ${s}`);
    });
    for (const ct of [...baby, whole, ...split, query]) ct.delete();
    for (const o of [keygen, secret, galois, publicKey, encryptor, decryptor]) o.delete();
  });

  it('gives the same verdicts on worker threads as on one thread: near match, unrelated, radius + 1', async () => {
    const single = await createHeFuzzyMode({ threads: 0 }).setupDetailed({ bank });
    const split = await createHeFuzzyMode({ threads: 2 }).setupDetailed({ bank });
    try {
      assert.equal(single.server.workersForTest().length, 0);
      assert.equal(split.server.workersForTest().length, 2);
      const ask = async (setup: typeof single, pdq: PdqHash) =>
        (await setup.server.evaluate((await setup.client.prepare(signals(pdq)))!, context))?.map(
          (v) => v.bankEntryId,
        );
      const cases: Array<[string, PdqHash, string[] | undefined]> = [
        ['20 bits away', flipped(target, 20), ['target']],
        ['31 bits away (the radius)', flipped(target, 31), ['target']],
        ['unrelated', randomHash(random), undefined],
        ['32 bits away (radius + 1)', flipped(target, 32), undefined],
      ];
      for (const [what, pdq, expected] of cases) {
        assert.deepEqual(await ask(single, pdq), expected, `one thread, ${what}`);
        assert.deepEqual(await ask(split, pdq), expected, `worker threads, ${what}`);
      }
    } finally {
      await single.close();
      await split.close();
    }
  });

  it('refuses malformed payloads with the same codes with and without worker threads', async () => {
    const single = await createHeFuzzyMode({ threads: 0 }).setupDetailed({ bank });
    const split = await createHeFuzzyMode({ threads: 2 }).setupDetailed({ bank });
    try {
      for (const setup of [single, split]) {
        const payload = (await setup.client.prepare(signals(target)))!;
        const header = 4 + 1 + 8 + 16 + 1 + 4;
        const half = (payload.length - header - 4) >> 1;
        const cut = new Writer()
          .bytes(payload.subarray(0, header))
          .blob(payload.subarray(header + 4, header + 4 + half))
          .finish();
        await assert.rejects(
          setup.server.evaluate(payload.subarray(0, payload.length - 1000), context),
          code('HE_MALFORMED_CIPHERTEXT'),
        );
        await assert.rejects(setup.server.evaluate(cut, context), code('HE_MALFORMED_CIPHERTEXT'));
        await assert.rejects(setup.server.evaluate(new Uint8Array(3), context), code('HE_WRONG_MODE'));
      }
    } finally {
      await single.close();
      await split.close();
    }
  });

  it('rejects the pending evaluation with HE_WORKER_FAILED when a worker dies, then respawns it', async () => {
    const setup = await createHeFuzzyMode({ threads: 2 }).setupDetailed({ bank });
    try {
      // Worker 0 computes and shares the baby steps, worker 1 waits for them: either may die.
      for (const victim of [0, 1]) {
        const payload = (await setup.client.prepare(signals(flipped(target, 10))))!;
        // The jobs are posted before evaluate() returns: the worker dies mid-evaluation.
        const refused = assert.rejects(
          setup.server.evaluate(payload, context),
          (error: unknown) =>
            error instanceof HeError && error.code === 'HE_WORKER_FAILED' && /exited/.test(error.message),
        );
        await setup.server.workersForTest()[victim]!.terminate();
        await refused;
        const again = await setup.server.evaluate((await setup.client.prepare(signals(target)))!, context);
        assert.deepEqual(
          again?.map((v) => v.bankEntryId),
          ['target'],
          `after worker ${victim} died`,
        );
      }
    } finally {
      await setup.close();
    }
  });

  it('close() ends the worker threads and later evaluations are refused with HE_CLOSED', async () => {
    const setup = await createHeFuzzyMode({ threads: 2 }).setupDetailed({ bank });
    const workers = setup.server.workersForTest();
    assert.equal(workers.length, 2);
    const exits = workers.map((worker) => once(worker, 'exit'));
    const payload = (await setup.client.prepare(signals(target)))!;
    await setup.close();
    await Promise.all(exits);
    await assert.rejects(setup.server.evaluate(payload, context), code('HE_CLOSED'));
    assert.throws(() => setup.server.register(setup.client.registration), code('HE_CLOSED'));
  });
});
