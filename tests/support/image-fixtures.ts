import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { syntheticImage } from '@safelight/pdq';
import sharp from 'sharp';

/**
 * Benign image files for tests: generated patterns, and the hostile shapes the hasher must
 * survive (empty, truncated, not an image, too small, a decompression-bomb header).
 */
export async function tempDir(prefix = 'safelight-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A valid PNG header claiming width x height RGB, with almost no pixel data behind it. */
export function pngBombHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export async function noiseJpeg(width = 320, height = 240): Promise<Buffer> {
  const image = syntheticImage('noise', width, height);
  return sharp(Buffer.from(image.data), { raw: { width, height, channels: 3 } })
    .blur(2)
    .jpeg({ quality: 90 })
    .toBuffer();
}

export async function solidPng(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
}

export interface BadInputs {
  dir: string;
  good: string[];
  bad: Record<'empty' | 'truncated' | 'text' | 'tiny' | 'bomb' | 'missing', string>;
}

/** A folder with two good JPEGs and every kind of bad input, plus a path that does not exist. */
export async function writeBadInputs(): Promise<BadInputs> {
  const dir = await tempDir();
  const jpeg = await noiseJpeg();
  const files = {
    good: [join(dir, 'good-1.jpg'), join(dir, 'good-2.png')],
    empty: join(dir, 'empty.jpg'),
    truncated: join(dir, 'truncated.jpg'),
    text: join(dir, 'text.jpg'),
    tiny: join(dir, 'tiny.png'),
    bomb: join(dir, 'bomb.png'),
  };
  await writeFile(files.good[0] as string, jpeg);
  await writeFile(files.good[1] as string, await sharp(jpeg).rotate(90).png().toBuffer());
  await writeFile(files.empty, Buffer.alloc(0));
  await writeFile(files.truncated, jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  await writeFile(files.text, 'this is a text file with a .jpg name\n');
  await writeFile(files.tiny, await solidPng(1, 1));
  await writeFile(files.bomb, pngBombHeader(30000, 30000));
  const { good, ...bad } = files;
  return { dir, good, bad: { ...bad, missing: join(dir, 'does-not-exist.png') } };
}
