import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPdqHex, parsePdqHex, type VpdqFeature } from '@safelight/pdq';
import { flipBits, randomHash, seededRandom } from '../index/random-hashes.js';
import { openSqliteRepository } from '../storage/sqlite.js';
import { BankMatcher } from './bank-matcher.js';

const random = seededRandom(7);
const hex = (): string => formatPdqHex(randomHash(random));
// Flips the first `count` bits: distance exactly `count` from `value`.
const near = (value: string, count: number): string =>
  formatPdqHex(
    flipBits(
      parsePdqHex(value),
      Array.from({ length: count }, (_, i) => i),
    ),
  );

async function repositoryWith() {
  const repository = await openSqliteRepository({ file: ':memory:' });
  await repository.createBank({ name: 'KNOWN_TEST_IMAGES' });
  await repository.createBank({ name: 'FALSE_POSITIVES', kind: 'allow' });
  await repository.createBank({ name: 'SWITCHED_OFF', enabled: false });
  return repository;
}

function frames(hashes: string[], quality = 100): VpdqFeature[] {
  return hashes.map((h, i) => ({ frameNumber: i, quality, hash: parsePdqHex(h), timestampSeconds: i }));
}

describe('BankMatcher', () => {
  it('matches PDQ within the radius, MD5/SHA-256 exactly, and reports bank, entry and distance', async () => {
    const repository = await repositoryWith();
    const pdq = hex();
    const entry = await repository.addEntry('KNOWN_TEST_IMAGES', {
      signalType: 'pdq',
      value: pdq,
      externalId: 'ext-1',
      labels: ['A1'],
    });
    await repository.addEntry('KNOWN_TEST_IMAGES', {
      signalType: 'md5',
      value: 'd41d8cd98f00b204e9800998ecf8427e',
    });
    const matcher = await BankMatcher.load(repository);
    const verdict = matcher.matchImage({ pdq: near(pdq, 31), md5: 'D41D8CD98F00B204E9800998ECF8427E' });
    assert.equal(verdict.matches.length, 2);
    assert.deepEqual(
      verdict.matches.map((h) => [h.bank, h.signalType, h.distance]),
      [
        ['KNOWN_TEST_IMAGES', 'md5', 0],
        ['KNOWN_TEST_IMAGES', 'pdq', 31],
      ],
    );
    const pdqHit = verdict.matches.find((h) => h.signalType === 'pdq');
    assert.equal(pdqHit?.entryId, entry.id);
    assert.equal(pdqHit?.externalId, 'ext-1');
    assert.deepEqual(pdqHit?.labels, ['A1']);
    assert.equal(
      matcher.matchImage({ pdq: near(pdq, 32) }).matches.length,
      0,
      '32 bits is outside the radius',
    );
    await repository.close();
  });

  it('ignores disabled banks, disabled entries and removed entries', async () => {
    const repository = await repositoryWith();
    const [a, b, c] = [hex(), hex(), hex()];
    await repository.addEntry('SWITCHED_OFF', { signalType: 'pdq', value: a });
    await repository.addEntry('KNOWN_TEST_IMAGES', { signalType: 'pdq', value: b });
    await repository.setEntryDisabled('KNOWN_TEST_IMAGES', 'pdq', b, true);
    await repository.addEntry('KNOWN_TEST_IMAGES', { signalType: 'pdq', value: c });
    await repository.removeEntry('KNOWN_TEST_IMAGES', 'pdq', c);
    const matcher = await BankMatcher.load(repository);
    for (const value of [a, b, c]) assert.equal(matcher.matchImage({ pdq: value }).matches.length, 0);
    assert.deepEqual(matcher.stats(), { banks: 2, pdq: 0, md5: 0, sha256: 0, vpdq: 0 });
    await repository.close();
  });

  it('lets an allow-list hit suppress the match-bank hits for the same content', async () => {
    const repository = await repositoryWith();
    const value = hex();
    await repository.addEntry('KNOWN_TEST_IMAGES', { signalType: 'pdq', value });
    await repository.addEntry('FALSE_POSITIVES', { signalType: 'pdq', value: near(value, 4) });
    const matcher = await BankMatcher.load(repository);
    const verdict = matcher.matchImage({ pdq: value });
    assert.equal(verdict.matches.length, 0);
    assert.equal(verdict.suppressed[0]?.bank, 'KNOWN_TEST_IMAGES');
    assert.equal(verdict.allowed[0]?.bank, 'FALSE_POSITIVES');
    // Content 31 bits from the match entry on bits the allow entry kept (bits 100..130) is 35 bits
    // from the allow entry: outside its radius, so it matches and nothing is suppressed.
    const other = matcher.matchImage({
      pdq: formatPdqHex(
        flipBits(
          parsePdqHex(value),
          Array.from({ length: 31 }, (_, i) => 100 + i),
        ),
      ),
    });
    assert.equal(other.matches.length, 1);
    assert.equal(other.matches[0]?.distance, 31);
    assert.equal(other.suppressed.length, 0);
    assert.equal(other.allowed.length, 0);
    await repository.close();
  });

  it('matches a video by frame shares: a clip of a banked video, not an unrelated one', async () => {
    const repository = await repositoryWith();
    const banked = Array.from({ length: 10 }, hex);
    const vpdq = banked.map((h, i) => `${h}:100:${i}`).join(';');
    await repository.addEntry('KNOWN_TEST_IMAGES', { signalType: 'vpdq', value: vpdq });
    const matcher = await BankMatcher.load(repository);
    const clip = frames(banked.slice(2, 6).map((h) => near(h, 10)));
    const verdict = matcher.matchVideo(clip);
    assert.equal(verdict.matches.length, 1);
    assert.equal(verdict.matches[0]?.queryMatchPercent, 100);
    assert.equal(verdict.matches[0]?.targetMatchPercent, 40);
    assert.equal(matcher.matchVideo(frames(Array.from({ length: 5 }, hex))).matches.length, 0);
    assert.equal(
      matcher.matchVideo(frames(banked, 10)).matches.length,
      0,
      'low-quality frames are not compared',
    );
    await repository.close();
  });
});
