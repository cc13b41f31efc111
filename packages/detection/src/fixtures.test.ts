import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hammingDistance } from '@safelight/pdq';
import { detectionFixtures } from './test-support/fixtures.js';

// The shared suite is only as good as its fixtures: check the assumptions it relies on.
describe('detection fixtures', () => {
  it('near-duplicate within radius 31, unrelated images far from every bank entry, flat image below the floor', async () => {
    const f = await detectionFixtures();
    assert.ok(f.nearDuplicateDistance <= 31, `near-duplicate distance ${f.nearDuplicateDistance}`);
    assert.ok(f.nearDuplicate.quality >= 50, `near-duplicate quality ${f.nearDuplicate.quality}`);
    for (const image of f.unrelated) {
      assert.ok(image.quality >= 50);
      const nearest = Math.min(...f.bank.entries.map((e) => hammingDistance(e.pdq, image.pdq)));
      assert.ok(nearest > 31, `unrelated image ${nearest} bits from a bank entry`);
    }
    assert.ok(f.lowQuality.quality < 50, `flat image quality ${f.lowQuality.quality}`);
  });
});
