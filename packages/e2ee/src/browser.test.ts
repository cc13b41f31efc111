import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInBrowserLikeContext } from '../../../tests/support/browser-bundle.js';

/**
 * The main entry of packages/e2ee must bundle for browsers (no node:fs; the file store lives in
 * `@safelight/e2ee/node`). The bare context gets what a browser has: TextEncoder/TextDecoder and
 * WebCrypto's getRandomValues (for fresh keys). MLS itself is exercised in Node (device.test.ts);
 * here the bundle must load and identities and attachments must work.
 */
describe('e2ee in a browser-like context', () => {
  it('bundles for the browser; identity and attachment round trips run without Node globals', async () => {
    const result = await runInBrowserLikeContext(
      fileURLToPath(new URL('./index.ts', import.meta.url)),
      'SafelightE2ee',
      `      const E = SafelightE2ee;
      const id = E.createDeviceIdentity();
      const sig = E.signAuthChallenge(id, 'login', 'challenge');
      const ok1 = E.verifyAuthChallenge(id.publicKey, 'login', 'challenge', sig);
      const ok2 = E.decodeDeviceIdentity(E.encodeDeviceIdentity(id)).deviceId === id.deviceId;
      const plain = new Uint8Array(70000).map((_, i) => i & 255);
      const { ciphertext, reference } = E.encryptAttachment(plain, 'image/png');
      const back = E.decryptAttachment(ciphertext, reference);
      const ok3 = back.length === plain.length && back.every((b, i) => b === plain[i]);
      const ok4 = E.toBase64Url(E.fromBase64Url('AQID')) === 'AQID';
      globalThis.result = JSON.stringify([ok1, ok2, ok3, ok4, typeof E.E2eeDevice]);`,
      { TextEncoder, TextDecoder, crypto: { getRandomValues: (a: Uint8Array) => crypto.getRandomValues(a) } },
    );
    assert.equal(result, JSON.stringify([true, true, true, true, 'function']));
  });
});
