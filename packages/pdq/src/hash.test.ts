import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatPdqHex,
  hammingDistance,
  hashWeight,
  isPdqHex,
  PdqError,
  parsePdqHex,
  popcount32,
} from './index.js';

const BRIDGE = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const PEN_AND_COASTER_FULLRES = 'd8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';

describe('PDQ hex', () => {
  it('round-trips and normalises case', () => {
    assert.equal(formatPdqHex(parsePdqHex(BRIDGE)), BRIDGE);
    assert.equal(formatPdqHex(parsePdqHex(BRIDGE.toUpperCase())), BRIDGE);
  });

  it('maps the first hex character to the highest bits (reference order)', () => {
    const hash = parsePdqHex(`8${'0'.repeat(63)}`);
    assert.equal(hash[7], 0x80000000);
    assert.equal(hashWeight(hash), 1);
    const low = parsePdqHex(`${'0'.repeat(63)}1`);
    assert.equal(low[0], 1);
  });

  it('rejects bad text with a reason', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /64 hex characters, got 0/],
      [BRIDGE.slice(1), /got 63/],
      [`${BRIDGE}0`, /got 65/],
      [`${BRIDGE.slice(0, 10)}g${BRIDGE.slice(11)}`, /"g" at position 11/],
      [`${BRIDGE.slice(0, 63)} `, /" " at position 64/],
    ];
    for (const [text, message] of cases) {
      assert.throws(
        () => parsePdqHex(text),
        (e: unknown) => e instanceof PdqError && e.code === 'PDQ_INVALID_HEX' && message.test(e.message),
      );
      assert.equal(isPdqHex(text), false);
    }
    assert.throws(() => parsePdqHex(42 as unknown as string), /must be a string/);
  });
});

describe('Hamming tools', () => {
  it('popcount32 counts bits of every word shape', () => {
    assert.equal(popcount32(0), 0);
    assert.equal(popcount32(0xffffffff), 32);
    assert.equal(popcount32(0x80000001), 2);
    for (let i = 0; i < 1000; i++) {
      const v = (Math.random() * 2 ** 32) >>> 0;
      assert.equal(popcount32(v), v.toString(2).replaceAll('0', '').length);
    }
  });

  it('distance is symmetric, zero on self, and counts differing bits', () => {
    const a = parsePdqHex(BRIDGE);
    const b = parsePdqHex(PEN_AND_COASTER_FULLRES);
    assert.equal(hammingDistance(a, a), 0);
    assert.equal(hammingDistance(a, b), hammingDistance(b, a));
    assert.equal(hammingDistance(a, b), 1); // f8 vs d8 in the top byte
    assert.equal(hammingDistance(parsePdqHex('0'.repeat(64)), parsePdqHex('f'.repeat(64))), 256);
  });

  it('rejects things that are not hashes', () => {
    assert.throws(() => hammingDistance(new Uint32Array(7), new Uint32Array(8)), /a must be a PdqHash/);
  });
});
