import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { randomMd5, randomPdq, randomSha256, randomVpdq } from '../test-support/random.js';
import { COMMITMENT_SCHEME, commitSorted, proveSorted, verifyList, verifyProof } from './commitment.js';
import { type CommittedSignal, compareSignals, encodeLeaf } from './leaf.js';

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';

function randomSignals(count: number): CommittedSignal[] {
  const makers = [randomPdq, randomMd5, randomSha256, () => randomVpdq(2)];
  const types = ['pdq', 'md5', 'sha256', 'vpdq'] as const;
  return Array.from({ length: count }, (_, i) => ({
    signalType: types[i % 4] as CommittedSignal['signalType'],
    value: (makers[i % 4] as () => string)(),
  })).sort(compareSignals);
}

describe('bank commitments', () => {
  it('encodes a leaf as length-prefixed type and value', () => {
    assert.equal(
      Buffer.from(encodeLeaf({ signalType: 'md5', value: 'ab' })).toString('hex'),
      `03${Buffer.from('md5').toString('hex')}00000002${Buffer.from('ab').toString('hex')}`,
    );
  });

  it('test vector: an empty bank commits to SHA-256("")', async () => {
    assert.deepEqual(await commitSorted([]), {
      scheme: COMMITMENT_SCHEME,
      root: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      treeSize: 0,
    });
    assert.ok(
      await verifyList([], {
        root: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        treeSize: 0,
      }),
    );
  });

  it('test vector: one entry commits to SHA-256(0x00 || leaf) (cross-checked with node:crypto)', async () => {
    const signal: CommittedSignal = { signalType: 'pdq', value: PDQ };
    const expected = createHash('sha256')
      .update(
        Buffer.concat([
          Buffer.of(0),
          Buffer.of(3),
          Buffer.from('pdq'),
          Buffer.from([0, 0, 0, 64]),
          Buffer.from(PDQ),
        ]),
      )
      .digest('hex');
    const commitment = await commitSorted([signal]);
    assert.equal(commitment.root, expected);
    // Frozen: a change here changes every published commitment (see docs/hashbank.md).
    assert.equal(commitment.root, '0ad4efcb4ee38ec330aa740a5c0081d34af94cf8d3992bb86c70d49d0bec7a04');
    const proof = await proveSorted([signal], 0, 1);
    assert.deepEqual(proof.path, []);
    assert.ok(verifyProof(proof, commitment));
  });

  it('test vector: three entries (an odd count) in (signal type, value) order', async () => {
    const three: CommittedSignal[] = [
      { signalType: 'sha256', value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
      { signalType: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e' },
      { signalType: 'pdq', value: PDQ },
    ];
    const commitment = {
      root: 'e8c0cda042a62dfb76d54db82a6046c196a35853c5576ce6a81ee59341faf3a3',
      treeSize: 3,
    };
    assert.deepEqual(await commitSorted([...three].sort(compareSignals)), {
      scheme: COMMITMENT_SCHEME,
      ...commitment,
    });
    assert.ok(await verifyList(three, commitment));
  });

  it('proves every entry of lists with odd and even counts', async () => {
    for (const n of [2, 3, 5, 7, 8, 13]) {
      const signals = randomSignals(n);
      const commitment = await commitSorted(signals);
      for (let i = 0; i < n; i++) {
        const proof = await proveSorted(signals, i, n);
        assert.equal(proof.value, signals[i]?.value);
        assert.ok(verifyProof(proof, commitment), `n=${n} i=${i}`);
        assert.ok(!verifyProof({ ...proof, treeSize: n + 1 }, commitment), 'size must match the commitment');
      }
    }
  });

  it('a proof fails once one entry of the list changes, and so does the list check', async () => {
    const signals = randomSignals(9);
    const commitment = await commitSorted(signals);
    const proof = await proveSorted(signals, 4, 9);
    assert.ok(verifyProof(proof, commitment));

    const changed = signals
      .map((s, i) =>
        i === 7
          ? {
              ...s,
              value:
                s.signalType === 'md5' ? randomMd5() : s.value.replace(/^./, (c) => (c === '0' ? '1' : '0')),
            }
          : s,
      )
      .sort(compareSignals);
    const recommitted = await commitSorted(changed);
    assert.notEqual(recommitted.root, commitment.root);
    assert.ok(
      !verifyProof(proof, recommitted),
      "the old proof does not verify against the changed list's root",
    );
    assert.ok(!verifyProof({ ...proof, value: randomPdq(), signalType: 'pdq' }, commitment), 'another value');

    const shuffled = [...signals].reverse();
    assert.ok(await verifyList(shuffled, commitment), 'order of the list given does not matter');
    assert.ok(!(await verifyList(changed, commitment)), 'a changed entry');
    assert.ok(!(await verifyList(signals.slice(1), commitment)), 'a missing entry');
    assert.ok(
      !(await verifyList([...signals, signals[0] as CommittedSignal], commitment)),
      'a duplicated entry',
    );
    assert.ok(
      await verifyList(
        signals.map((s) => ({ ...s, value: s.signalType === 'vpdq' ? s.value : s.value.toUpperCase() })),
        commitment,
      ),
      'values are canonicalised before checking',
    );
  });

  it('refuses unsorted input to commitSorted', async () => {
    const signals = randomSignals(3);
    await assert.rejects(commitSorted([...signals].reverse()), { code: 'BANK_INVALID_PROOF' });
  });
});
