#!/usr/bin/env node
// `npm run bench -- NAME [args]`: runs bench/NAME/index.ts (sources through tsx).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const here = new URL('.', import.meta.url).pathname;
const available = readdirSync(here, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(`${here}${e.name}/index.ts`))
  .map((e) => e.name);
const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME   (one of: ${available.join(', ')})`);
  process.exit(2);
}
const result = spawnSync(
  process.execPath,
  ['--expose-gc', '--conditions=@safelight/source', '--import', 'tsx', `${here}${name}/index.ts`, ...args],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
