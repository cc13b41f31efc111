import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeBankInput, normalizeBankPatch, validateBankName } from './bank.js';
import { isActive, normalizeEntry } from './entry.js';
import { normalizeLabels, normalizeTimestamp } from './fields.js';

const NOW = '2026-01-02T03:04:05.000Z';
const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';

describe('banks', () => {
  it('accepts UPPER_SNAKE names only', () => {
    for (const name of ['A', 'NCMEC_HASHES', 'BANK_2', `A${'B'.repeat(63)}`])
      assert.equal(validateBankName(name), name);
    for (const name of ['', 'lower', '_X', '1X', 'A-B', 'A B', `A${'B'.repeat(64)}`]) {
      assert.throws(() => validateBankName(name), { code: 'BANK_INVALID_NAME' }, name);
    }
  });

  it('fills defaults and validates kind, enabled and description', () => {
    assert.deepEqual(normalizeBankInput({ name: 'X' }, NOW), {
      name: 'X',
      kind: 'match',
      enabled: true,
      description: '',
      createdAt: NOW,
    });
    assert.throws(
      () => normalizeBankInput({ name: 'X', kind: 'deny' as 'match' }, NOW),
      /kind must be one of match, allow/,
    );
    assert.throws(() => normalizeBankInput({ name: 'X', description: 'a\nb' }, NOW), /control character/);
    assert.deepEqual(normalizeBankPatch({ enabled: false, kind: 'allow' }), {
      enabled: false,
      kind: 'allow',
    });
  });
});

describe('entries', () => {
  it('normalises every field into canonical form', () => {
    const entry = normalizeEntry(
      {
        signalType: 'PDQ',
        value: ` ${PDQ.toUpperCase()} `,
        source: 'Example Org',
        externalId: '12345',
        addedAt: '2020-07-31T18:47:52+0000',
        labels: ['B2', 'A1', 'A1'],
        metadata: 'from a list',
      },
      NOW,
    );
    assert.deepEqual(entry, {
      signalType: 'pdq',
      value: PDQ,
      source: 'Example Org',
      externalId: '12345',
      addedAt: '2020-07-31T18:47:52.000Z',
      removedAt: null,
      labels: ['A1', 'B2'],
      disabled: false,
      metadata: 'from a list',
    });
    assert.equal(isActive(entry), true);
    assert.equal(isActive({ ...entry, disabled: true }), false);
    assert.equal(isActive({ ...entry, removedAt: NOW }), false);
  });

  it('defaults added_at to now and names the bad field', () => {
    assert.equal(
      normalizeEntry({ signalType: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e' }, NOW).addedAt,
      NOW,
    );
    assert.throws(
      () => normalizeEntry({ signalType: 'md5', value: 'x', labels: [] }, NOW),
      /md5 hash must be 32/,
    );
    assert.throws(
      () => normalizeEntry({ signalType: 'pdq', value: PDQ, addedAt: 'yesterday' }, NOW),
      /added_at "yesterday"/,
    );
    assert.throws(
      () => normalizeEntry({ signalType: 'pdq', value: PDQ, source: 'x'.repeat(201) }, NOW),
      /source is longer than 200/,
    );
    assert.throws(
      () => normalizeEntry({ signalType: 'pdq', value: undefined as unknown as string }, NOW),
      /value is missing/,
    );
  });

  it('validates labels and timestamps', () => {
    assert.deepEqual(normalizeLabels(['category:POSITIVE_CLASS', 'A2']), ['A2', 'category:POSITIVE_CLASS']);
    assert.throws(() => normalizeLabels(['has space']), { code: 'BANK_INVALID_LABEL' });
    assert.throws(() => normalizeLabels(Array.from({ length: 33 }, (_, i) => `L${i}`)), /at most 32 labels/);
    assert.equal(normalizeTimestamp('2021-05-07T18:07:52+0000', 't'), '2021-05-07T18:07:52.000Z');
    assert.equal(normalizeTimestamp('2021-05-07T20:07:52.5+02:00', 't'), '2021-05-07T18:07:52.500Z');
    assert.throws(() => normalizeTimestamp('2021-13-07T18:07:52Z', 't'), /not a valid date-time/);
    assert.throws(() => normalizeTimestamp('2021-05-07', 't'), /not an ISO 8601 date-time with a zone/);
  });
});
