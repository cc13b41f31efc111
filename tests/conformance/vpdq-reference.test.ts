/**
 * vPDQ against the reference's sample hashes (../shared/data/pdq/vpdq/sample-hashes), the way
 * upstream's own regression test checks them: frame by frame, distance <= 31 where both frames
 * have quality >= 50. Decoders differ, so frames are not expected to be bit-exact.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { hashVideoFile } from '@safelight/media';
import { compareFrameByFrame, matchVpdq, parseVpdqText } from '@safelight/pdq';
import { hasSharedData, sharedPath } from '../support/shared-data.js';
import { ffmpegSkip } from '../support/video-fixtures.js';

const skip = !hasSharedData('pdq', 'vpdq', 'sample-hashes')
  ? '../shared/data/pdq/vpdq is not present'
  : ffmpegSkip;

describe('vPDQ reference conformance', { skip }, () => {
  for (const name of ['doorknob-hd-no-bar', 'test-padded-dimensions']) {
    it(`${name}: every comparable frame within 31 bits of the reference`, async () => {
      const ours = await hashVideoFile(sharedPath('pdq', 'tmk', 'sample-videos', `${name}.mp4`));
      const reference = parseVpdqText(
        await readFile(sharedPath('pdq', 'vpdq', 'sample-hashes', `${name}.txt`), 'utf8'),
        name,
      );
      assert.equal(ours.length, reference.length, 'same frame count');
      ours.forEach((f, i) => {
        assert.equal(f.frameNumber, reference[i]?.frameNumber);
        assert.ok(
          Math.abs(f.timestampSeconds - (reference[i]?.timestampSeconds ?? 0)) < 0.001,
          `frame ${i} timestamp`,
        );
      });
      const byFrame = compareFrameByFrame(ours, reference);
      assert.ok(byFrame.compared > 0);
      assert.equal(byFrame.matched, byFrame.compared, `worst distance ${byFrame.worstDistance}`);
      const match = matchVpdq(ours, reference);
      assert.equal(match.queryMatchPercent, 100);
      assert.equal(match.targetMatchPercent, 100);
      console.log(
        `${name}: ${byFrame.matched}/${byFrame.compared} comparable frames match, worst distance ${byFrame.worstDistance}`,
      );
    });
  }
});
