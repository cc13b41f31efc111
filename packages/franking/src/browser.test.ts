import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInBrowserLikeContext } from '../../../tests/support/browser-bundle.js';

/**
 * packages/franking runs in browsers (the sender tags on device, a reporter may verify there).
 * The bare context gets only the browser's TextEncoder/TextDecoder (WHATWG Encoding). The
 * deterministic entry points are used, since a bare context has no crypto.getRandomValues.
 */
describe('franking in a browser-like context', () => {
  it('bundles for the browser, tags, stamps and verifies without Node globals', async () => {
    const result = await runInBrowserLikeContext(
      fileURLToPath(new URL('./index.ts', import.meta.url)),
      'SafelightFranking',
      `      const F = SafelightFranking;
      const frankingKey = new Uint8Array(32).fill(1);
      const content = { plaintext: new Uint8Array([104, 105]), attachments: [] };
      const tag = F.computeFrankingTag(frankingKey, content);
      const server = { keyId: 'k1', key: new Uint8Array(32).fill(2) };
      const ctx = { senderId: 's', conversationId: 'c', messageId: 'm', receivedAt: 1000 };
      const frank = F.stampFrank(server, { tag, ...ctx });
      const ring = { k1: { key: server.key, notAfter: 2000 } };
      globalThis.result = F.verifyReport(ring, { ...content, ...ctx, frankingKey, tag, frank }, { now: 1500, maxAgeMs: 1000 }).ok;`,
      { TextEncoder, TextDecoder },
    );
    assert.equal(result, true);
  });
});
