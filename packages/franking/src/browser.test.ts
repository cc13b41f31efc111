import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';

/**
 * packages/franking runs in browsers (the sender tags on device, a reporter may verify there).
 * Bundle it for the browser platform and run the bundle in a bare V8 context with no Node
 * globals (no require, process or Buffer; only the browser's TextEncoder/TextDecoder): any Node dependency creeping in fails the run.
 * The deterministic entry points are used, since a bare context has no crypto.getRandomValues.
 */
describe('franking in a browser-like context', () => {
  it('bundles for the browser, tags, stamps and verifies without Node globals', async () => {
    const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
    const bundle = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'SafelightFranking',
      write: false,
      logLevel: 'silent',
    });
    const code = bundle.outputFiles[0]?.text ?? '';
    // TextEncoder/TextDecoder are browser globals (WHATWG Encoding); the bare context lacks them.
    const context: Record<string, unknown> = { TextEncoder, TextDecoder };
    runInNewContext(
      `${code}
      const F = SafelightFranking;
      const frankingKey = new Uint8Array(32).fill(1);
      const content = { plaintext: new Uint8Array([104, 105]), attachments: [] };
      const tag = F.computeFrankingTag(frankingKey, content);
      const server = { keyId: 'k1', key: new Uint8Array(32).fill(2) };
      const ctx = { senderId: 's', conversationId: 'c', messageId: 'm', receivedAt: 1000 };
      const frank = F.stampFrank(server, { tag, ...ctx });
      const ring = { k1: { key: server.key, notAfter: 2000 } };
      globalThis.result = F.verifyReport(ring, { ...content, ...ctx, frankingKey, tag, frank }, { now: 1500, maxAgeMs: 1000 }).ok;`,
      context,
    );
    assert.equal(context.result, true);
  });
});
