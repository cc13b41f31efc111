import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { fromBase64Url, toBase64Url } from './base64url.js';
import { E2eeError } from './errors.js';
import {
  createDeviceIdentity,
  decodeDeviceIdentity,
  deviceIdFromPublicKey,
  encodeDeviceIdentity,
  signAuthChallenge,
  verifyAuthChallenge,
} from './identity.js';

const invalidInput = (e: unknown) => e instanceof E2eeError && e.code === 'E2EE_INVALID_INPUT';

describe('base64url', () => {
  it('matches Node for every length 0..40 and round-trips', () => {
    for (let n = 0; n <= 40; n++) {
      const b = new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff);
      const encoded = toBase64Url(b);
      assert.equal(encoded, Buffer.from(b).toString('base64url'));
      assert.deepEqual(fromBase64Url(encoded), b);
    }
  });

  it('rejects padding, foreign characters, impossible lengths and non-canonical bits', () => {
    for (const bad of ['AA==', 'A', 'AB+C', 'AB/C', 'ab c', 'AB=', 'AQ=', 'AR', 'AAB', 'é']) {
      assert.throws(() => fromBase64Url(bad), invalidInput, bad);
    }
  });
});

describe('device identity', () => {
  it('deviceId is b64u of the first 16 bytes of SHA-256(publicKey)', () => {
    const id = createDeviceIdentity();
    const expected = createHash('sha256').update(id.publicKey).digest().subarray(0, 16).toString('base64url');
    assert.equal(id.deviceId, expected);
    assert.equal(deviceIdFromPublicKey(id.publicKey), expected);
    assert.equal(id.deviceId.length, 22);
    assert.throws(() => deviceIdFromPublicKey(new Uint8Array(31)), invalidInput);
  });

  it('signs and verifies auth challenges bound to purpose and challenge', () => {
    const id = createDeviceIdentity();
    const challenge = toBase64Url(new Uint8Array(32).fill(5));
    const sig = signAuthChallenge(id, 'login', challenge);
    assert.equal(sig.length, 64);
    assert.equal(verifyAuthChallenge(id.publicKey, 'login', challenge, sig), true);
    assert.equal(verifyAuthChallenge(id.publicKey, 'register', challenge, sig), false);
    assert.equal(verifyAuthChallenge(id.publicKey, 'login', `${challenge}x`, sig), false);
    assert.equal(verifyAuthChallenge(createDeviceIdentity().publicKey, 'login', challenge, sig), false);
    assert.equal(verifyAuthChallenge(id.publicKey, 'login', challenge, sig.subarray(1)), false);
    assert.equal(verifyAuthChallenge(id.publicKey, 'other' as 'login', challenge, sig), false);
    assert.throws(() => signAuthChallenge(id, 'login', ''), invalidInput);
  });

  it('the signed message is exactly "safelight-auth-v1\\n" + purpose + "\\n" + challenge', async () => {
    const { ed25519 } = await import('@noble/curves/ed25519.js');
    const id = createDeviceIdentity();
    const sig = signAuthChallenge(id, 'register', 'abc');
    assert.equal(
      ed25519.verify(sig, new TextEncoder().encode('safelight-auth-v1\nregister\nabc'), id.publicKey),
      true,
    );
  });

  it('encodes and decodes for persistence, validating lengths and the key pair', () => {
    const id = createDeviceIdentity();
    const back = decodeDeviceIdentity(encodeDeviceIdentity(id));
    assert.deepEqual(back, id);
    const other = createDeviceIdentity();
    const mismatched = JSON.stringify({
      format: 'safelight-device-identity-v1',
      publicKey: toBase64Url(other.publicKey),
      privateKey: toBase64Url(id.privateKey),
    });
    assert.throws(() => decodeDeviceIdentity(mismatched), /does not match/);
    const short = JSON.stringify({
      format: 'safelight-device-identity-v1',
      publicKey: toBase64Url(id.publicKey.subarray(1)),
      privateKey: toBase64Url(id.privateKey),
    });
    assert.throws(() => decodeDeviceIdentity(short), /publicKey must be 32 bytes/);
    assert.throws(() => decodeDeviceIdentity('not json'), invalidInput);
    assert.throws(() => decodeDeviceIdentity('{"format":"v0"}'), /format/);
  });
});
