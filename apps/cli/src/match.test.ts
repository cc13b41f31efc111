import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hashImageFile, hashVideoFile } from '@safelight/media';
import { formatPdqHex } from '@safelight/pdq';
import sharp from 'sharp';
import { noiseJpeg, tempDir } from '../../../tests/support/image-fixtures.js';
import { ffmpegSkip, makeTestVideo } from '../../../tests/support/video-fixtures.js';
import { jsonLines, safelight } from './cli-runner.test-support.js';

describe('safelight match', () => {
  it('finds an edited copy of a banked image, not an unrelated image; exit 0 / 1 / 2 as grep', async () => {
    const dir = await tempDir();
    const dataDir = join(dir, 'data');
    // "Known" content is an ordinary generated image placed in a bank.
    const known = join(dir, 'known.jpg');
    await writeFile(known, await noiseJpeg(320, 240));
    const edited = join(dir, 'edited.png');
    await sharp(known).resize(200, 150).modulate({ brightness: 1.1 }).png().toFile(edited);
    const unrelated = join(dir, 'unrelated.png');
    await sharp(await noiseJpeg(64, 48))
      .rotate(180)
      .resize(320, 240)
      .png()
      .toFile(unrelated);
    const list = join(dir, 'list.txt');
    await writeFile(list, `${(await hashImageFile(known)).pdq},case-1\n`);

    assert.equal(safelight('bank', 'create', 'KNOWN_TEST_IMAGES', '--data-dir', dataDir).code, 0);
    const imported = safelight('bank', 'import', 'KNOWN_TEST_IMAGES', list, '--data-dir', dataDir);
    assert.equal(imported.code, 0, imported.stderr);

    const hit = safelight('match', edited, '--data-dir', dataDir);
    assert.equal(hit.code, 0, hit.stderr);
    const [record] = jsonLines(hit.stdout);
    assert.equal(record?.status, 'match');
    assert.equal(record?.bank, 'KNOWN_TEST_IMAGES');
    assert.equal(record?.signalType, 'pdq');
    assert.ok((record?.distance as number) <= 31);

    const miss = safelight('match', unrelated, '--data-dir', dataDir);
    assert.equal(miss.code, 1, miss.stderr);
    assert.equal(jsonLines(miss.stdout)[0]?.status, 'no-match');

    const table = safelight('match', '--format', 'table', edited, unrelated, '--data-dir', dataDir);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^path\s+status\s+bank\s+entry\s+signal\s+distance/);
    assert.match(table.stdout, /no match/);

    const broken = join(dir, 'broken.jpg');
    await writeFile(broken, 'not an image');
    const failed = safelight('match', edited, broken, '--data-dir', dataDir);
    assert.equal(failed.code, 2, 'a file that could not be checked is exit 2, even with a match');
    assert.match(failed.stderr, /broken\.jpg: not a decodable image/);
  });

  it('matches a clip of a banked video through vPDQ', { skip: ffmpegSkip }, async () => {
    const dir = await tempDir();
    const dataDir = join(dir, 'data');
    const video = makeTestVideo(join(dir, 'known.mp4'), { seconds: 4 });
    const clip = makeTestVideo(join(dir, 'clip.mp4'), { seconds: 4, extra: ['-ss', '1', '-t', '2'] });
    const frames = await hashVideoFile(video);
    const value = frames
      .map((f) => `${formatPdqHex(f.hash)}:${f.quality}:${f.timestampSeconds.toFixed(3)}`)
      .join(';');
    const list = join(dir, 'videos.jsonl');
    await writeFile(list, `${JSON.stringify({ signal_type: 'vpdq', value, external_id: 'video-1' })}\n`);
    assert.equal(safelight('bank', 'create', 'KNOWN_TEST_VIDEOS', '--data-dir', dataDir).code, 0);
    const imported = safelight('bank', 'import', 'KNOWN_TEST_VIDEOS', list, '--data-dir', dataDir);
    assert.equal(imported.code, 0, imported.stderr);
    const run = safelight('match', clip, '--data-dir', dataDir);
    assert.equal(run.code, 0, run.stderr);
    const [record] = jsonLines(run.stdout);
    assert.equal(record?.signalType, 'vpdq');
    assert.equal(record?.externalId, 'video-1');
    assert.ok((record?.queryMatchPercent as number) >= 80, JSON.stringify(record));
  });
});
