import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';

/**
 * Bundles a package entry for the browser platform (esbuild, IIFE exposing `globalName`) and runs
 * `script` after it in a bare V8 context: no require, process or Buffer, only the globals passed
 * in. A Node dependency creeping into an isomorphic package fails the bundle or the run.
 * Returns what the script assigned to `globalThis.result`.
 */
export async function runInBrowserLikeContext(
  entry: string,
  globalName: string,
  script: string,
  globals: Record<string, unknown> = {},
): Promise<unknown> {
  const bundle = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName,
    write: false,
    logLevel: 'silent',
  });
  const context: Record<string, unknown> = { ...globals };
  runInNewContext(`${bundle.outputFiles[0]?.text ?? ''}\n${script}`, context);
  if ('process' in context) throw new Error('the bundle defined a Node `process` global');
  return context.result;
}
