import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInBrowserLikeContext } from '../../../tests/support/browser-bundle.js';

/** packages/pdq must run in browsers (on-device hashing): no Node APIs may creep in. */
describe('PDQ in a browser-like context', () => {
  it('bundles for the browser and hashes a formula image bit-exactly without Node globals', async () => {
    const result = await runInBrowserLikeContext(
      fileURLToPath(new URL('./index.ts', import.meta.url)),
      'SafelightPdq',
      "globalThis.result = SafelightPdq.formatPdqHex(SafelightPdq.pdqHash(SafelightPdq.syntheticImage('noise', 100, 75)).hash);",
    );
    assert.equal(result, 'b6247fa02b9f0092fdcee7d4a747d69bcb4282cf0cf5b31cb1082ae2338ea615');
  });
});
