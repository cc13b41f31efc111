#!/usr/bin/env node
// Installs the workspace's npm dependencies when they are missing or older than the lockfile,
// so the README's two commands work on a fresh machine.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const marker = `${root}node_modules/.package-lock.json`;
const lock = `${root}package-lock.json`;
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  // `npm install` (honours the lockfile), not `npm ci`: see .ci/run for why.
  console.error('Installing dependencies (npm install)...');
  execSync('npm install --no-audit --no-fund', {
    cwd: root,
    stdio: 'inherit',
  });
}
