import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  ATTACHMENT_CHUNK_BYTES,
  type AttachmentReference,
  decryptAttachment,
  encryptAttachment,
  encryptAttachmentWithKey,
} from './attachment.js';
import { E2eeError } from './errors.js';

const HEADER = 41;
const SEALED = ATTACHMENT_CHUNK_BYTES + 16;

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function failsCheck(check: string) {
  return (e: unknown) => {
    assert.ok(e instanceof E2eeError, String(e));
    assert.equal(e.code, 'E2EE_ATTACHMENT_INVALID');
    assert.match(e.message, new RegExp(`attachment ${check} check failed`));
    return true;
  };
}

describe('attachments', () => {
  const sizes = [
    0,
    1,
    1000,
    ATTACHMENT_CHUNK_BYTES,
    3 * ATTACHMENT_CHUNK_BYTES,
    3 * ATTACHMENT_CHUNK_BYTES + 7,
  ];
  for (const size of sizes) {
    it(`round-trips ${size} bytes`, () => {
      const plaintext = bytes(size);
      const { ciphertext, reference } = encryptAttachment(plaintext, 'image/jpeg');
      const chunks = Math.max(1, Math.ceil(size / ATTACHMENT_CHUNK_BYTES));
      assert.equal(ciphertext.length, HEADER + size + 16 * chunks);
      assert.deepEqual(reference.digest, sha256(plaintext));
      assert.equal(reference.size, size);
      assert.equal(reference.mediaType, 'image/jpeg');
      assert.deepEqual(decryptAttachment(ciphertext, reference), plaintext);
    });
  }

  it('uses a fresh key each time', () => {
    const a = encryptAttachment(bytes(10), 'text/plain');
    const b = encryptAttachment(bytes(10), 'text/plain');
    assert.notDeepEqual(a.reference.key, b.reference.key);
    assert.notDeepEqual(a.ciphertext, b.ciphertext);
  });

  const plaintext = bytes(3 * ATTACHMENT_CHUNK_BYTES + 100, 7);
  const { ciphertext, reference } = encryptAttachment(plaintext, 'video/mp4');

  it('rejects a wrong key at the key commitment, before touching any chunk', () => {
    const wrong: AttachmentReference = { ...reference, key: new Uint8Array(32).fill(3) };
    assert.throws(() => decryptAttachment(ciphertext, wrong), failsCheck('key commitment'));
  });

  it('rejects a ciphertext whose commitment was swapped to match another key', () => {
    // The salamander attempt: keep the chunks, present a second key with its own commitment.
    const other = encryptAttachmentWithKey(new Uint8Array(0), 'video/mp4', new Uint8Array(32).fill(4));
    const spliced = ciphertext.slice();
    spliced.set(other.ciphertext.subarray(9, HEADER), 9);
    assert.throws(
      () => decryptAttachment(spliced, { ...reference, key: other.reference.key }),
      failsCheck('chunk'),
    );
  });

  for (const chunk of [0, 1, 2, 3]) {
    it(`rejects a flipped bit in chunk ${chunk}`, () => {
      const tampered = ciphertext.slice();
      const at = Math.min(tampered.length - 1, HEADER + chunk * SEALED + 5);
      tampered[at] = (tampered[at] as number) ^ 0x10;
      assert.throws(() => decryptAttachment(tampered, reference), failsCheck('chunk'));
    });
  }

  it('rejects a flipped bit in the header (bound as associated data)', () => {
    const tampered = ciphertext.slice();
    tampered[7] = (tampered[7] as number) ^ 0x04; // chunk size 65536 -> 66560, still in range
    assert.throws(() => decryptAttachment(tampered, reference), failsCheck('(chunk|framing)'));
  });

  it('rejects truncation: the last chunk dropped', () => {
    const truncated = ciphertext.subarray(0, HEADER + 3 * SEALED);
    assert.throws(() => decryptAttachment(truncated, reference), failsCheck('chunk'));
  });

  it('rejects an exact-multiple attachment with its last full chunk dropped', () => {
    const exact = encryptAttachment(bytes(2 * ATTACHMENT_CHUNK_BYTES), 'image/png');
    const truncated = exact.ciphertext.subarray(0, HEADER + SEALED);
    assert.throws(() => decryptAttachment(truncated, exact.reference), failsCheck('chunk'));
  });

  it('rejects reordered chunks', () => {
    const swapped = ciphertext.slice();
    swapped.set(ciphertext.subarray(HEADER + SEALED, HEADER + 2 * SEALED), HEADER);
    swapped.set(ciphertext.subarray(HEADER, HEADER + SEALED), HEADER + SEALED);
    assert.throws(() => decryptAttachment(swapped, reference), failsCheck('chunk'));
  });

  it('rejects an appended chunk', () => {
    const extended = new Uint8Array(ciphertext.length + SEALED);
    extended.set(ciphertext);
    extended.set(ciphertext.subarray(HEADER, HEADER + SEALED), ciphertext.length);
    assert.throws(() => decryptAttachment(extended, reference), failsCheck('chunk'));
  });

  it('rejects a digest mismatch and a size mismatch', () => {
    const digest = reference.digest.slice();
    digest[0] = (digest[0] as number) ^ 1;
    assert.throws(() => decryptAttachment(ciphertext, { ...reference, digest }), failsCheck('digest'));
    assert.throws(
      () => decryptAttachment(ciphertext, { ...reference, size: reference.size - 1 }),
      failsCheck('size'),
    );
  });

  it('enforces the size limit on both sides', () => {
    assert.throws(
      () => encryptAttachment(bytes(2000), 'image/jpeg', { maxBytes: 1000 }),
      (e: unknown) => e instanceof E2eeError && e.code === 'E2EE_INVALID_INPUT',
    );
    assert.throws(
      () => decryptAttachment(ciphertext, reference, { maxBytes: 1000 }),
      failsCheck('size limit'),
    );
    const big = encryptAttachment(bytes(5000), 'image/jpeg');
    assert.throws(
      () => decryptAttachment(big.ciphertext, { ...big.reference, size: 10 }, { maxBytes: 1000 }),
      failsCheck('size limit'),
    );
  });

  it('rejects malformed headers and references', () => {
    assert.throws(() => decryptAttachment(new Uint8Array(10), reference), failsCheck('header'));
    const badMagic = ciphertext.slice();
    badMagic[0] = 0;
    assert.throws(() => decryptAttachment(badMagic, reference), failsCheck('header'));
    assert.throws(
      () => decryptAttachment(ciphertext, { ...reference, key: new Uint8Array(16) }),
      failsCheck('reference'),
    );
    assert.throws(
      () => encryptAttachment(bytes(1), ''),
      (e: unknown) => e instanceof E2eeError && e.code === 'E2EE_INVALID_INPUT',
    );
  });
});
