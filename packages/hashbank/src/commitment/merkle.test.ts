import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { bytesToHex } from '@noble/hashes/utils.js';
import {
  EMPTY_ROOT,
  hashLeafData,
  inclusionPath,
  MerkleBuilder,
  merkleRoot,
  proofRanges,
  verifyInclusion,
} from './merkle.js';

/** RFC 6962 §2.1 MTH, written recursively with node:crypto: the independent reference. */
function referenceRoot(leaves: Buffer[]): string {
  const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
  const mth = (d: Buffer[]): Buffer => {
    if (d.length === 0) return sha();
    if (d.length === 1) return sha(Buffer.of(0), d[0] as Buffer);
    let k = 1;
    while (k * 2 < d.length) k *= 2;
    return sha(Buffer.of(1), mth(d.slice(0, k)), mth(d.slice(k)));
  };
  return mth(leaves).toString('hex');
}

// Certificate Transparency's Merkle test vectors (the leaves and roots used by the RFC 6962
// reference implementations' tests): root of the first n leaves, n = 1..8.
const CT_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

describe('Merkle tree (RFC 6962 shape)', () => {
  it('gives the empty-tree root SHA-256("")', () => {
    assert.equal(bytesToHex(EMPTY_ROOT), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(bytesToHex(new MerkleBuilder().root()), bytesToHex(EMPTY_ROOT));
  });

  it("matches Certificate Transparency's published roots for 1..8 leaves", () => {
    const leaves = CT_LEAVES.map((hex) => hashLeafData(Buffer.from(hex, 'hex')));
    for (let n = 1; n <= 8; n++)
      assert.equal(bytesToHex(merkleRoot(leaves.slice(0, n))), CT_ROOTS[n - 1], `n=${n}`);
  });

  it('equals a recursive node:crypto reference for every size up to 70', () => {
    const data = Array.from({ length: 70 }, (_, i) => Buffer.from(`leaf ${i}`));
    for (let n = 0; n <= 70; n++) {
      const root = merkleRoot(data.slice(0, n).map((d) => hashLeafData(d)));
      assert.equal(bytesToHex(root), referenceRoot(data.slice(0, n)), `n=${n}`);
    }
  });

  it('proves and verifies every leaf of every tree up to 33 leaves, and refuses tampering', () => {
    for (let n = 1; n <= 33; n++) {
      const leaves = Array.from({ length: n }, (_, i) => hashLeafData(Buffer.from([i, n])));
      const root = merkleRoot(leaves);
      for (let m = 0; m < n; m++) {
        const path = inclusionPath(leaves, m);
        const leaf = leaves[m] as Uint8Array;
        assert.ok(verifyInclusion(leaf, m, n, path, root), `n=${n} m=${m}`);
        if (n > 1) {
          assert.ok(!verifyInclusion(leaves[(m + 1) % n] as Uint8Array, m, n, path, root), 'other leaf');
          assert.ok(!verifyInclusion(leaf, (m + 1) % n, n, path, root), 'other index');
          const bent = path.map((p, i) => (i === 0 ? hashLeafData(p) : p));
          assert.ok(!verifyInclusion(leaf, m, n, bent, root), 'changed path');
        }
        // (The tree size is not bound by the path alone: for many leaves the path for size n and
        // n + 1 has the same shape. A published commitment binds root AND size; verifyProof
        // checks both.)
        assert.ok(!verifyInclusion(leaf, m, n, [...path, root], root), 'extra node');
      }
    }
  });

  it('refuses out-of-range indexes', () => {
    assert.throws(() => proofRanges(3, 3), RangeError);
    assert.equal(verifyInclusion(EMPTY_ROOT, -1, 3, [], EMPTY_ROOT), false);
    assert.equal(verifyInclusion(EMPTY_ROOT, 0, 0, [], EMPTY_ROOT), false);
  });
});
