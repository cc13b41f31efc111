// Benign fixtures for the detection modes: drawn pictures (SVG rendered by sharp), one of them
// placed in a bank as the "known" image, its near-duplicate as a sender would re-share it, and
// unrelated pictures. Nothing here resembles abuse material; "known bad" is an ordinary drawing.

import { randomHash, seededRandom } from '@safelight/hashbank';
import { hashImageBytes } from '@safelight/media';
import { hammingDistance, type PdqHash, parsePdqHex } from '@safelight/pdq';
import sharp from 'sharp';
import type { BankSnapshot, DetectionContext, ImageSignals } from '../mode.js';

/** A picture of coloured shapes; `seed` picks the layout. */
export async function drawing(seed: number, width = 640, height = 480): Promise<Buffer> {
  const next = seededRandom(seed); // uint32s
  const random = () => next() / 2 ** 32;
  const shapes: string[] = [];
  for (let i = 0; i < 14; i++) {
    const x = Math.round(random() * width);
    const y = Math.round(random() * height);
    const r = Math.round(20 + random() * 120);
    const colour = `rgb(${Math.round(random() * 255)},${Math.round(random() * 255)},${Math.round(random() * 255)})`;
    shapes.push(
      random() < 0.5
        ? `<circle cx="${x}" cy="${y}" r="${r}" fill="${colour}"/>`
        : `<rect x="${x - r}" y="${y - r / 2}" width="${2 * r}" height="${r}" fill="${colour}"/>`,
    );
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="rgb(${Math.round(random() * 255)},200,180)"/>${shapes.join('')}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** The acceptance test's re-share: halved, cropped 1% a side, brightness +5%, JPEG quality 70. */
export async function nearDuplicate(image: Buffer): Promise<Buffer> {
  const meta = await sharp(image).metadata();
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const dx = Math.round(width * 0.01);
  const dy = Math.round(height * 0.01);
  return sharp(image)
    .extract({ left: dx, top: dy, width: width - 2 * dx, height: height - 2 * dy })
    .resize(Math.round(width / 2))
    .modulate({ brightness: 1.05 })
    .jpeg({ quality: 70 })
    .toBuffer();
}

export async function signalsOf(bytes: Buffer, context: DetectionContext): Promise<ImageSignals> {
  const hashes = await hashImageBytes(bytes);
  return { pdq: parsePdqHex(hashes.pdq), quality: hashes.quality, bytes, context };
}

export interface DetectionFixtures {
  readonly bank: BankSnapshot;
  /** The id of the known image's bank entry. */
  readonly knownEntryId: string;
  readonly knownImage: Buffer;
  readonly nearDuplicate: ImageSignals;
  /** Its distance to the bank entry (asserted within radius by the fixture itself). */
  readonly nearDuplicateDistance: number;
  readonly unrelated: ImageSignals[];
  /** An image whose hash is in the bank but whose quality is under the floor (a flat picture). */
  readonly lowQuality: ImageSignals;
  readonly lowQualityEntryId: string;
  readonly context: DetectionContext;
}

let cached: Promise<DetectionFixtures> | undefined;

/** Built once per process: a bank of `size` random hashes plus the known and low-quality images. */
export function detectionFixtures(size = 2000): Promise<DetectionFixtures> {
  cached ??= build(size);
  return cached;
}

async function build(size: number): Promise<DetectionFixtures> {
  const context: DetectionContext = {
    accountId: 'acct_test',
    conversationId: 'conv_test',
    messageId: 'msg_test_1',
  };
  const knownImage = await drawing(1);
  const known = await signalsOf(knownImage, context);
  const near = await signalsOf(await nearDuplicate(knownImage), context);
  const nearDuplicateDistance = hammingDistance(known.pdq, near.pdq);
  if (nearDuplicateDistance > 31)
    throw new Error(`fixture: near-duplicate is ${nearDuplicateDistance} bits away`);
  const flat = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#7a7a7a' } })
    .png()
    .toBuffer();
  const lowQuality = await signalsOf(flat, context);
  const unrelated: ImageSignals[] = [];
  for (const seed of [101, 202, 303, 404]) unrelated.push(await signalsOf(await drawing(seed), context));
  const random = seededRandom(7);
  const entries: Array<{ id: string; pdq: PdqHash }> = [];
  for (let i = 0; i < size; i++) entries.push({ id: `random-${i}`, pdq: randomHash(random) });
  entries.push({ id: 'known-drawing', pdq: known.pdq });
  entries.push({ id: 'flat-picture', pdq: lowQuality.pdq });
  return {
    bank: { bankName: 'TEST_KNOWN_IMAGES', entries },
    knownEntryId: 'known-drawing',
    knownImage,
    nearDuplicate: near,
    nearDuplicateDistance,
    unrelated,
    lowQuality,
    lowQualityEntryId: 'flat-picture',
    context,
  };
}
