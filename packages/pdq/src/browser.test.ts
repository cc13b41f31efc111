import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';

/**
 * packages/pdq must run in browsers (on-device hashing). Bundle it for the browser platform and
 * run the bundle in a bare V8 context with no Node globals (no require, process or Buffer):
 * any Node dependency creeping in fails the bundle or the run.
 */
describe('PDQ in a browser-like context', () => {
  it('bundles for the browser and hashes a formula image bit-exactly without Node globals', async () => {
    const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
    const bundle = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'SafelightPdq',
      write: false,
      logLevel: 'silent',
    });
    const code = bundle.outputFiles[0]?.text ?? '';
    const context: Record<string, unknown> = {};
    runInNewContext(
      `${code}\nglobalThis.result = SafelightPdq.formatPdqHex(SafelightPdq.pdqHash(SafelightPdq.syntheticImage('noise', 100, 75)).hash);`,
      context,
    );
    assert.equal(context.result, 'b6247fa02b9f0092fdcee7d4a747d69bcb4282cf0cf5b31cb1082ae2338ea615');
    assert.equal(typeof (context as { process?: unknown }).process, 'undefined');
  });
});
