import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { solidPng, writeBadInputs } from '../../../tests/support/image-fixtures.js';
import { jsonLines, safelight } from './cli-runner.test-support.js';
import { ProgressBar } from './progress.js';

describe('safelight hash', () => {
  it('hashes a folder with good and bad files: per-file errors, the rest hashed, exit 1', async () => {
    const { dir, good, bad } = await writeBadInputs();
    const run = safelight('hash', dir, bad.missing);
    assert.equal(run.code, 1, run.stderr);
    const records = jsonLines(run.stdout);
    const byPath = new Map(records.map((r) => [r.path, r]));
    assert.equal(records.length, 8);
    for (const path of good) {
      const record = byPath.get(path);
      assert.ok(record, `${path} missing from output`);
      assert.match(record.pdq, /^[0-9a-f]{64}$/);
      assert.match(record.md5, /^[0-9a-f]{32}$/);
      assert.match(record.sha256, /^[0-9a-f]{64}$/);
      assert.equal(typeof record.quality, 'number');
      assert.equal(record.weak, false);
      assert.ok(record.width > 0 && record.height > 0);
    }
    const codes = {
      empty: 'MEDIA_EMPTY',
      truncated: 'MEDIA_DECODE_FAILED',
      text: 'MEDIA_UNSUPPORTED_FORMAT',
      tiny: 'MEDIA_TOO_SMALL',
      bomb: 'MEDIA_TOO_MANY_PIXELS',
      missing: 'MEDIA_READ_FAILED',
    } as const;
    for (const [name, code] of Object.entries(codes)) {
      const path = bad[name as keyof typeof bad];
      assert.equal(byPath.get(path)?.error?.code, code, name);
      assert.ok(run.stderr.includes(`${path}: `), `stderr names ${path}`);
    }
    assert.match(run.stderr, /2 hashed, 6 failed/);
    assert.ok(!run.stderr.includes('\r'), 'no progress bar on a pipe');
  });

  it('gives the same results in input order with one worker or several', async () => {
    const { dir } = await writeBadInputs();
    const one = safelight('hash', '--jobs', '1', dir);
    const two = safelight('hash', '--jobs', '2', dir);
    // Compare everything but error wording: libvips keeps one error buffer per process, so when two
    // decodes fail at the same moment a message can pick up the other's text. Codes stay exact.
    const comparable = (text: string) =>
      jsonLines(text).map((r) => (r.error ? { path: r.path, code: r.error.code } : r));
    assert.deepEqual(comparable(two.stdout), comparable(one.stdout));
    assert.equal(jsonLines(one.stdout).length, 7); // 2 good + 5 bad files in the folder
    const paths = jsonLines(one.stdout).map((r) => r.path);
    assert.deepEqual(paths, [...paths].sort());
  });

  it('writes CSV with a header and a table a person can read', async () => {
    const { good } = await writeBadInputs();
    const csv = safelight('hash', '--format', 'csv', ...good);
    assert.equal(csv.code, 0, csv.stderr);
    const [header, ...rows] = csv.stdout.trim().split('\n');
    assert.equal(header, 'path,pdq,quality,md5,sha256,width,height,weak,error');
    assert.equal(rows.length, 2);
    assert.match(rows[0] as string, /^[^,]+,[0-9a-f]{64},\d+,[0-9a-f]{32},[0-9a-f]{64},320,240,false,$/);

    const table = safelight('hash', '--format', 'table', ...good);
    const lines = table.stdout.trim().split('\n');
    assert.match(lines[0] as string, /^path\s+pdq\s+quality\s+size\s+weak\s+error$/);
    assert.match(lines[1] as string, /320x240/);
  });

  it('adds the eight dihedral hashes with --dihedrals', async () => {
    const { good } = await writeBadInputs();
    const [record] = jsonLines(safelight('hash', '--dihedrals', good[0] as string).stdout);
    assert.deepEqual(Object.keys(record?.dihedrals ?? {}), [
      'original',
      'rotate90',
      'rotate180',
      'rotate270',
      'flipX',
      'flipY',
      'flipPlus1',
      'flipMinus1',
    ]);
    assert.equal(record?.dihedrals.original, record?.pdq);
  });

  it('flags weak hashes below --min-quality without failing', async () => {
    const { dir } = await writeBadInputs();
    const flat = join(dir, 'flat.png');
    await writeFile(flat, await solidPng(64, 64));
    const run = safelight('hash', flat);
    assert.equal(run.code, 0);
    const [record] = jsonLines(run.stdout);
    assert.equal(record?.quality, 0);
    assert.equal(record?.weak, true);
    const lenient = jsonLines(safelight('hash', '--min-quality', '0', flat).stdout);
    assert.equal(lenient[0]?.weak, false);
  });

  it('expands globs and reports an empty match or a bad option as a usage error (exit 2)', async () => {
    const { dir } = await writeBadInputs();
    const globbed = jsonLines(safelight('hash', join(dir, 'good-*')).stdout);
    assert.equal(globbed.length, 2);
    const nothing = safelight('hash', join(dir, 'nothing-*.jpg'));
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /no image files found/);
    const badOption = safelight('hash', '--jobs', 'zero', dir);
    assert.equal(badOption.code, 2);
    assert.match(badOption.stderr, /--jobs must be a positive integer, got "zero"/);
    const badFormat = safelight('hash', '--format', 'xml', dir);
    assert.equal(badFormat.code, 2);
    assert.match(badFormat.stderr, /Allowed choices are jsonl, csv, table/);
  });

  it('honours --max-pixels', async () => {
    const { good } = await writeBadInputs();
    const run = safelight('hash', '--max-pixels', '1000', good[0] as string);
    assert.equal(run.code, 1);
    assert.equal(jsonLines(run.stdout)[0]?.error?.code, 'MEDIA_TOO_MANY_PIXELS');
  });
});

describe('ProgressBar', () => {
  it('draws only on an interactive terminal and clears its line at the end', () => {
    const written: string[] = [];
    const stream = {
      isTTY: true,
      columns: 80,
      write: (text: string) => written.push(text),
    } as unknown as NodeJS.WriteStream;
    assert.equal(ProgressBar.shouldShow(10, { isTTY: false } as NodeJS.WriteStream), false);
    assert.equal(ProgressBar.shouldShow(1, stream), false, 'not for a single file');
    const bar = new ProgressBar(3, stream);
    bar.tick(false);
    bar.tick(true);
    bar.tick(false);
    bar.finish();
    assert.match(written.join(''), /hashing 3\/3 \[#+\] .* 1 failed/);
    assert.equal(written.at(-1), '\r\u001b[2K');
  });
});
