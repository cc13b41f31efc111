import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex } from '@noble/hashes/utils.js';
import { randomHash, seededRandom } from '@safelight/hashbank';
import { formatPdqHex } from '@safelight/pdq';
import { pdqFromBytes, pdqToBytes } from './bytes.js';

describe('PDQ hash bytes', () => {
  it('are the bytes of the canonical hex, and round-trip', () => {
    const random = seededRandom(11);
    for (let i = 0; i < 200; i++) {
      const hash = randomHash(random);
      const bytes = pdqToBytes(hash);
      assert.equal(bytesToHex(bytes), formatPdqHex(hash));
      assert.deepEqual(pdqFromBytes(bytes), hash);
    }
    const out = new Uint8Array(40);
    pdqToBytes(randomHash(random), out, 5);
    assert.deepEqual([...out.subarray(0, 5)], [0, 0, 0, 0, 0], 'writes only at the offset');
  });
});
