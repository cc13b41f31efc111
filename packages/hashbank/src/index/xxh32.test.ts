import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { xxh32 } from './xxh32.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('xxh32', () => {
  it('matches the published XXH32 vectors', () => {
    assert.equal(xxh32(text('')), 0x02cc5d05);
    assert.equal(xxh32(text('a')), 0x550d7456);
    assert.equal(xxh32(text('abc')), 0x32d153ff);
    assert.equal(xxh32(text('Nobody inspects the spammish repetition')), 0xe2293b2f);
  });

  it('gives the same answer streamed in pieces of any size', () => {
    const bytes = new Uint8Array(3000).map((_, i) => (i * 7 + 3) & 255);
    const whole = xxh32(bytes);
    for (const cuts of [[1], [15, 16, 17], [16, 32], [5, 1000, 1001, 2999], [3000]]) {
      const pieces = [0, ...cuts, 3000]
        .slice(0, -1)
        .map((from, k, all) => bytes.subarray(from, all[k + 1] ?? 3000));
      assert.equal(xxh32(pieces), whole, `cuts ${cuts}`);
    }
  });

  it('gives the same answer at any alignment and length', () => {
    const bytes = new Uint8Array(1000).map((_, i) => (i * 131 + 7) & 255);
    for (const length of [0, 3, 15, 16, 17, 31, 64, 999]) {
      const reference = xxh32(bytes.slice(0, length));
      for (const offset of [1, 2, 3]) {
        const shifted = new Uint8Array(length + offset);
        shifted.set(bytes.subarray(0, length), offset);
        assert.equal(xxh32(shifted.subarray(offset)), reference, `length ${length}, offset ${offset}`);
      }
    }
  });
});
