import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hammingDistance, PDQ_HASH_WORDS, type PdqHash } from '@safelight/pdq';
import { HashbankError } from '../bank/errors.js';
import { PdqIndex, type PdqMatch, type QueryStrategy } from './pdq-index.js';
import { planQuery } from './probe-plan.js';
import { flipBits, flipRandomBits, randomHash, randomHashWords, seededRandom } from './random-hashes.js';
import { layoutForSize, layoutWithBits } from './segment-layout.js';

type Bank = Map<number, PdqHash>;

function bruteForce(bank: Bank, query: PdqHash, radius: number): PdqMatch[] {
  const matches: PdqMatch[] = [];
  for (const [id, hash] of bank) {
    const distance = hammingDistance(hash, query);
    if (distance <= radius) matches.push({ id, distance });
  }
  return matches.sort((a, b) => a.distance - b.distance || a.id - b.id);
}

function hashAt(words: Uint32Array, i: number): PdqHash {
  return words.slice(i * PDQ_HASH_WORDS, (i + 1) * PDQ_HASH_WORDS);
}

const STRATEGIES: QueryStrategy[] = ['auto', 'mih', 'linear'];

/** Asserts every strategy returns exactly the brute-force matches. */
function assertRecall(index: PdqIndex, bank: Bank, query: PdqHash, radius: number, label: string): void {
  const expected = bruteForce(bank, query, radius);
  for (const strategy of STRATEGIES) {
    assert.deepEqual(
      index.query(query, radius, strategy),
      expected,
      `${label}, radius ${radius}, ${strategy}`,
    );
  }
}

/** A bank of random hashes plus near-duplicates of a few queries at every distance 0..40. */
function plantedBank(seed: number, randomCount: number) {
  const random = seededRandom(seed);
  const words = randomHashWords(randomCount, random);
  const bank: Bank = new Map();
  for (let i = 0; i < randomCount; i++) bank.set(i, hashAt(words, i));
  const queries: PdqHash[] = [];
  let id = randomCount;
  for (let q = 0; q < 6; q++) {
    const query = randomHash(random);
    queries.push(query);
    for (let distance = 0; distance <= 40; distance++)
      bank.set(id++, flipRandomBits(query, distance, random));
  }
  return { bank, queries, random };
}

function buildFrom(bank: Bank, segmentBits?: number): PdqIndex {
  const ids = [...bank.keys()];
  const words = new Uint32Array(ids.length * PDQ_HASH_WORDS);
  for (const [i, id] of ids.entries()) words.set(bank.get(id) as PdqHash, i * PDQ_HASH_WORDS);
  return PdqIndex.fromHashes(ids, words, segmentBits === undefined ? {} : { segmentBits });
}

describe('PdqIndex recall equals brute force', () => {
  const { bank, queries, random } = plantedBank(1, 6000);

  for (const segmentBits of [16, 19, 22]) {
    it(`random bank with planted near-duplicates, ${segmentBits}-bit segments`, () => {
      const index = buildFrom(bank, segmentBits);
      const probes = [
        ...queries,
        randomHash(random),
        flipRandomBits(hashAt(randomHashWords(1, random), 0), 5, random),
      ];
      for (const radius of [0, 1, 15, 16, 30, 31, 32, 47, 48, 64, 100]) {
        for (const query of probes) assertRecall(index, bank, query, radius, `${segmentBits}-bit`);
      }
      const found = index.query(queries[0] as PdqHash);
      assert.deepEqual(
        found.map((m) => m.distance),
        Array.from({ length: 32 }, (_, d) => d),
      );
    });
  }

  it('hashes exactly at the pigeonhole limit: radius 31 in, 32 out, whatever segment carries the slack', () => {
    for (const segmentBits of [16, 19, 22]) {
      const filler = randomHashWords(3000, random);
      const index = PdqIndex.fromHashes(
        Array.from({ length: 3000 }, (_, i) => i),
        filler,
        { segmentBits },
      );
      const bank: Bank = new Map(Array.from({ length: 3000 }, (_, i) => [i, hashAt(filler, i)]));
      const query = randomHash(random);
      const plan = index.probePlan(31, 'mih');
      const radii = plan.kind === 'mih' ? plan.radii : new Int8Array(0);
      const layout = layoutWithBits(segmentBits);
      // A hash that differs by r_i + 1 bits in every probed segment is just out of reach of every
      // bucket probe: at sum(r_i + 1) = 32 bits it must be missed; with one bit fewer in segment j it
      // is at 31 bits and segment j alone must find it.
      const spread = (slack: number) => {
        const bits: number[] = [];
        layout.widths.forEach((width, s) => {
          const flips = (radii[s] as number) + 1 - (s === slack ? 1 : 0);
          for (let k = 0; k < flips; k++) bits.push((layout.starts[s] as number) + ((k * 7 + s) % width));
        });
        return flipBits(query, bits);
      };
      let id = 10_000;
      const add = (hash: PdqHash) => {
        index.add(id, hash);
        bank.set(id++, hash);
      };
      for (let copy = 0; copy < 3; copy++) add(spread(-1));
      layout.widths.forEach((_, s) => {
        if ((radii[s] as number) >= 0) add(spread(s));
      });
      for (let k = 0; k < 200; k++) add(flipRandomBits(query, 31 + (k % 2), random));
      const at31 = bruteForce(bank, query, 31);
      assert.ok(at31.length >= 100, 'the adversarial hashes are in the bank');
      assert.ok(bruteForce(bank, query, 32).length > at31.length, 'and so are the ones at 32');
      assert.deepEqual(index.probePlan(31, 'mih'), plan, 'the adds left the plan as it was');
      index.assertConsistent();
      for (const radius of [30, 31, 32, 33])
        assertRecall(index, bank, query, radius, `${segmentBits}-bit adversarial`);
      index.compact();
      for (const radius of [31, 32])
        assertRecall(index, bank, query, radius, `${segmentBits}-bit adversarial, compacted`);
    }
  });

  it('a bank holding one hash', () => {
    const random2 = seededRandom(7);
    const only = randomHash(random2);
    const index = new PdqIndex();
    index.add(42, only);
    assert.deepEqual(index.query(only), [{ id: 42, distance: 0 }]);
    for (const distance of [1, 16, 31, 32, 200]) {
      const query = flipRandomBits(only, distance, random2);
      for (const strategy of STRATEGIES) {
        const expected = distance <= 31 ? [{ id: 42, distance }] : [];
        assert.deepEqual(index.query(query, 31, strategy), expected, `distance ${distance}, ${strategy}`);
      }
    }
  });

  it('hashes differing only within one segment', () => {
    const random2 = seededRandom(11);
    const query = randomHash(random2);
    const bank: Bank = new Map();
    for (let i = 0; i < 3000; i++) {
      // Flip 0..16 random bits among bits 48..63 (one 16-bit segment; straddles wider layouts' edges).
      const bits = Array.from({ length: 16 }, (_, k) => 48 + k).filter(() => random2() % 2 === 0);
      bank.set(i, flipBits(query, bits));
    }
    for (const segmentBits of [16, 21]) {
      const index = buildFrom(bank, segmentBits);
      for (const radius of [0, 1, 2, 8, 15, 16, 31]) assertRecall(index, bank, query, radius, 'one segment');
    }
  });

  it('duplicates of the same hash under different ids all come back, by id', () => {
    const random2 = seededRandom(13);
    const hash = randomHash(random2);
    const index = PdqIndex.fromHashes([9, 3, 7], new Uint32Array([...hash, ...hash, ...hash]));
    index.add(5, hash);
    index.add(1, flipRandomBits(hash, 2, random2));
    for (const strategy of STRATEGIES) {
      assert.deepEqual(index.query(hash, 31, strategy), [
        { id: 3, distance: 0 },
        { id: 5, distance: 0 },
        { id: 7, distance: 0 },
        { id: 9, distance: 0 },
        { id: 1, distance: 2 },
      ]);
    }
  });
});

describe('PdqIndex changes', () => {
  it('add and remove are visible to the very next query, before and after compaction', () => {
    const { bank, queries, random } = plantedBank(21, 3000);
    const index = buildFrom(bank, 16);
    const query = queries[1] as PdqHash;
    const near = flipRandomBits(query, 12, random);
    index.add(1_000_000, near);
    bank.set(1_000_000, near);
    assertRecall(index, bank, query, 31, 'after add');
    // Remove every planted match of the query, one at a time, checking after each.
    for (const { id } of bruteForce(bank, query, 31).slice(0, 10)) {
      assert.equal(index.remove(id), true);
      bank.delete(id);
      assertRecall(index, bank, query, 31, `after removing ${id}`);
    }
    assert.equal(index.remove(123_456_789), false, 'removing an absent id says so');
    // The same id can come back, with another hash.
    const back = flipRandomBits(query, 3, random);
    const reused = [...bank.keys()][0] as number;
    index.remove(reused);
    index.add(reused, back);
    bank.set(reused, back);
    assertRecall(index, bank, query, 31, 'after re-adding an id');
    assert.equal(index.size, bank.size);
    index.assertConsistent();
    index.compact();
    index.assertConsistent();
    assert.equal(index.size, bank.size);
    for (const q of queries) assertRecall(index, bank, q, 31, 'after compact');
  });

  it('an index grown one add at a time rebuilds segments as it goes and stays exact', () => {
    const random = seededRandom(31);
    const index = new PdqIndex();
    const bank: Bank = new Map();
    const query = randomHash(random);
    for (let id = 0; id < 12_000; id++) {
      const hash = id % 50 === 0 ? flipRandomBits(query, id % 40, random) : randomHash(random);
      index.add(id, hash);
      bank.set(id, hash);
      if (id % 7 === 3) {
        index.remove(id - 3);
        bank.delete(id - 3);
      }
      if (id % 2500 === 0) assertRecall(index, bank, query, 31, `at ${id}`);
    }
    assertRecall(index, bank, query, 31, 'grown');
    index.assertConsistent();
    assert.equal(index.size, bank.size);
    assert.deepEqual(index.get(11_999), bank.get(11_999));
    assert.equal(index.get(0), undefined);
    assert.equal(index.has(11_998), true);
    index.compact();
    assert.deepEqual(index.segmentWidths, layoutForSize(bank.size).widths);
    assertRecall(index, bank, query, 31, 'compacted to a new layout');
  });
});

describe('PdqIndex background segment rebuilds', () => {
  it('answer exactly after every add and remove while a rebuild is half done', () => {
    const random = seededRandom(51);
    const count = 40_000;
    const query = randomHash(random);
    const words = randomHashWords(count, random);
    for (let i = 0; i < count; i += 997) words.set(flipRandomBits(query, i % 32, random), i * PDQ_HASH_WORDS);
    const index = PdqIndex.fromHashes(
      Array.from({ length: count }, (_, i) => i),
      words,
    );
    // The expected matches, kept up to date as the bank changes (no brute force per step).
    const expected = new Map<number, number>();
    for (let i = 0; i < count; i++) {
      const distance = hammingDistance(hashAt(words, i), query);
      if (distance <= 31) expected.set(i, distance);
    }
    const check = (label: string) => {
      const want = [...expected].map(([id, distance]) => ({ id, distance }));
      want.sort((a, b) => a.distance - b.distance || a.id - b.id);
      assert.deepEqual(index.query(query, 31, 'mih'), want, label);
    };
    // 4096 adds reach the limit; the rebuild then takes a step per change (40K slots: ~12 steps).
    for (let k = 0; k < 4200; k++) {
      const id = count + k;
      const distance = k % 20 === 0 ? k % 32 : 100;
      index.add(id, distance < 100 ? flipRandomBits(query, distance, random) : randomHash(random));
      if (distance <= 31) expected.set(id, distance);
      if (k >= 4080) {
        // Remove an old match and a new one mid-rebuild too.
        for (const gone of [(k - 4080) * 997, count + k - 20]) {
          index.remove(gone);
          expected.delete(gone);
        }
        check(`after add ${k}`);
        if (k % 40 === 0) index.assertConsistent();
      }
    }
    index.compact();
    check('compacted');
  });
});

describe('PdqIndex storage: base and tail', () => {
  it('stays exact with matches in the base, in the tail, removed, compacted and reloaded', async () => {
    const { decodePdqSnapshot, encodePdqSnapshot, concatBytes } = await import('./pdq-snapshot.js');
    const random = seededRandom(41);
    const count = 20_000;
    const words = randomHashWords(count, random);
    const bank: Bank = new Map(Array.from({ length: count }, (_, i) => [i, hashAt(words, i)]));
    const query = randomHash(random);
    for (const slot of [0, 9_999, 10_000, 19_998, 19_999]) {
      const near = flipRandomBits(query, slot % 30, random);
      words.set(near, slot * PDQ_HASH_WORDS);
      bank.set(slot, near);
    }
    const index = PdqIndex.fromHashes([...bank.keys()], words);
    assertRecall(index, bank, query, 31, 'built');
    for (let id = 1; id < 19_999; id += 3) {
      index.remove(id);
      bank.delete(id);
    }
    for (let k = 0; k < 5000; k++) {
      const hash = k % 100 === 0 ? flipRandomBits(query, k % 31, random) : randomHash(random);
      index.add(100_000 + k, hash);
      bank.set(100_000 + k, hash);
    }
    assertRecall(index, bank, query, 31, 'changed');
    index.compact();
    assertRecall(index, bank, query, 31, 'compacted');
    assert.deepEqual(index.get(19_999), bank.get(19_999));
    const loaded = decodePdqSnapshot(concatBytes(encodePdqSnapshot(index)));
    assertRecall(loaded, bank, query, 31, 'loaded');
    loaded.add(1, query);
    bank.set(1, query);
    assertRecall(loaded, bank, query, 31, 'loaded, then added to');
  });
});

describe('PdqIndex strategy rule', () => {
  it('scans tiny banks and large radii, probes otherwise', () => {
    const layout10m = layoutForSize(10_000_000);
    assert.deepEqual(layout10m.widths, [22, 22, 22, 22, 21, 21, 21, 21, 21, 21, 21, 21]);
    assert.equal(planQuery(layout10m, 10_000_000, 31).kind, 'mih');
    assert.equal(planQuery(layout10m, 10_000_000, 96).kind, 'linear');
    assert.equal(planQuery(layoutForSize(1_000_000), 1_000_000, 31).kind, 'mih');
    assert.equal(planQuery(layoutForSize(100), 100, 31).kind, 'linear');
    const classic = planQuery(layoutWithBits(16), 1_000_000, 31);
    assert.equal(classic.kind, 'mih');
    assert.deepEqual([...(classic.kind === 'mih' ? classic.radii : [])], new Array(16).fill(1));
    const exact = planQuery(layoutWithBits(16), 1_000_000, 0);
    assert.equal(
      exact.kind === 'mih' && exact.radii.filter((r) => r >= 0).length,
      1,
      'radius 0 probes one bucket',
    );
  });
});

describe('PdqIndex argument checks', () => {
  const index = new PdqIndex();
  const hash = randomHash(seededRandom(3));
  index.add(1, hash);
  const invalid = (fn: () => unknown, message: RegExp, code = 'HASHBANK_INVALID_ARGUMENT') =>
    assert.throws(fn, (error: unknown) => {
      assert.ok(error instanceof HashbankError);
      assert.equal(error.code, code);
      assert.match(error.message, message);
      return true;
    });

  it('radius must be an integer 0..256', () => {
    for (const radius of [-1, 257, 1.5, Number.NaN])
      invalid(() => index.query(hash, radius), /radius must be an integer from 0 to 256/);
    invalid(() => index.query(hash, '31' as unknown as number), /radius must be a number, got string/);
    assert.deepEqual(index.query(hash, 256).length, 1);
  });

  it('hash must be a PdqHash', () => {
    invalid(() => index.query(new Uint32Array(7)), /hash must have 8 words, got 7/);
    invalid(
      () => index.query(new Uint8Array(32) as unknown as PdqHash),
      /hash must be a PdqHash .* got Uint8Array/,
    );
    invalid(() => index.add(2, [1, 2, 3, 4, 5, 6, 7, 8] as unknown as PdqHash), /got Array/);
  });

  it('id must be a non-negative safe integer, and new', () => {
    for (const id of [-1, 1.5, 2 ** 53, Number.NaN])
      invalid(() => index.add(id, hash), /id must be a non-negative safe integer/);
    invalid(() => index.add('1' as unknown as number, hash), /id must be a number, got string/);
    invalid(() => index.add(1, hash), /id 1 is already in the index/, 'HASHBANK_DUPLICATE_ID');
    invalid(
      () => PdqIndex.fromHashes([4, 4], new Uint32Array(16)),
      /ids\[1\]: id 4 is already/,
      'HASHBANK_DUPLICATE_ID',
    );
    invalid(() => PdqIndex.fromHashes([4], new Uint32Array(9)), /8 words per id/);
    index.add(2 ** 53 - 1, hash);
    assert.deepEqual(
      index.query(hash).map((m) => m.id),
      [1, 2 ** 53 - 1],
    );
  });

  it('strategy must be known', () => {
    invalid(
      () => index.query(hash, 31, 'fast' as QueryStrategy),
      /strategy must be 'auto', 'linear' or 'mih'/,
    );
  });
});
