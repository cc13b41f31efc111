import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BankEntry } from '../bank/entry.js';
import { csvFormat, threatExchangeTime } from './csv.js';
import { formatCsvLine, parseCsvLine } from './csv-line.js';
import { formatFromPath, parseFormat } from './format.js';
import { hexFormat } from './hex.js';
import { jsonlFormat } from './jsonl.js';

const PDQ = 'acecf3355e3125c8e24e2f30e0d4ec4f8482b878b3c34cdbdf063278db275992';
const context = { signalType: 'pdq' as const, source: 'Default Org' };

function entry(overrides: Partial<BankEntry> = {}): BankEntry {
  return {
    id: 1,
    bank: 'B',
    signalType: 'pdq',
    value: PDQ,
    source: null,
    externalId: null,
    addedAt: '2020-07-31T18:47:52.000Z',
    removedAt: null,
    labels: [],
    disabled: false,
    metadata: null,
    ...overrides,
  };
}

describe('CSV lines', () => {
  it('parses quoted fields and writes them back the same way', () => {
    const fields = parseCsvLine('plain,"with, comma","with ""quote""",,last');
    assert.deepEqual(fields, ['plain', 'with, comma', 'with "quote"', '', 'last']);
    assert.equal(formatCsvLine(fields), 'plain,"with, comma","with ""quote""",,last');
    assert.deepEqual(parseCsvLine(''), ['']);
  });

  it('refuses broken quoting', () => {
    assert.throws(() => parseCsvLine('"open'), /unterminated quoted field/);
    assert.throws(() => parseCsvLine('"a"b'), /unexpected character after a quoted field at column 4/);
    assert.throws(() => parseCsvLine('a"b'), /a quote inside an unquoted field/);
  });
});

describe('hex lines', () => {
  it('reads HASH and HASH,metadata, skips blank lines', () => {
    const parser = hexFormat.createParser(context);
    assert.deepEqual(parser.parse(` ${PDQ} `), {
      signalType: 'pdq',
      value: PDQ,
      metadata: null,
      source: 'Default Org',
    });
    assert.deepEqual(parser.parse(`${PDQ},id=7, note`)?.metadata, 'id=7, note');
    assert.equal(parser.parse('   '), null);
    const formatter = hexFormat.createFormatter({ csvShape: 'dataset' });
    assert.equal(formatter.line(entry({ metadata: 'id=7, note' })), `${PDQ},id=7, note`);
  });
});

describe('ThreatExchange CSV', () => {
  it('reads the dataset shape by column name', () => {
    const parser = csvFormat.createParser(context);
    assert.equal(parser.parse('signal_str,signal_type,collab,tags,category'), null);
    assert.deepEqual(parser.parse(`${PDQ},pdq,Sample Data,media_type_photo disputed,POSITIVE_CLASS`), {
      signalType: 'pdq',
      value: PDQ,
      source: 'Sample Data',
      labels: ['media_type_photo', 'disputed', 'category:POSITIVE_CLASS'],
    });
    assert.throws(() => parser.parse(`${PDQ},pdq`), {
      problem: 'missing-column',
      message: /expected 5 CSV fields/,
    });
  });

  it('names the missing header column', () => {
    const parser = csvFormat.createParser(context);
    assert.throws(() => parser.parse('collab,signal_type,category'), {
      problem: 'missing-column',
      message: 'CSV header has no signal_str column (has: collab, signal_type, category)',
    });
  });

  it("reads HMA's headerless rollup rows (signal,descriptor_id,added_on,tags)", () => {
    const parser = csvFormat.createParser(context);
    assert.deepEqual(
      parser.parse(
        `${PDQ},2880742865368386,2020-07-31T18:47:52+0000,media_priority_samples media_type_photo`,
      ),
      {
        signalType: 'pdq',
        value: PDQ,
        externalId: '2880742865368386',
        addedAt: '2020-07-31T18:47:52+0000',
        labels: ['media_priority_samples', 'media_type_photo'],
        source: 'Default Org',
      },
    );
    assert.throws(() => parser.parse(`${PDQ},1,2020-07-31T18:47:52+0000`), { problem: 'missing-column' });
  });

  it('writes both shapes', () => {
    const e = entry({
      source: 'Org, Inc.',
      labels: ['A1', 'category:POSITIVE_CLASS', 'x'],
      externalId: '42',
    });
    const dataset = csvFormat.createFormatter({ csvShape: 'dataset' });
    assert.equal(dataset.header, 'collab,signal_type,signal_str,category,tags');
    assert.equal(dataset.line(e), `"Org, Inc.",pdq,${PDQ},POSITIVE_CLASS,A1 x`);
    const rollup = csvFormat.createFormatter({ csvShape: 'rollup' });
    assert.equal(rollup.header, undefined);
    assert.equal(rollup.line(e), `${PDQ},42,2020-07-31T18:47:52+0000,A1 category:POSITIVE_CLASS x`);
    assert.equal(threatExchangeTime('2021-05-07T18:07:52.123Z'), '2021-05-07T18:07:52+0000');
  });
});

describe('JSON Lines', () => {
  it('writes every field in a fixed order and reads it back', () => {
    const e = entry({ labels: ['A1'], source: 'Org', removedAt: '2021-01-01T00:00:00.000Z', disabled: true });
    const line = jsonlFormat.createFormatter({ csvShape: 'dataset' }).line(e);
    // Frozen: changing this line changes the exchange format (see docs/hashbank.md).
    assert.equal(
      line,
      `{"signal_type":"pdq","value":"${PDQ}","source":"Org","external_id":null,"added_at":"2020-07-31T18:47:52.000Z","removed_at":"2021-01-01T00:00:00.000Z","labels":["A1"],"disabled":true,"metadata":null}`,
    );
    const parsed = jsonlFormat.createParser(context).parse(line);
    assert.equal(parsed?.removedAt, '2021-01-01T00:00:00.000Z');
    assert.equal(parsed?.disabled, true);
  });

  it('refuses unknown keys, missing keys and non-objects', () => {
    const parser = jsonlFormat.createParser(context);
    assert.throws(
      () => parser.parse('{"signal_type":"pdq","value":"x","lables":[]}'),
      /unknown field "lables"/,
    );
    assert.throws(() => parser.parse('{"signal_type":"pdq"}'), {
      problem: 'missing-column',
      message: 'missing field "value"',
    });
    assert.throws(() => parser.parse('[1]'), /must be a JSON object/);
    assert.throws(() => parser.parse('{'), { problem: 'malformed' });
    assert.equal(parser.parse(''), null);
  });
});

describe('format names', () => {
  it('come from the option or the file extension', () => {
    assert.equal(parseFormat('jsonl'), 'jsonl');
    assert.throws(() => parseFormat('xml'), { code: 'BANK_UNKNOWN_FORMAT' });
    assert.equal(formatFromPath('list.TXT'), 'hex');
    assert.equal(formatFromPath('/a/b.csv'), 'csv');
    assert.equal(formatFromPath('x.ndjson'), 'jsonl');
    assert.throws(() => formatFromPath('x.bin'), /cannot tell the format of x.bin/);
  });
});
