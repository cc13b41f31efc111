import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ImportLineError } from '../bank/errors.js';
import type { BankRepository } from '../storage/repository.js';
import { addRepositoryTests } from '../storage/repository.suite.js';
import { randomMd5, randomPdq, randomSha256, randomVpdq, uniqueBankName } from '../test-support/random.js';
import { type ExportOptions, exportLines } from './export.js';
import { type ImportOptions, importEntries } from './import.js';

async function* fromText(text: string): AsyncGenerator<Buffer> {
  // Several small chunks, so line splitting across chunk boundaries is exercised too.
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += 4096) yield bytes.subarray(i, i + 4096);
}

async function exportText(repo: BankRepository, bank: string, options: ExportOptions): Promise<string> {
  let text = '';
  for await (const line of exportLines(repo, bank, options)) text += line;
  return text;
}

async function newBank(repo: BankRepository): Promise<string> {
  const name = uniqueBankName('FMT');
  await repo.createBank({ name });
  return name;
}

function importText(
  repo: BankRepository,
  bank: string,
  text: string,
  options: Partial<ImportOptions> & Pick<ImportOptions, 'format'>,
) {
  return importEntries(repo, bank, fromText(text), { fileName: 'list', ...options });
}

/** export -> import into a fresh bank -> export must give the same bytes. */
async function assertRoundTrip(repo: BankRepository, bank: string, options: ExportOptions): Promise<string> {
  const first = await exportText(repo, bank, options);
  const copy = await newBank(repo);
  const importOptions: Partial<ImportOptions> & Pick<ImportOptions, 'format'> = { format: options.format };
  if (options.signalType) importOptions.signalType = options.signalType;
  await importText(repo, copy, first, importOptions);
  const second = await exportText(repo, copy, options);
  assert.equal(second, first);
  return first;
}

const hexLines = (count: number): string[] => Array.from({ length: count }, () => randomPdq());

addRepositoryTests('import and export', (repository) => {
  it('round-trips hex lines byte for byte, with metadata, in sorted order', async () => {
    const repo = repository();
    const bank = await newBank(repo);
    const lines = hexLines(300).map((h, i) => (i % 3 === 0 ? `${h.toUpperCase()},row ${i}, "quoted"` : h));
    const result = await importText(repo, bank, `${lines.join('\r\n')}\r\n\r\n`, {
      format: 'hex',
      source: 'Example Org',
    });
    assert.deepEqual(
      { imported: result.imported, skipped: result.skipped, lines: result.lines },
      { imported: 300, skipped: 0, lines: 301 },
    );
    const text = await assertRoundTrip(repo, bank, { format: 'hex' });
    const values = text
      .trimEnd()
      .split('\n')
      .map((l) => l.split(',')[0] as string);
    assert.deepEqual(values, [...values].sort());
    assert.ok(text.includes(',row 0, "quoted"\n'));
    assert.equal((await repo.getEntry(bank, 'pdq', values[0] as string))?.source, 'Example Org');
  });

  it('round-trips the ThreatExchange dataset CSV with every signal type', async () => {
    const repo = repository();
    const bank = await newBank(repo);
    const rows = [
      'collab,signal_type,signal_str,category,tags',
      `Sample Data,pdq,${randomPdq()},POSITIVE_CLASS,media_type_photo disputed`,
      `"Org, ""Inc.""",video_md5,${randomMd5()},,`,
      `Org,sha256,${randomSha256()},INVESTIGATION_SEED,A1`,
      `Org,vpdq,${randomVpdq(4)},,`,
      `Org,vpdq,"${JSON.stringify([`${randomPdq()},100,0.000`]).replaceAll('"', '""')}",,B2`,
    ];
    const result = await importText(repo, bank, rows.join('\n'), { format: 'csv' });
    assert.equal(result.imported, 5);
    const text = await assertRoundTrip(repo, bank, { format: 'csv' });
    assert.ok(text.startsWith('collab,signal_type,signal_str,category,tags\n'));
    assert.match(text, /^"Org, ""Inc.""",md5,[0-9a-f]{32},,$/m);
    assert.match(text, /^Sample Data,pdq,[0-9a-f]{64},POSITIVE_CLASS,disputed media_type_photo$/m);
  });

  it("round-trips HMA's headerless rollup CSV", async () => {
    const repo = repository();
    const bank = await newBank(repo);
    const rows = hexLines(20).map(
      (h, i) => `${h},${1000 + i},2021-05-07T18:07:52+0000,media_type_photo test_pdq_samples`,
    );
    const result = await importText(repo, bank, rows.join('\n'), { format: 'csv', source: 'ThreatExchange' });
    assert.equal(result.imported, 20);
    const entry = await repo.getEntry(bank, 'pdq', (rows[0] as string).slice(0, 64));
    assert.equal(entry?.externalId, '1000');
    assert.equal(entry?.addedAt, '2021-05-07T18:07:52.000Z');
    const text = await assertRoundTrip(repo, bank, { format: 'csv', csvShape: 'rollup' });
    assert.deepEqual(text.trimEnd().split('\n').sort(), [...rows].sort());
  });

  it('round-trips JSON Lines with everything: removed, disabled, labels, vPDQ', async () => {
    const repo = repository();
    const bank = await newBank(repo);
    const records = [
      { signal_type: 'pdq', value: randomPdq(), source: 'Org', labels: ['A1', 'B2'], external_id: 'x1' },
      { signal_type: 'md5', value: randomMd5(), removed_at: '2025-02-03T04:05:06Z' },
      { signal_type: 'sha256', value: randomSha256(), disabled: true, metadata: 'note' },
      { signal_type: 'vpdq', value: randomVpdq(2), added_at: '2020-01-01T00:00:00+02:00' },
    ];
    const result = await importText(repo, bank, records.map((r) => JSON.stringify(r)).join('\n'), {
      format: 'jsonl',
    });
    assert.equal(result.imported, 4);
    const text = await assertRoundTrip(repo, bank, { format: 'jsonl' });
    assert.equal(text.trimEnd().split('\n').length, 4, 'inactive entries are carried');
    assert.match(text, /"added_at":"2019-12-31T22:00:00.000Z"/);
    // hex and CSV carry only active entries
    assert.equal((await exportText(repo, bank, { format: 'csv' })).trimEnd().split('\n').length, 1 + 2);
  });

  it('asks which signal type when a one-type format meets a mixed bank', async () => {
    const repo = repository();
    const bank = await newBank(repo);
    await repo.addEntry(bank, { signalType: 'pdq', value: randomPdq() });
    await repo.addEntry(bank, { signalType: 'md5', value: randomMd5() });
    await assert.rejects(
      exportText(repo, bank, { format: 'hex' }),
      /holds md5, pdq entries and this format holds one signal type/,
    );
    assert.match(await exportText(repo, bank, { format: 'hex', signalType: 'md5' }), /^[0-9a-f]{32}\n$/);
  });

  it('is all-or-nothing: a bad line in the middle aborts with file:line and leaves the bank unchanged', async () => {
    const repo = repository();
    const bank = await newBank(repo);
    const kept = randomPdq();
    await repo.addEntry(bank, { signalType: 'pdq', value: kept });
    const before = await exportText(repo, bank, { format: 'jsonl' });
    const cases: Array<{
      format: ImportOptions['format'];
      lines: string[];
      bad: string;
      line: number;
      message: RegExp;
      options?: Partial<ImportOptions>;
    }> = [
      {
        format: 'hex',
        lines: hexLines(1000),
        bad: `zz${randomPdq().slice(2)}`,
        line: 501,
        message: /^list:501: pdq hash has a non-hex character "z" at position 1$/,
      },
      {
        format: 'hex',
        lines: hexLines(1000),
        bad: randomPdq().slice(1),
        line: 501,
        message: /^list:501: pdq hash must be 64 hex characters, got 63$/,
      },
      {
        format: 'hex',
        lines: hexLines(1000),
        bad: kept,
        line: 501,
        message: /^list:501: duplicate: bank \w+ already has this pdq entry/,
      },
      {
        format: 'hex',
        lines: hexLines(1000),
        bad: 'f'.repeat(5000),
        line: 501,
        message: /^list:501: line too long \(over 1024 bytes\)$/,
        options: { maxLineBytes: 1024 },
      },
      {
        format: 'jsonl',
        lines: hexLines(1000).map((h) => JSON.stringify({ signal_type: 'pdq', value: h })),
        bad: JSON.stringify({ signal_type: 'tlsh', value: 'ab' }),
        line: 501,
        message: /^list:501: unknown signal type "tlsh"/,
      },
      {
        format: 'csv',
        lines: ['collab,signal_type,signal_str,category,tags', ...hexLines(999).map((h) => `Org,pdq,${h},,`)],
        bad: 'Org,pdq',
        line: 501,
        message: /^list:501: expected 5 CSV fields as in the header, got 2$/,
      },
    ];
    for (const c of cases) {
      const lines = [...c.lines];
      lines.splice(c.line - 1, 0, c.bad);
      await assert.rejects(
        importText(repo, bank, `${lines.join('\n')}\n`, { format: c.format, batchSize: 100, ...c.options }),
        (error: unknown) => {
          assert.ok(error instanceof ImportLineError, String(error));
          assert.match(error.message, c.message);
          assert.equal(error.line, c.line);
          return true;
        },
      );
      assert.equal(
        await exportText(repo, bank, { format: 'jsonl' }),
        before,
        `${c.message} left the bank unchanged`,
      );
    }
  });

  it('names the FIRST bad line even when a duplicate is only found when its batch is written', async () => {
    const repo = repository();
    const bank = await newBank(repo);
    const lines = hexLines(100);
    lines[59] = lines[4] as string; // line 60 repeats line 5
    lines[69] = 'nothex'; // line 70 is malformed
    await assert.rejects(importText(repo, bank, lines.join('\n'), { format: 'hex' }), {
      line: 60,
      problem: 'duplicate',
    });
    assert.equal(await repo.countEntries(bank, { includeInactive: true }), 0);
  });

  it('with skipInvalid imports the rest and lists each skipped line with its reason', async () => {
    const repo = repository();
    const bank = await newBank(repo);
    const lines = hexLines(200);
    lines[9] = 'g'.repeat(64);
    lines[19] = 'abc';
    lines[29] = lines[0] as string;
    lines[39] = 'f'.repeat(2000);
    const result = await importText(repo, bank, lines.join('\n'), {
      format: 'hex',
      skipInvalid: true,
      batchSize: 7,
      maxLineBytes: 1000,
    });
    assert.equal(result.imported, 196);
    assert.equal(result.skipped, 4);
    assert.deepEqual(
      result.skippedLines.map((s) => [s.line, s.problem]),
      [
        [10, 'malformed'],
        [20, 'wrong-length'],
        [30, 'duplicate'],
        [40, 'line-too-long'],
      ],
    );
    assert.deepEqual(result.skippedByProblem, {
      malformed: 1,
      'wrong-length': 1,
      duplicate: 1,
      'line-too-long': 1,
    });
    assert.equal(await repo.countEntries(bank), 196);
  });
});
