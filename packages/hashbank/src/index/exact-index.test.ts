import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { HashbankError } from '../bank/errors.js';
import { type DigestAlgorithm, ExactDigestIndex } from './exact-index.js';

const digestOf = (algorithm: DigestAlgorithm, text: string) =>
  createHash(algorithm).update(text).digest('hex');

describe('ExactDigestIndex', () => {
  for (const algorithm of ['md5', 'sha256'] as const) {
    it(`${algorithm}: finds, lists duplicates by id, forgets removed entries, reuses slots`, () => {
      const index = new ExactDigestIndex(algorithm, 16);
      const reference = new Map<number, string>();
      for (let id = 0; id < 5000; id++) {
        // Every tenth file is a copy of another, so some digests are listed under several ids.
        const digest = digestOf(algorithm, `file ${id % 10 === 0 ? id % 7 : id}`);
        index.add(id, id % 2 ? digest : Buffer.from(digest, 'hex'));
        reference.set(id, digest);
        if (id % 5 === 4) {
          assert.equal(index.remove(id - 2), true);
          reference.delete(id - 2);
        }
      }
      assert.equal(index.remove(99_999), false);
      assert.equal(index.size, reference.size);
      const expected = new Map<string, number[]>();
      for (const [id, digest] of reference) expected.set(digest, [...(expected.get(digest) ?? []), id]);
      for (const [digest, ids] of expected) {
        assert.deepEqual(index.lookup(digest), ids);
        assert.deepEqual(index.lookup(digest.toUpperCase()), ids);
        assert.deepEqual(index.lookup(new Uint8Array(Buffer.from(digest, 'hex'))), ids);
      }
      assert.deepEqual(index.lookup(digestOf(algorithm, 'file 12')), [], 'id 12 was removed');
      assert.equal(index.has(digestOf(algorithm, 'never added')), false);
      assert.equal(Buffer.from(index.get(4999) as Uint8Array).toString('hex'), reference.get(4999));
      assert.equal(index.get(2), undefined);
    });
  }

  it('checks its arguments', () => {
    const index = new ExactDigestIndex('md5');
    const md5 = digestOf('md5', 'x');
    index.add(1, md5);
    const invalid = (fn: () => unknown, message: RegExp, code = 'HASHBANK_INVALID_ARGUMENT') =>
      assert.throws(fn, (error: unknown) => {
        assert.ok(error instanceof HashbankError);
        assert.equal(error.code, code);
        assert.match(error.message, message);
        return true;
      });
    invalid(() => index.add(1, md5), /id 1 is already in the index/, 'HASHBANK_DUPLICATE_ID');
    invalid(() => index.add(2, digestOf('sha256', 'x')), /32 hex characters for md5, got/);
    invalid(() => index.lookup(`${md5.slice(0, 31)}g`), /32 hex characters/);
    invalid(() => index.lookup(new Uint8Array(32)), /16 bytes for md5, got 32/);
    invalid(() => index.lookup(42 as unknown as string), /Uint8Array or hex string, got number/);
    invalid(() => index.add(-3, md5), /non-negative safe integer/);
    invalid(() => new ExactDigestIndex('sha1' as DigestAlgorithm), /'md5' or 'sha256', got sha1/);
  });
});
