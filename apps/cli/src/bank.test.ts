import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifyList, verifyProof } from '@safelight/hashbank';
import pg from 'pg';
import { postgresSkipReason, testDatabaseUrl } from '../../../tests/support/postgres.js';
import { ByteProgress } from './byte-progress.js';
import { safelight } from './cli-runner.test-support.js';

// Asked before any suite starts: the SQLite suite runs the CLI synchronously (spawnSync), which
// holds this process's event loop for seconds, long enough for a connection check made after it
// to time out and skip the PostgreSQL suite by mistake.
const pgSkip = await postgresSkipReason();

/** Random hashes play the listed content: benign by construction. */
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** `full`: also the format round trips and usage errors, which do not depend on the store. */
function bankTests(label: string, storeArgs: () => string[], full: boolean) {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safelight-bank-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const bank = (...args: string[]) => safelight('bank', ...args, ...storeArgs());
  const name = (base: string) => `${base}_${label.toUpperCase()}_${process.pid}`;

  it('creates a bank, refuses a file with a bad line (exit 1, file:line, bank unchanged), then imports with --skip-invalid', async () => {
    const list = join(dir, 'list.txt');
    const lines = Array.from({ length: 50 }, () => hex(32));
    lines.splice(24, 0, 'not-a-hash');
    await writeFile(list, `${lines.join('\n')}\n`);
    const b = name('KNOWN');
    const created = bank('create', b, '--description', 'random test hashes');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`created match bank ${b} \\(enabled\\)`));

    const strict = bank('import', b, list);
    assert.equal(strict.code, 1);
    assert.match(
      strict.stderr,
      new RegExp(`${list}:25: pdq hash must be 64 hex characters, got 10 \\(BANK_IMPORT_INVALID_LINE\\)`),
    );
    assert.match(strict.stderr, /nothing imported/);
    const listed = bank('list', '--json');
    const row = listed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((r) => r.name === b);
    assert.equal(row?.activeEntries, 0);

    const lenient = bank('import', b, list, '--skip-invalid', '--source', 'Example Org');
    assert.equal(lenient.code, 0, lenient.stderr);
    assert.match(
      lenient.stdout,
      new RegExp(
        `imported 50 entries into ${b} from .*list.txt \\(hex, 51 lines\\); skipped 1: 1 wrong-length`,
      ),
    );
    assert.match(lenient.stderr, /list.txt:25: skipped: pdq hash must be 64 hex characters/);

    const again = bank('import', b, list, '--skip-invalid', '--json');
    const result = JSON.parse(again.stdout);
    assert.equal(result.imported, 0);
    assert.equal(result.skippedByProblem.duplicate, 50);

    const stats = bank('stats', b);
    assert.match(stats.stdout, /pdq\s+50 total\s+50 active/);
  });

  it('publishes a commitment the exported list verifies against, and proves an entry', async () => {
    const b = name('COMMITTED');
    bank('create', b);
    const values = Array.from({ length: 7 }, () => hex(32));
    const file = join(dir, 'commit.txt');
    await writeFile(file, values.join('\n'));
    bank('import', b, file);
    const committed = bank('commit', b);
    assert.equal(committed.code, 0, committed.stderr);
    const record = JSON.parse(committed.stdout);
    assert.equal(record.treeSize, 7);
    assert.match(record.root, /^[0-9a-f]{64}$/);
    assert.ok(
      await verifyList(
        values.map((value) => ({ signalType: 'pdq', value })),
        record,
      ),
    );
    const proved = bank('commit', b, '--prove', `pdq:${values[3]}`);
    assert.equal(proved.code, 0, proved.stderr);
    assert.ok(verifyProof(JSON.parse(proved.stdout), record));
    assert.match(bank('stats', b).stdout, new RegExp(`last commitment: ${record.root} over 7 entries`));
  });

  // The format round trips and usage errors do not depend on the store (the library suite runs
  // the storage side on both dialects), so the PostgreSQL run leaves them out to save time.
  if (!full) return;

  it('exports -> imports -> exports byte for byte in every format', async () => {
    const source = name('ROUND');
    bank('create', source);
    const jsonl = join(dir, 'mixed.jsonl');
    const records = [
      ...Array.from({ length: 20 }, () => ({
        signal_type: 'pdq',
        value: hex(32),
        labels: ['A1'],
        source: 'Org, Inc.',
      })),
      ...Array.from({ length: 5 }, () => ({ signal_type: 'md5', value: hex(16) })),
      { signal_type: 'sha256', value: hex(32), removed_at: '2025-01-01T00:00:00Z' },
    ];
    await writeFile(jsonl, records.map((r) => JSON.stringify(r)).join('\n'));
    assert.equal(bank('import', source, jsonl).code, 0);
    for (const [format, extra] of [
      ['jsonl', []],
      ['csv', []],
      ['hex', ['--signal-type', 'md5']],
    ] as const) {
      const first = bank('export', source, '--format', format, ...extra);
      assert.equal(first.code, 0, first.stderr);
      const file = join(dir, `export-${format}-${extra.length}.${format === 'hex' ? 'txt' : format}`);
      await writeFile(file, first.stdout);
      const copy = name(`COPY_${format.toUpperCase()}_${extra.length}`);
      bank('create', copy);
      const typeArgs = extra.filter(
        (_, i) => extra[i - 1] === '--signal-type' || extra[i] === '--signal-type',
      );
      const imported = bank('import', copy, file, ...typeArgs);
      assert.equal(imported.code, 0, imported.stderr);
      const second = bank('export', copy, '--format', format, ...extra, '--output', join(dir, 'second'));
      assert.equal(second.code, 0, second.stderr);
      assert.equal(await readFile(join(dir, 'second'), 'utf8'), first.stdout, `${format} ${extra.join(' ')}`);
    }
    const mixedHex = bank('export', source, '--format', 'hex');
    assert.equal(mixedHex.code, 2);
    assert.match(mixedHex.stderr, /holds md5, pdq entries and this format holds one signal type/);
  });

  it('reports usage errors with exit 2 and failures with exit 1', () => {
    assert.equal(bank('create', 'not_upper').code, 2);
    const badFormat = bank('import', name('KNOWN'), 'x.txt', '--format', 'xml');
    assert.equal(badFormat.code, 2);
    assert.match(badFormat.stderr, /Allowed choices are hex, csv, jsonl/);
    const badType = bank('import', name('KNOWN'), 'x.txt', '--signal-type', 'tlsh');
    assert.equal(badType.code, 2);
    assert.match(badType.stderr, /unknown signal type "tlsh"/);
    assert.equal(bank('import', name('KNOWN'), 'x.bin').code, 2);
    const missing = bank('stats', 'NO_SUCH_BANK');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no bank named NO_SUCH_BANK \(BANK_NOT_FOUND\)/);
    assert.equal(bank('create', name('KNOWN')).code, 1, 'already exists');
  });
}

describe('safelight bank (embedded SQLite, --data-dir)', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'safelight-data-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });
  bankTests('sqlite', () => ['--data-dir', dataDir], true);
});

const url = testDatabaseUrl;
const schema = `test_cli_${process.pid}_${randomBytes(4).toString('hex')}`;
describe('safelight bank (PostgreSQL, --database-url)', { skip: pgSkip }, () => {
  after(async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  });
  bankTests('pg', () => ['--database-url', url, '--schema', schema], false);
});

describe('ByteProgress', () => {
  it('draws on a terminal for big files only and clears its line at the end', () => {
    const written: string[] = [];
    const stream = {
      isTTY: true,
      columns: 200,
      write: (t: string) => written.push(t),
    } as unknown as NodeJS.WriteStream;
    assert.equal(ByteProgress.shouldShow(100 * 1048576, { isTTY: false } as NodeJS.WriteStream), false);
    assert.equal(ByteProgress.shouldShow(1000, stream), false, 'not for a small file');
    const progress = new ByteProgress('importing X', 2 * 1048576, stream);
    progress.update(2 * 1048576, 1234);
    progress.finish();
    assert.match(written.join(''), /importing X \[#{24}\] 100% 2.0\/2.0 MiB, 1,234 lines/);
    assert.equal(written.at(-1), '\r\u001b[2K');
  });
});
