import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { flipRandomBits, randomHash, seededRandom } from '@safelight/hashbank';
import type { PdqHash } from '@safelight/pdq';
import type { BankSnapshot, DetectionContext, ImageSignals } from '../mode.js';
import { commitBankSnapshot } from '../snapshot.js';
import { detectionModeSuite } from '../test-support/detection.suite.js';
import { hashToGroup, x25519, x25519Base, x25519PrivateKey } from './crypto.js';
import {
  auditPsiTable,
  bitsPerKeyFor,
  createPsiThresholdMode,
  DEFAULT_KEY_PARAMETERS,
  modelRecall,
  PsiClient,
  PsiError,
  type PsiPublicParameters,
  PsiServer,
  psiThresholdMode,
  robustKeys,
  tableDigest,
  verifyPsiParameters,
  voucherBytes,
} from './index.js';
import { reconstructSecret, ShamirPolynomial } from './shamir.js';
import { paddingElement } from './table.js';

detectionModeSuite(psiThresholdMode);

// ---- a small bank of synthetic hashes; "known" entries stand for ordinary drawings -------------

const random = seededRandom(20260611);
const known: Array<{ id: string; pdq: PdqHash }> = Array.from({ length: 6 }, (_, i) => ({
  id: `known-${i}`,
  pdq: randomHash(random),
}));
const filler = Array.from({ length: 200 }, (_, i) => ({ id: `filler-${i}`, pdq: randomHash(random) }));
const bank: BankSnapshot = { bankName: 'TEST_PSI_BANK', entries: [...known, ...filler] };
/** A near-duplicate 10 bits from a known entry (every one of L=12 keys survives w.p. ≈ 0.52). */
const nearTo = (i: number): PdqHash => flipRandomBits((known[i] as { pdq: PdqHash }).pdq, 10, random);
const unrelated = (): PdqHash => randomHash(random);

const ctx = (accountId: string, n: number): DetectionContext => ({
  accountId,
  conversationId: 'conv_psi_test',
  messageId: `msg_${String(n).padStart(4, '0')}`,
});
const signals = (pdq: PdqHash, context: DetectionContext, quality = 90): ImageSignals => ({
  pdq,
  quality,
  context,
});

const errorCode = (code: string) => (err: unknown) => err instanceof PsiError && err.code === code;

async function setupT3(options: { syntheticRate?: number; random?: () => number } = {}) {
  const factory = createPsiThresholdMode({
    threshold: 3,
    syntheticRate: options.syntheticRate ?? 0,
    ...(options.random ? { random: options.random } : {}),
  });
  const { client, server } = await factory.setupDetailed({ bank });
  assert.ok(client instanceof PsiClient && server instanceof PsiServer);
  return { client, server };
}

describe('psi-threshold: group operations', () => {
  const hex = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array(0)).toString('hex');
  const priv = (h: string) => x25519PrivateKey(Buffer.from(h, 'hex'));
  it('X25519 through libsodium matches the RFC 7748 §6.1 vectors', () => {
    const alice = priv('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bob = priv('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    assert.equal(hex(x25519Base(alice)), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    assert.equal(hex(x25519Base(bob)), 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    assert.equal(hex(x25519(alice, x25519Base(bob))), shared);
    assert.equal(hex(x25519(bob, x25519Base(alice))), shared);
  });
  it('blinding commutes on hashed keys: β·(k·H(y)) = k·(β·H(y)); other keys do not', () => {
    const k = x25519PrivateKey(Buffer.alloc(32, 7));
    const beta = x25519PrivateKey(Buffer.alloc(32, 9));
    const h = hashToGroup(Uint8Array.of(1, 2, 3));
    const table = x25519(k, h) as Uint8Array;
    assert.equal(hex(x25519(beta, table)), hex(x25519(k, x25519(beta, h) as Uint8Array)));
    const other = x25519(k, hashToGroup(Uint8Array.of(1, 2, 4))) as Uint8Array;
    assert.notEqual(hex(x25519(beta, other)), hex(x25519(k, x25519(beta, h) as Uint8Array)));
    assert.equal(x25519(k, new Uint8Array(32)), undefined, 'small-order input is refused');
  });
});

describe('psi-threshold: Shamir over the edwards25519 scalar field', () => {
  it('t shares reconstruct the secret; t-1 shares give an unrelated value', () => {
    const poly = new ShamirPolynomial(3);
    const points = [11n, 22n, 33n, 44n].map((x) => ({ x, y: poly.evaluate(x) }));
    assert.equal(reconstructSecret(points.slice(0, 3)), poly.secret);
    assert.equal(reconstructSecret(points.slice(1, 4)), poly.secret);
    assert.notEqual(reconstructSecret(points.slice(0, 2)), poly.secret);
  });
});

describe('psi-threshold: robust keys', () => {
  it('identical hashes share all keys; a 10-bit near-duplicate shares some; random hashes share none', () => {
    const a = (known[0] as { pdq: PdqHash }).pdq;
    const keysOf = (h: PdqHash) =>
      new Set(robustKeys(h, DEFAULT_KEY_PARAMETERS).map((k) => Buffer.from(k).toString('hex')));
    const ka = keysOf(a);
    assert.equal(ka.size, DEFAULT_KEY_PARAMETERS.keysPerImage);
    assert.deepEqual(keysOf(a), ka);
    const shared = [...keysOf(flipRandomBits(a, 10, random))].filter((k) => ka.has(k)).length;
    assert.ok(shared >= 1 && shared < ka.size, `10-bit neighbour shares ${shared} keys`);
    let collisions = 0;
    for (let i = 0; i < 50; i++) collisions += [...keysOf(unrelated())].filter((k) => ka.has(k)).length;
    assert.ok(collisions <= 1, `${collisions} key collisions with 50 random hashes`);
  });

  it('bitsPerKeyFor sizes b so that L·n·2^-b stays under the target false-open rate', () => {
    assert.equal(bitsPerKeyFor(2002, 16), 22);
    assert.equal(bitsPerKeyFor(100_000, 16), 28);
    assert.equal(bitsPerKeyFor(10, 16), 16, 'never below 16');
    for (const n of [1000, 10_000, 1_000_000]) {
      const b = bitsPerKeyFor(n, 16, 0.02);
      assert.ok((16 * n) / 2 ** b <= 0.02 && (16 * n) / 2 ** (b - 1) > 0.02);
    }
    assert.throws(() => bitsPerKeyFor(10, 16, 0), errorCode('PSI_INVALID_KEY_PARAMETERS'));
  });

  it('model recall falls with distance: exact at 0, lossy near the 31-bit radius', () => {
    assert.equal(modelRecall(0, DEFAULT_KEY_PARAMETERS), 1);
    assert.ok(modelRecall(10, DEFAULT_KEY_PARAMETERS) > 0.999);
    assert.ok(modelRecall(31, DEFAULT_KEY_PARAMETERS) < 0.95);
  });
});

describe('psi-threshold: threshold t = 3', { timeout: 120_000 }, () => {
  let client: PsiClient;
  let server: PsiServer;
  before(async () => {
    ({ client, server } = await setupT3());
  });

  it('two matches: the server stores vouchers but holds no key and no payload; the third decrypts exactly the three matches', async () => {
    const account = 'acct_alice';
    const sent: Array<{ payload: Uint8Array; context: DetectionContext; matching: boolean }> = [];
    const send = async (pdq: PdqHash, matching: boolean) => {
      const context = ctx(account, sent.length);
      const payload = await client.prepare(signals(pdq, context));
      sent.push({ payload, context, matching });
      return server.evaluate(payload, context);
    };
    assert.equal(await send(unrelated(), false), undefined);
    assert.equal(await send(nearTo(0), true), undefined);
    assert.equal(await send(unrelated(), false), undefined);
    assert.equal(await send(nearTo(1), true), undefined);
    assert.equal(await send(unrelated(), false), undefined);

    const before3 = server.inspect(account);
    assert.equal(before3.stored, 5);
    assert.equal(before3.outerOpened, 2, 'only the two near-duplicates opened their outer layer');
    assert.equal(before3.accountKeyReconstructed, false);
    assert.deepEqual(before3.decryptedPayloads, []);
    assert.equal(new Set(before3.voucherSizes).size, 1, 'every stored voucher has the same size');

    const verdicts = await send(nearTo(2), true);
    assert.ok(verdicts);
    assert.deepEqual(verdicts.map((v) => v.bankEntryId).sort(), ['known-0', 'known-1', 'known-2']);
    const matchingIds = sent.filter((s) => s.matching).map((s) => s.context.messageId);
    assert.deepEqual(verdicts.map((v) => v.context.messageId).sort(), matchingIds);
    for (const v of verdicts) {
      assert.equal(v.mode, 'psi-threshold');
      assert.equal(v.context.accountId, account);
      assert.equal(v.bankName, 'TEST_PSI_BANK');
      assert.ok((v.distance ?? 99) <= 10);
    }
    const after3 = server.inspect(account);
    assert.equal(after3.accountKeyReconstructed, true);
    assert.deepEqual(after3.decryptedPayloads.map((p) => p.messageId).sort(), matchingIds);
    assert.equal(after3.keyCollisions, 0);

    // Past t, each further match is revealed as it arrives; non-matches still are not.
    assert.equal(await send(unrelated(), false), undefined);
    const fourth = await send(nearTo(3), true);
    assert.deepEqual(
      fourth?.map((v) => v.bankEntryId),
      ['known-3'],
    );
    assert.equal(server.inspect(account).decryptedPayloads.length, 4);
  });

  it('rejects a replayed voucher (same id) without counting it', async () => {
    const context = ctx('acct_replay', 1);
    const payload = await client.prepare(signals(nearTo(0), context));
    assert.equal(await server.evaluate(payload, context), undefined);
    await assert.rejects(server.evaluate(payload, context), errorCode('PSI_REPLAYED_VOUCHER'));
    await assert.rejects(server.evaluate(payload, ctx('acct_replay', 2)), errorCode('PSI_REPLAYED_VOUCHER'));
    const second = await client.prepare(signals(nearTo(1), ctx('acct_replay', 3)));
    assert.equal(await server.evaluate(second, ctx('acct_replay', 3)), undefined);
    const view = server.inspect('acct_replay');
    assert.equal(view.stored, 2);
    assert.equal(view.accountKeyReconstructed, false);
  });

  it('a voucher from another account opens nothing and cannot complete this account', async () => {
    for (let i = 0; i < 2; i++) {
      const c = ctx('acct_bob', i);
      assert.equal(await server.evaluate(await client.prepare(signals(nearTo(i), c)), c), undefined);
    }
    // Carol's matching voucher, re-filed under Bob's account.
    const carol = await client.prepare(signals(nearTo(2), ctx('acct_carol', 0)));
    assert.equal(await server.evaluate(carol, ctx('acct_bob', 9)), undefined);
    const bob = server.inspect('acct_bob');
    assert.equal(bob.outerOpened, 2, "Carol's voucher did not open under Bob's account");
    assert.equal(bob.accountKeyReconstructed, false);
    // And Carol's own account is not advanced by it either.
    assert.equal(server.inspect('acct_carol').stored, 0);
  });

  it('rejects truncated and garbage vouchers with PSI_MALFORMED_VOUCHER, leaking nothing in the message', async () => {
    const context = ctx('acct_malformed', 0);
    const good = await client.prepare(signals(nearTo(0), context));
    const goodHex = Buffer.from(good).toString('hex');
    const bad = [
      good.subarray(0, good.length - 1),
      good.subarray(0, 40),
      new Uint8Array(0),
      new Uint8Array(good.length).fill(0xff),
      Uint8Array.from({ length: good.length }, (_, i) => (i * 37) & 0xff),
      Uint8Array.from([...good, 0]),
    ];
    for (const payload of bad) {
      await assert.rejects(server.evaluate(payload, context), (err: unknown) => {
        assert.ok(err instanceof PsiError);
        assert.equal(err.code, 'PSI_MALFORMED_VOUCHER');
        assert.match(err.message, /^PSI_MALFORMED_VOUCHER: voucher field \w+ is missing or invalid$/);
        assert.ok(!goodHex.includes(err.message.slice(-8)));
        return true;
      });
    }
    assert.equal(server.inspect('acct_malformed').stored, 0);
  });

  it('vouchers are the same size whatever the image, and < 1 KB with the default L = 12 keys', async () => {
    const sizes = new Set<number>();
    for (const pdq of [nearTo(0), unrelated()])
      sizes.add((await client.prepare(signals(pdq, ctx('acct_size', 1)))).length);
    sizes.add((await client.prepare(signals(nearTo(0), ctx('acct_size', 1), 20))).length); // below the floor
    assert.equal(sizes.size, 1);
    const [size] = [...sizes] as [number];
    assert.equal(DEFAULT_KEY_PARAMETERS.keysPerImage, 12);
    assert.ok(size < 1024, `default voucher is ${size} bytes`);
    const payloadCt = size - voucherBytes(DEFAULT_KEY_PARAMETERS.keysPerImage, 0);
    assert.ok(voucherBytes(16, payloadCt) > 1024, 'L = 16 would not fit: why the default is 12');
  });
});

describe('psi-threshold: PsiServerPool (outer layers opened on worker threads)', { timeout: 120_000 }, () => {
  it('gives the same answers as PsiServer: nothing below t, exactly the matches at t, replays and garbage refused', async () => {
    const factory = createPsiThresholdMode({ threshold: 3, syntheticRate: 0 });
    const { client, pool } = await factory.setupDetailed({ bank });
    const server = pool({ threads: 2, batchSize: 4 });
    try {
      const account = 'acct_pool';
      const images = [nearTo(0), unrelated(), nearTo(1), unrelated(), nearTo(2)];
      const vouchers = images.map((pdq, i) => client.prepareSync(signals(pdq, ctx(account, i))));
      // All in flight at once, as under load: the pool batches them over both workers.
      const results = await Promise.all(vouchers.map((v, i) => server.evaluate(v, ctx(account, i))));
      const verdicts = results.flatMap((r) => r ?? []);
      assert.deepEqual(verdicts.map((v) => v.bankEntryId).sort(), ['known-0', 'known-1', 'known-2']);
      const view = server.inspect(account);
      assert.equal(view.stored, 5);
      assert.equal(view.outerOpened, 3);
      assert.equal(view.accountKeyReconstructed, true);
      await assert.rejects(
        server.evaluate(vouchers[1] as Uint8Array, ctx(account, 1)),
        errorCode('PSI_REPLAYED_VOUCHER'),
      );
      await assert.rejects(
        server.evaluate(new Uint8Array(10), ctx(account, 9)),
        errorCode('PSI_MALFORMED_VOUCHER'),
      );
      assert.equal(server.inspect(account).stored, 5, 'refused vouchers are not stored');
    } finally {
      await server.close();
    }
  });
});

describe('psi-threshold: synthetic vouchers', { timeout: 120_000 }, () => {
  it('open like matches but do not count toward t nor break reconstruction', async () => {
    // Scripted coin: < 0.5 makes the voucher synthetic.
    const coins = [0.1, 0.9, 0.1, 0.9, 0.1, 0.9, 0.9];
    const { client, server } = await setupT3({ syntheticRate: 0.5, random: () => coins.shift() ?? 0.9 });
    const account = 'acct_dave';
    const images = [unrelated(), nearTo(0), unrelated(), nearTo(1), nearTo(4), unrelated(), nearTo(2)];
    const results = [];
    for (const [i, pdq] of images.entries()) {
      const context = ctx(account, i);
      results.push(await server.evaluate(await client.prepare(signals(pdq, context)), context));
    }
    // Synthetic: images 0, 2, 4 (image 4 was a match, replaced by a synthetic voucher, as in Apple's design).
    const view4 = server.inspect(account);
    assert.deepEqual(
      results.slice(0, 6),
      Array(6).fill(undefined),
      'two real matches + three synthetic: nothing',
    );
    const verdicts = results[6];
    assert.deepEqual(verdicts?.map((v) => v.bankEntryId).sort(), ['known-0', 'known-1', 'known-2']);
    assert.equal(view4.outerOpened, 6, 'three synthetic and three real vouchers opened their outer layer');
    assert.equal(view4.decryptedPayloads.length, 3);
    assert.equal(new Set(view4.voucherSizes).size, 1);
  });
});

describe('psi-threshold: the publication ties the table to the bank commitment', { timeout: 120_000 }, () => {
  const factory = createPsiThresholdMode({ threshold: 3, syntheticRate: 0 });
  let setup: Awaited<ReturnType<typeof factory.setupDetailed>>;
  let params: PsiPublicParameters;
  before(async () => {
    setup = await factory.setupDetailed({ bank });
    params = setup.params;
  });

  it('publishes the bank commitment, the parameters and the digest of exactly the table devices use', async () => {
    const { publication } = setup;
    assert.deepEqual(publication.bankCommitment, await commitBankSnapshot(bank.entries));
    assert.equal(publication.table.sha256, tableDigest(params.table));
    assert.equal(publication.table.size, params.table.size);
    verifyPsiParameters(params, publication); // the device's check passes on what was published
  });

  it('a device refuses a table or parameters that differ from the publication, naming the field', () => {
    const elements = params.table.elements.slice();
    elements[elements.length - 1] = (elements[elements.length - 1] as number) ^ 1;
    const cases: Array<[PsiPublicParameters, string]> = [
      [{ ...params, table: { ...params.table, elements } }, 'table.sha256'],
      [{ ...params, threshold: 2 }, 'threshold'],
      [{ ...params, serverPublic: x25519Base(x25519PrivateKey(new Uint8Array(32).fill(3))) }, 'serverPublic'],
      [{ ...params, keys: { ...params.keys, bitsPerKey: params.keys.bitsPerKey + 1 } }, 'keys'],
      [{ ...params, table: { ...params.table, elements: elements.subarray(32) } }, 'table.elements'],
    ];
    for (const [altered, field] of cases) {
      assert.throws(
        () => verifyPsiParameters(altered, setup.publication),
        (err: unknown) =>
          err instanceof PsiError &&
          err.code === 'PSI_PUBLICATION_MISMATCH' &&
          err.message.includes(` ${field}`),
        field,
      );
    }
  });

  it('an auditor with the bank and the server key reproduces the published digest', async () => {
    await auditPsiTable(bank, setup.serverKey, setup.publication, { threads: 1 });
  });

  it('the audit fails for a table holding a hash outside the committed bank, and for another bank', async () => {
    const extra = { id: 'not-in-the-bank', pdq: randomHash(random) };
    // A server that quietly added one hash: same seed, same key, published with the real commitment.
    const bigger = await createPsiThresholdMode({
      threshold: 3,
      syntheticRate: 0,
      keys: { bitsPerKey: params.keys.bitsPerKey },
    }).setupDetailed({ bank: { ...bank, entries: [...bank.entries, extra] } });
    const forged = { ...bigger.publication, bankCommitment: setup.publication.bankCommitment };
    await assert.rejects(
      auditPsiTable(bank, bigger.serverKey, forged, { threads: 1 }),
      (err: unknown) => err instanceof PsiError && err.code === 'PSI_PUBLICATION_MISMATCH',
    );
    // The auditor's bank is not the committed one.
    await assert.rejects(
      auditPsiTable({ entries: bank.entries.slice(1) }, setup.serverKey, setup.publication, { threads: 1 }),
      (err: unknown) => err instanceof PsiError && err.message.includes('bankCommitment'),
    );
  });

  it('every slot without a bank key holds the server-key PRF padding for its position, and no two slots repeat', () => {
    // (A "valid point" check would prove nothing: X25519 accepts any u but small-order ones.)
    const distinctKeys = new Set(
      bank.entries.flatMap((e) => robustKeys(e.pdq, params.keys).map((k) => Buffer.from(k).toString('hex'))),
    ).size;
    const seen = new Set<string>();
    let padding = 0;
    for (let p = 0; p < params.table.size; p++) {
      const element = params.table.elements.subarray(p * 32, (p + 1) * 32);
      if (Buffer.compare(element, paddingElement(setup.serverKey, params.table.seed, p)) === 0) padding++;
      seen.add(Buffer.from(element).toString('hex'));
    }
    assert.equal(padding, params.table.size - distinctKeys, 'padding fills exactly the slots no key took');
    assert.equal(seen.size, params.table.size, 'no two slots hold the same element');
  });
});
