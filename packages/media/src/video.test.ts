import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hammingDistance } from '@safelight/pdq';
import { tempDir } from '../../../tests/support/image-fixtures.js';
import { ffmpegSkip, makeTestVideo } from '../../../tests/support/video-fixtures.js';
import { hashVideoFile, MediaError, probeVideo } from './index.js';

const skip = ffmpegSkip;
/** A benign 2-second test pattern video, written into `dir`. */
const testVideo = async (dir: string, name = 'pattern.mp4') => makeTestVideo(join(dir, name));

function rejectsWith(code: string, message: RegExp) {
  return (error: unknown) =>
    error instanceof MediaError && error.code === code && message.test(error.message);
}

describe('video frames through ffmpeg', { skip }, () => {
  it('probes size and frame rate', async () => {
    const path = await testVideo(await tempDir());
    assert.deepEqual(await probeVideo(path), { width: 160, height: 120, frameRate: 10, codec: 'h264' });
  });

  it('hashes every frame by default, and every k-th frame at secondsPerHash', async () => {
    const path = await testVideo(await tempDir());
    const every = await hashVideoFile(path);
    assert.equal(every.length, 20);
    assert.deepEqual(
      every.slice(0, 3).map((f) => f.frameNumber),
      [0, 1, 2],
    );
    assert.equal(every[5]?.timestampSeconds, 0.5);
    const sampled = await hashVideoFile(path, { secondsPerHash: 0.5 });
    assert.deepEqual(
      sampled.map((f) => f.frameNumber),
      [0, 5, 10, 15],
    );
    // The sampled frames are the same frames as in the full run.
    for (const f of sampled)
      assert.equal(hammingDistance(f.hash, (every[f.frameNumber] as (typeof every)[number]).hash), 0);
    assert.ok(every.every((f) => f.quality >= 0 && f.quality <= 100));
    // A still video collapses to one feature with dedupe on; without it every frame is kept.
    const still = join(await tempDir(), 'still.mp4');
    makeTestVideo(still, {
      source: 'color=c=gray:size=64x64:rate=10:duration=1',
      extra: ['-vf', 'noise=alls=40:allf=0'],
    });
    assert.equal((await hashVideoFile(still)).length, 10);
    assert.equal((await hashVideoFile(still, { dedupeDistance: 16 })).length, 1);
  });

  it('gives clear errors for a file ffmpeg cannot decode, a truncated video and a missing file', async () => {
    const dir = await tempDir();
    const text = join(dir, 'not-a-video.mp4');
    await writeFile(text, 'just text, not a video\n');
    await assert.rejects(
      hashVideoFile(text),
      rejectsWith('MEDIA_VIDEO_DECODE_FAILED', /not a decodable video/),
    );
    const whole = await readFile(await testVideo(dir, 'whole.mp4'));
    const truncated = join(dir, 'truncated.mp4');
    await writeFile(truncated, whole.subarray(0, whole.length >> 1));
    await assert.rejects(hashVideoFile(truncated), rejectsWith('MEDIA_VIDEO_DECODE_FAILED', /.+/));
    await assert.rejects(
      hashVideoFile(join(dir, 'missing.mp4')),
      rejectsWith('MEDIA_READ_FAILED', /no such file/),
    );
    await assert.rejects(
      hashVideoFile(await testVideo(dir), { maxPixels: 100 }),
      rejectsWith('MEDIA_TOO_MANY_PIXELS', /160x120/),
    );
    await assert.rejects(
      hashVideoFile(await testVideo(dir), { secondsPerHash: -1 }),
      rejectsWith('MEDIA_INVALID_OPTION', /secondsPerHash/),
    );
  });

  it('reports a missing ffmpeg binary by name', async () => {
    const path = await testVideo(await tempDir());
    await assert.rejects(
      hashVideoFile(path, { ffprobePath: '/nonexistent/ffprobe' }),
      rejectsWith('MEDIA_FFMPEG_MISSING', /\/nonexistent\/ffprobe was not found/),
    );
  });
});
