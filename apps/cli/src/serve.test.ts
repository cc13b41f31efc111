import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { measureMatcher } from '@safelight/detection';
import { safelight } from './cli-runner.test-support.js';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));

describe('safelight serve', () => {
  it('prints its URL, answers /healthz and shuts down on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'safelight-serve-'));
    const child = spawn(
      process.execPath,
      ['--conditions=@safelight/source', '--import', 'tsx', main, 'serve', '--port', '0', '--data-dir', dir],
      {
        env: { ...process.env, SAFELIGHT_DATABASE_URL: '', SAFELIGHT_DATABASE_SCHEMA: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 60_000);
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening on (http:\/\/\S+)/.exec(out);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      // The web app (built by `npm run build`, which `npm test` runs first) is served with a CSP
      // that allows this origin only; the console's staff token was generated into the data dir.
      for (const path of ['/', '/console']) {
        const page = await fetch(`${url}${path}`);
        assert.equal(page.status, 200, path);
        assert.match(await page.text(), /<div id="root">/);
        assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
      }
      assert.ok((await readFile(join(dir, 'staff-token'), 'utf8')).trim().length >= 16);
      assert.match(out, /moderator console: http/);
      assert.match(out, /detection: off/);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bank file with a bad line, naming the file and line, before listening', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'safelight-serve-bank-'));
    const bank = join(dir, 'bank.txt');
    await writeFile(bank, `# test bank\n${'a'.repeat(64)} first\nnot-a-hash\n`);
    const child = spawn(
      process.execPath,
      [
        '--conditions=@safelight/source',
        '--import',
        'tsx',
        main,
        'serve',
        '--port',
        '0',
        '--data-dir',
        dir,
        '--bank',
        bank,
      ],
      { env: { ...process.env, SAFELIGHT_DATABASE_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      assert.notEqual(code, 0);
      assert.match(out, new RegExp(`${bank.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: not a PDQ hash`));
      assert.doesNotMatch(out, /listening on/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown --detection mode, and a mode without --bank, before listening', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'safelight-serve-mode-'));
    const bank = join(dir, 'bank.txt');
    await writeFile(bank, `${'a'.repeat(64)} first\n`);
    try {
      const unknown = safelight(
        'serve',
        '--port',
        '0',
        '--data-dir',
        dir,
        '--bank',
        bank,
        '--detection',
        'nonsense',
      );
      assert.notEqual(unknown.code, 0);
      assert.match(
        unknown.stderr,
        /--detection "nonsense" is not a detection mode; one of server-plaintext, client-match, psi-threshold, he-fuzzy, enclave/,
      );
      assert.doesNotMatch(unknown.stdout, /listening on/);
      const bankless = safelight('serve', '--port', '0', '--data-dir', dir, '--detection', 'psi-threshold');
      assert.notEqual(bankless.code, 0);
      assert.match(bankless.stderr, /--detection psi-threshold needs --bank FILE/);
      assert.doesNotMatch(bankless.stdout, /listening on/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs --detection enclave and prints what devices pin (measurement, platform key)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'safelight-serve-enclave-'));
    const bank = join(dir, 'bank.txt');
    await writeFile(bank, `${'a'.repeat(64)} first\n${'5'.repeat(64)} second\n`);
    const child = spawn(
      process.execPath,
      [
        '--conditions=@safelight/source',
        '--import',
        'tsx',
        main,
        'serve',
        '--port',
        '0',
        '--data-dir',
        dir,
        '--bank',
        bank,
        '--detection',
        'enclave',
      ],
      { env: { ...process.env, SAFELIGHT_DATABASE_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nothing printed about detection: ${out}`)), 60_000);
        const read = (chunk: Buffer) => {
          out += chunk.toString();
          if (/platform key [0-9a-f]{64}/.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on('data', read);
        child.stderr.on('data', read);
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      assert.match(
        out,
        new RegExp(`detection: enclave against 2 hashes from ${bank.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      );
      assert.match(
        out,
        new RegExp(`matcher measurement ${measureMatcher({ radius: 31, qualityFloor: 50 })}`),
      );
      // The platform key is kept in the data folder, so devices can keep trusting it.
      assert.equal((await readFile(join(dir, 'enclave-platform-key'))).length, 32);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
