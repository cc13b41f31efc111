import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashImageFile } from '@safelight/media';
import {
  DIHEDRAL_NAMES,
  formatPdqHex,
  hammingDistance,
  PDQ_MATCH_THRESHOLD,
  type PixelBuffer,
  parsePdqHex,
} from '@safelight/pdq';
import sharp, { type Sharp } from 'sharp';
import { formatTable } from '../table.js';

/**
 * The quick-start job: make a few benign pattern images and everyday edits of them (re-encoding,
 * resizing, blurring, brightening, cropping, rotating), hash everything, and show which edits
 * still match their original. Only generated test patterns are used, never real photos.
 */
const ORIGINALS: Array<{ name: string; seed: number }> = [
  { name: 'clouds', seed: 1 },
  { name: 'marble', seed: 2 },
  { name: 'dunes', seed: 3 },
];

const EDITS: Array<{ name: string; apply: (image: Sharp, width: number, height: number) => Sharp }> = [
  { name: 'jpeg-q60', apply: (image) => image.jpeg({ quality: 60 }) },
  { name: 'half-size', apply: (image, w, h) => image.resize(Math.round(w / 2), Math.round(h / 2)).png() },
  { name: 'blurred', apply: (image) => image.blur(2).png() },
  { name: 'brighter', apply: (image) => image.modulate({ brightness: 1.2 }).png() },
  // PDQ is not built to survive crops; this row shows that limit honestly.
  {
    name: 'cropped-3pc',
    apply: (image, w, h) =>
      image
        .extract({
          left: Math.round(w * 0.03),
          top: Math.round(h * 0.03),
          width: Math.round(w * 0.94),
          height: Math.round(h * 0.94),
        })
        .png(),
  },
  { name: 'rotated-90', apply: (image) => image.rotate(90).png() },
];

function toSharp(pixels: PixelBuffer): Sharp {
  return sharp(Buffer.from(pixels.data), {
    raw: { width: pixels.width, height: pixels.height, channels: 3 },
  });
}

/** Seeded random colour grid of `cols` x `rows` (xorshift32: reproducible on every machine). */
function randomGrid(cols: number, rows: number, seed: number): PixelBuffer {
  let state = (0x9e3779b9 * seed) >>> 0 || 1;
  const data = new Uint8Array(cols * rows * 3);
  for (let i = 0; i < data.length; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    data[i] = state & 255;
  }
  return { data, width: cols, height: rows, channels: 3 };
}

/**
 * A soft, photo-like texture: random grids at three scales, smoothly enlarged and blended, so the
 * image has structure at every scale (symmetric test patterns are poor PDQ subjects).
 */
async function makeOriginal(seed: number): Promise<Buffer> {
  const layers = await Promise.all(
    [
      [4, 3],
      [12, 9],
      [40, 30],
    ].map(([cols, rows], i) =>
      toSharp(randomGrid(cols as number, rows as number, seed * 10 + i))
        .resize(640, 480, { kernel: 'cubic' })
        .png()
        .toBuffer(),
    ),
  );
  return sharp(layers[0])
    .composite([
      { input: layers[1], blend: 'soft-light' },
      { input: layers[2], blend: 'overlay' },
    ])
    .blur(1.5)
    .png()
    .toBuffer();
}

export async function runDemo(dir: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  const rows: string[][] = [['image', 'edit', 'quality', 'distance', 'match (<= 31)']];
  const originals: Array<{ name: string; pdq: Uint32Array; dihedrals: Uint32Array[] }> = [];
  for (const { name, seed } of ORIGINALS) {
    const path = join(dir, `${name}.png`);
    await writeFile(path, await makeOriginal(seed));
    const hashes = await hashImageFile(path, { dihedrals: true });
    const dihedrals = DIHEDRAL_NAMES.map((d) => parsePdqHex(hashes.dihedrals?.[d] ?? hashes.pdq));
    originals.push({ name, pdq: parsePdqHex(hashes.pdq), dihedrals });
    rows.push([name, '(original)', String(hashes.quality), '0', 'yes']);
  }
  let matched = 0;
  let total = 0;
  for (const original of originals) {
    const source = join(dir, `${original.name}.png`);
    const { width = 0, height = 0 } = await sharp(source).metadata();
    for (const edit of EDITS) {
      const extension = edit.name.startsWith('jpeg') ? 'jpg' : 'png';
      const path = join(dir, `${original.name}-${edit.name}.${extension}`);
      await edit.apply(sharp(source), width, height).toFile(path);
      const hashes = await hashImageFile(path);
      const hash = parsePdqHex(hashes.pdq);
      // Rotations match through the original's dihedral hashes, computed in the same pass.
      const distance = Math.min(...original.dihedrals.map((d) => hammingDistance(d, hash)));
      const match = distance <= PDQ_MATCH_THRESHOLD;
      total++;
      if (match) matched++;
      rows.push([original.name, edit.name, String(hashes.quality), String(distance), match ? 'yes' : 'no']);
    }
  }
  // Unrelated images must not match each other.
  let falseMatches = 0;
  for (let i = 0; i < originals.length; i++) {
    for (let j = i + 1; j < originals.length; j++) {
      const a = originals[i] as (typeof originals)[number];
      const b = originals[j] as (typeof originals)[number];
      if (hammingDistance(a.pdq, b.pdq) <= PDQ_MATCH_THRESHOLD) falseMatches++;
    }
  }
  // The originals as a bank: `safelight serve --bank <dir>/bank.txt` (the quick start does) makes
  // the web messenger's devices match outgoing images against it (client-match detection).
  await writeFile(
    join(dir, 'bank.txt'),
    `# safelight demo bank: the benign demo originals (PDQ hex, entry id)\n${originals
      .map((o) => `${formatPdqHex(o.pdq)} demo-${o.name}`)
      .join('\n')}\n`,
  );
  process.stdout.write(formatTable(rows));
  console.log(
    `\n${matched}/${total} edited copies matched their original; ${falseMatches} false matches between unrelated originals.` +
      `\nImages are in ${dir}. Hash your own with: safelight hash ${dir}` +
      `\nThe originals are a bank in ${join(dir, 'bank.txt')} (safelight serve --bank uses it).`,
  );
  return 0;
}
