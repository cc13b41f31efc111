import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { B64uOrEmpty } from '@safelight/api';
import { fromBase64Url, toBase64Url } from '@safelight/e2ee';
import { fromB64u, toB64u } from './encoding.js';

describe('base64url (encoding.ts)', () => {
  const samples = [0, 1, 2, 3, 4, 31, 32, 33].map((n) =>
    Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255),
  );

  it('round-trips, writes what the browser twin in packages/e2ee writes, and reads what it reads', () => {
    for (const bytes of samples) {
      const text = toB64u(bytes);
      assert.equal(text, toBase64Url(bytes));
      assert.deepEqual(fromB64u(text, 'f'), bytes);
      assert.deepEqual(fromBase64Url(text), bytes);
    }
  });

  it('encodes a view, not its whole buffer', () => {
    const whole = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    assert.equal(toB64u(whole.subarray(2, 4)), toB64u(Uint8Array.from([3, 4])));
  });

  it('refuses padding, the standard alphabet, an impossible length and stray bits, naming the field', () => {
    for (const bad of ['AA==', 'a+b/', 'AAAAA', 'AB']) {
      assert.throws(() => fromB64u(bad, 'payload'), { code: 'VALIDATION_FAILED', message: /^payload / });
    }
  });

  it("accepts what the contract's base64url schema declares, and the schema refuses padding", () => {
    const schema = B64uOrEmpty(86);
    assert.equal(schema.pattern, '^[A-Za-z0-9_-]*$');
    const pattern = new RegExp(schema.pattern);
    for (const bytes of samples) assert.ok(pattern.test(toB64u(bytes)));
    assert.ok(!pattern.test('AA=='));
  });
});
