import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { hammingDistance, parsePdqHex } from '@safelight/pdq';
import sharp from 'sharp';
import { noiseJpeg, pngBombHeader, writeBadInputs } from '../../../tests/support/image-fixtures.js';
import { decodeImage, digestBytes, hashImageBytes, hashImageFile, MediaError } from './index.js';

function rejectsWith(code: string, message: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof MediaError, `expected a MediaError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  };
}

describe('decodeImage', () => {
  it('gives 8-bit RGB for RGBA, grey, grey+alpha, palette and 16-bit inputs', async () => {
    const rgba = await sharp({
      create: { width: 8, height: 6, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } },
    })
      .png()
      .toBuffer();
    const decoded = await decodeImage(rgba);
    assert.equal(decoded.channels, 3);
    assert.equal(decoded.data.length, 8 * 6 * 3);
    // Alpha is dropped, not composited: the stored colour comes through unchanged.
    assert.deepEqual([...decoded.data.subarray(0, 3)], [10, 20, 30]);

    const grey = await sharp({ create: { width: 5, height: 5, channels: 3, background: '#404040' } })
      .greyscale()
      .png()
      .toBuffer();
    const greyDecoded = await decodeImage(grey);
    assert.deepEqual([...greyDecoded.data.subarray(0, 3)], [64, 64, 64]);

    const palette = await sharp({ create: { width: 9, height: 9, channels: 3, background: '#123456' } })
      .png({ palette: true })
      .toBuffer();
    assert.equal((await decodeImage(palette)).data.length, 9 * 9 * 3);

    const deep = await sharp({ create: { width: 7, height: 7, channels: 3, background: '#808080' } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    const deepDecoded = await decodeImage(deep);
    assert.equal(deepDecoded.data.length, 7 * 7 * 3);
    assert.ok(Math.abs((deepDecoded.data[0] as number) - 128) <= 1);
  });

  it('takes the first frame of an animated GIF and decodes WebP, TIFF and AVIF', async () => {
    const frame = (colour: string) =>
      sharp({ create: { width: 10, height: 10, channels: 3, background: colour } })
        .png()
        .toBuffer();
    const gif = await sharp([await frame('#ff0000'), await frame('#0000ff')], { join: { animated: true } })
      .gif()
      .toBuffer();
    const first = await decodeImage(gif);
    assert.equal(first.height, 10, 'only one frame, not the stacked animation');
    assert.ok((first.data[0] as number) > 200 && (first.data[2] as number) < 50, 'first frame is red');
    // libvips reports AVIF by its container, HEIF.
    for (const [format, reported] of [
      ['webp', 'webp'],
      ['tiff', 'tiff'],
      ['avif', 'heif'],
    ] as const) {
      const bytes = await sharp(await frame('#00ff00'))
        .toFormat(format)
        .toBuffer();
      const decoded = await decodeImage(bytes);
      assert.equal(decoded.format, reported);
      assert.ok((decoded.data[1] as number) > 200, `${format}: green survives`);
    }
  });

  it('does not apply EXIF orientation unless asked', async () => {
    const upright = await noiseJpeg(64, 48);
    const tagged = await sharp(upright).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const asStored = await decodeImage(tagged);
    assert.deepEqual([asStored.width, asStored.height], [64, 48]);
    const oriented = await decodeImage(tagged, { applyExifOrientation: true });
    assert.deepEqual([oriented.width, oriented.height], [48, 64]);
  });

  it('refuses a decompression bomb from its header, before allocating pixels', async () => {
    await assert.rejects(
      decodeImage(pngBombHeader(30000, 30000)),
      rejectsWith('MEDIA_TOO_MANY_PIXELS', /30000x30000 .*over the limit of 178956970/),
    );
    await assert.rejects(
      decodeImage(await noiseJpeg(100, 100), { maxPixels: 9999 }),
      rejectsWith('MEDIA_TOO_MANY_PIXELS', /100x100/),
    );
    await assert.rejects(
      decodeImage(await noiseJpeg(10, 10), { maxPixels: 0 }),
      rejectsWith('MEDIA_INVALID_OPTION', /maxPixels/),
    );
  });

  it('names what is wrong with empty, truncated and non-image input', async () => {
    const jpeg = await noiseJpeg();
    await assert.rejects(decodeImage(new Uint8Array(0)), rejectsWith('MEDIA_EMPTY', /empty/));
    await assert.rejects(
      decodeImage(jpeg.subarray(0, jpeg.length >> 1)),
      rejectsWith('MEDIA_DECODE_FAILED', /jpeg.*premature end/i),
    );
    await assert.rejects(
      decodeImage(Buffer.from('not an image')),
      rejectsWith('MEDIA_UNSUPPORTED_FORMAT', /unsupported image format/),
    );
  });
});

describe('hashImageFile', () => {
  it('hashes a file: PDQ, quality, digests of the exact bytes, size', async () => {
    const { good } = await writeBadInputs();
    const path = good[0] as string;
    const result = await hashImageFile(path);
    const bytes = await readFile(path);
    assert.deepEqual({ md5: result.md5, sha256: result.sha256 }, digestBytes(bytes));
    assert.equal(result.md5.length, 32);
    assert.equal(result.sha256.length, 64);
    assert.deepEqual([result.width, result.height, result.format], [320, 240, 'jpeg']);
    assert.ok(result.quality >= 50);
    assert.equal(result.dihedrals, undefined);
    // The rotated PNG copy matches through the original's dihedral hashes.
    const withDihedrals = await hashImageFile(path, { dihedrals: true });
    const rotated = parsePdqHex((await hashImageFile(good[1] as string)).pdq);
    const best = Math.min(
      ...Object.values(withDihedrals.dihedrals ?? {}).map((h) => hammingDistance(parsePdqHex(h), rotated)),
    );
    assert.ok(best <= 31, `rotated copy is ${best} bits from the nearest dihedral (match threshold 31)`);
  });

  it('digests match known MD5 and SHA-256 values', () => {
    assert.deepEqual(digestBytes(Buffer.from('abc')), {
      md5: '900150983cd24fb0d6963f7d28e17f72',
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    });
  });

  it('gives a per-file error for each bad input', async () => {
    const { bad } = await writeBadInputs();
    const expected: Record<keyof typeof bad, [string, RegExp]> = {
      empty: ['MEDIA_EMPTY', /empty/],
      truncated: ['MEDIA_DECODE_FAILED', /premature end/i],
      text: ['MEDIA_UNSUPPORTED_FORMAT', /unsupported/],
      tiny: ['MEDIA_TOO_SMALL', /1x1; PDQ needs at least 5x5/],
      bomb: ['MEDIA_TOO_MANY_PIXELS', /30000x30000/],
      missing: ['MEDIA_READ_FAILED', /no such file/],
    };
    for (const [name, [code, message]] of Object.entries(expected)) {
      await assert.rejects(hashImageFile(bad[name as keyof typeof bad]), rejectsWith(code, message), name);
    }
    await assert.rejects(
      hashImageFile(bad.missing.replace('does-not-exist.png', '')),
      rejectsWith('MEDIA_READ_FAILED', /is a directory/),
    );
  });

  it('hashImageBytes of the same bytes is deterministic', async () => {
    const jpeg = await noiseJpeg();
    const [a, b] = await Promise.all([hashImageBytes(jpeg), hashImageBytes(jpeg)]);
    assert.deepEqual(a, b);
  });
});
