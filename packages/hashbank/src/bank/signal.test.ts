import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { HashbankError } from './errors.js';
import { normalizeSignal, parseSignalType } from './signal.js';
import { formatVpdq, normalizeVpdq, parseVpdq } from './vpdq.js';

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';

function problemOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof HashbankError);
    return error.problem;
  }
  assert.fail('expected an error');
}

describe('signal types', () => {
  it('knows ours and the ThreatExchange aliases, and refuses others', () => {
    assert.equal(parseSignalType('PDQ'), 'pdq');
    assert.equal(parseSignalType('video_md5'), 'md5');
    assert.equal(parseSignalType('video_sha256'), 'sha256');
    assert.throws(() => parseSignalType('tlsh'), {
      code: 'BANK_UNKNOWN_SIGNAL_TYPE',
      message: /"tlsh".*pdq, vpdq/,
    });
  });

  it('canonicalises hex to lowercase and tells wrong length from malformed', () => {
    assert.equal(normalizeSignal('pdq', PDQ.toUpperCase()), PDQ);
    assert.equal(
      normalizeSignal('md5', 'D41D8CD98F00B204E9800998ECF8427E'),
      'd41d8cd98f00b204e9800998ecf8427e',
    );
    assert.equal(
      problemOf(() => normalizeSignal('pdq', PDQ.slice(1))),
      'wrong-length',
    );
    assert.throws(() => normalizeSignal('pdq', PDQ.slice(1)), /pdq hash must be 64 hex characters, got 63/);
    assert.equal(
      problemOf(() => normalizeSignal('md5', PDQ)),
      'wrong-length',
    );
    assert.equal(
      problemOf(() => normalizeSignal('sha256', `${PDQ.slice(0, 63)}g`)),
      'malformed',
    );
    assert.throws(
      () => normalizeSignal('sha256', `${PDQ.slice(0, 63)}g`),
      /non-hex character "g" at position 64/,
    );
  });
});

describe('vpdq values', () => {
  it('canonicalises compact text and python-threatexchange JSON to the same text', () => {
    const compact = `${PDQ.toUpperCase()}:100:0;${PDQ}:49:1.5`;
    const json = JSON.stringify([`${PDQ},100,0.000`, `${PDQ},49,1.500`]);
    const canonical = `${PDQ}:100:0.000;${PDQ}:49:1.500`;
    assert.equal(normalizeVpdq(compact), canonical);
    assert.equal(normalizeVpdq(json), canonical);
    assert.equal(normalizeVpdq(canonical), canonical, 'canonical form is a fixed point');
    assert.equal(normalizeSignal('vpdq', json), canonical);
  });

  it('refuses empty, short-hash, bad-quality and non-JSON values', () => {
    assert.equal(
      problemOf(() => parseVpdq('')),
      'malformed',
    );
    assert.equal(
      problemOf(() => parseVpdq(`${PDQ.slice(2)}:100:0.000`)),
      'wrong-length',
    );
    assert.throws(() => parseVpdq(`${PDQ}:101:0.000`), /quality 101 is above 100/);
    assert.throws(() => parseVpdq('[not json'), /not valid JSON/);
    assert.throws(() => parseVpdq('[1,2]'), /array of "PDQHEX,QUALITY,SECONDS" strings/);
  });

  it("reads upstream's vPDQ sample hashes (frame,quality,hash,seconds) into a value", () => {
    const path = new URL(
      '../../../../../shared/data/pdq/vpdq/sample-hashes/chair-19-sd-bar.txt',
      import.meta.url,
    );
    if (!existsSync(path)) return;
    const frames = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const [, quality, hex, seconds] = line.split(',');
        return { pdqHex: hex as string, quality: Number(quality), seconds: Number(seconds) };
      });
    const value = formatVpdq(frames);
    assert.equal(parseVpdq(value).length, frames.length);
    assert.equal(normalizeVpdq(value), value);
  });
});
