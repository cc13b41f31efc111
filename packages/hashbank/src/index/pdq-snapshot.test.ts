import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PDQ_HASH_WORDS, type PdqHash, parsePdqHex } from '@safelight/pdq';
import { HashbankError } from '../bank/errors.js';
import { PdqIndex } from './pdq-index.js';
import { concatBytes, decodePdqSnapshot, encodePdqSnapshot } from './pdq-snapshot.js';
import { flipRandomBits, randomHash, randomHashWords, seededRandom } from './random-hashes.js';
import { xxh32 } from './xxh32.js';

function sampleIndex() {
  const random = seededRandom(5);
  const count = 3000;
  const index = PdqIndex.fromHashes(
    Array.from({ length: count }, (_, i) => i * 3),
    randomHashWords(count, random),
  );
  const queries: PdqHash[] = [];
  for (let q = 0; q < 5; q++) {
    const query = randomHash(random);
    queries.push(query);
    for (let d = 0; d < 40; d += 3) index.add(100_000 + q * 100 + d, flipRandomBits(query, d, random));
  }
  for (let id = 0; id < 300; id += 9) index.remove(id);
  return { index, queries };
}

function snapshotOf(index: PdqIndex): Uint8Array {
  return concatBytes(encodePdqSnapshot(index));
}

function assertInvalid(bytes: Uint8Array, message: RegExp): void {
  assert.throws(
    () => decodePdqSnapshot(bytes),
    (error: unknown) => {
      assert.ok(error instanceof HashbankError, String(error));
      assert.equal(error.code, 'HASHBANK_INVALID_SNAPSHOT');
      assert.match(error.message, message);
      return true;
    },
  );
}

describe('PDQ index snapshots', () => {
  it('round-trip: same matches, ids and hashes, and the loaded index takes changes', () => {
    const { index, queries } = sampleIndex();
    const expected = queries.map((q) => [0, 16, 31, 40].map((r) => index.query(q, r)));
    const bytes = snapshotOf(index);
    const loaded = decodePdqSnapshot(bytes);
    assert.equal(loaded.size, index.size);
    assert.deepEqual(loaded.segmentWidths, index.segmentWidths);
    assert.deepEqual(
      queries.map((q) => [0, 16, 31, 40].map((r) => loaded.query(q, r))),
      expected,
    );
    for (const q of queries) assert.deepEqual(loaded.query(q, 31, 'mih'), loaded.query(q, 31, 'linear'));
    assert.deepEqual(loaded.get(2997), index.get(2997));
    assert.equal(loaded.has(0), false);
    const query = queries[0] as PdqHash;
    loaded.add(7, query);
    assert.deepEqual(loaded.query(query)[0], { id: 7, distance: 0 });
    assert.equal(loaded.remove(100_000), true);
    assert.equal(
      loaded.query(query).some((m) => m.id === 100_000),
      false,
    );
    // A snapshot of the loaded-and-changed index loads too.
    assert.deepEqual(decodePdqSnapshot(snapshotOf(loaded)).query(query), loaded.query(query));
  });

  it('an empty index round-trips', () => {
    const loaded = decodePdqSnapshot(snapshotOf(new PdqIndex()));
    assert.equal(loaded.size, 0);
    assert.deepEqual(loaded.query(new Uint32Array(PDQ_HASH_WORDS)), []);
  });

  it('refuses truncated snapshots, saying so', () => {
    const bytes = snapshotOf(sampleIndex().index);
    assertInvalid(new Uint8Array(0), /truncated: 0 bytes/);
    assertInvalid(bytes.slice(0, 63), /truncated: 63 bytes/);
    assertInvalid(bytes.slice(0, 100), /truncated: 100 bytes, the header and directory are/);
    for (const length of [bytes.length - 1, bytes.length >> 1, 5000]) {
      assertInvalid(
        bytes.slice(0, length),
        new RegExp(`truncated: ${length} bytes, the snapshot is ${bytes.length}`),
      );
    }
    assertInvalid(concatBytes([bytes, new Uint8Array(8)]), /8 bytes follow the snapshot's end/);
  });

  it('refuses corrupted snapshots, naming the damaged part', () => {
    const bytes = snapshotOf(sampleIndex().index);
    const view = new DataView(bytes.buffer);
    const sectionAt = (k: number) => Number(view.getBigUint64(64 + 16 + k * 24 + 8, true));
    const cases: Array<[number, RegExp]> = [
      [0, /bad magic/],
      [20, /header checksum mismatch|inconsistent/],
      [40, /header checksum mismatch/],
      [sectionAt(0) + 17, /section hashes checksum mismatch/],
      [sectionAt(1) + 3, /section ids checksum mismatch/],
      [sectionAt(2) + 1, /section id table checksum mismatch/],
      [sectionAt(3 + 13) + 1000, /section offsets\[13\] checksum mismatch/],
      [sectionAt(3 + 16 + 12) + 5, /section postings\[12\] checksum mismatch/],
    ];
    for (const [at, message] of cases) {
      const copy = bytes.slice();
      copy[at] = (copy[at] as number) ^ 0x10;
      assertInvalid(copy, message);
    }
    const future = bytes.slice();
    new DataView(future.buffer).setUint32(8, 2, true);
    assertInvalid(future, /format version 2, this build reads version 1/);
    assert.throws(() => decodePdqSnapshot('SLPDQIDX' as unknown as Uint8Array), /must be a Uint8Array/);
  });

  it('loads from an unaligned buffer (by copying)', () => {
    const { index, queries } = sampleIndex();
    const bytes = snapshotOf(index);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const query = queries[2] as PdqHash;
    assert.deepEqual(decodePdqSnapshot(shifted.subarray(3)).query(query), index.query(query));
  });

  it('version 1 is frozen: this exact tiny index always encodes to the same bytes', () => {
    const hashes = [
      'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22',
      'd8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22',
      '0000000000000000000000000000000000000000000000000000000000000001',
    ].map(parsePdqHex);
    const index = PdqIndex.fromHashes([10, 2 ** 40, 3], new Uint32Array(hashes.flatMap((h) => [...h])));
    const bytes = snapshotOf(index);
    // If this fails, the format changed: bump PDQ_SNAPSHOT_VERSION, keep reading version 1, and
    // freeze the new version beside this one.
    assert.equal(bytes.length, FROZEN_V1.length);
    assert.equal(Buffer.from(bytes.subarray(0, 64)).toString('hex'), FROZEN_V1.header);
    assert.equal(xxh32(bytes).toString(16), FROZEN_V1.xxh32);
    const loaded = decodePdqSnapshot(bytes);
    assert.deepEqual(loaded.query(hashes[0] as PdqHash), [
      { id: 10, distance: 0 },
      { id: 2 ** 40, distance: 1 },
    ]);
  });
});

const FROZEN_V1 = {
  length: 4_197_568,
  header:
    '534c5044514944580100000098030000030000000000000010000000230000002a10db6e00000000c00c40000000000000000000000000000000000000000000',
  xxh32: '89f651ac',
};
