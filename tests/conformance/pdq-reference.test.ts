/**
 * Conformance with the PDQ reference implementation, on the vectors in ../shared/data/pdq
 * (see its README.txt). Runs when that folder exists (it does in CI).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { decodeImage, hashImageFile } from '@safelight/media';
import {
  DIHEDRAL_NAMES,
  formatPdqHex,
  hammingDistance,
  PdqHasher,
  parsePdqHex,
  type SyntheticKind,
  syntheticImage,
} from '@safelight/pdq';
import { hasSharedData, readCsv, sharedPath } from '../support/shared-data.js';

const skip = hasSharedData('pdq', 'generated') ? false : '../shared/data/pdq is not present';
const DIHEDRAL_COLUMNS = [
  'dih_orig',
  'dih_rot90',
  'dih_rot180',
  'dih_rot270',
  'dih_flipx',
  'dih_flipy',
  'dih_flipplus1',
  'dih_flipminus1',
];

function assertFullMatch(
  row: Record<string, string>,
  result: ReturnType<PdqHasher['hashWithDihedrals']>,
  label: string,
): void {
  assert.equal(formatPdqHex(result.hash), row.pdq_hash, `${label}: hash`);
  assert.equal(String(result.quality), row.quality, `${label}: quality`);
  DIHEDRAL_NAMES.forEach((name, i) => {
    assert.equal(
      formatPdqHex(result.dihedrals[name]),
      row[DIHEDRAL_COLUMNS[i] as string],
      `${label}: ${name}`,
    );
  });
}

describe('PDQ reference conformance', { skip }, () => {
  const hasher = new PdqHasher();

  it('pixel vectors: hash, quality and all eight dihedrals are bit-exact', async () => {
    const rows = readCsv(sharedPath('pdq', 'generated', 'pixel-vectors-expected.csv'));
    assert.ok(rows.length >= 13);
    for (const row of rows) {
      const image = await decodeImage(await readFile(sharedPath('pdq', row.png as string)));
      assertFullMatch(row, hasher.hashWithDihedrals(image), row.png as string);
    }
    console.log(`pixel vectors: ${rows.length}/${rows.length} bit-exact`);
  });

  it('ROBUST synthetic rows: regenerated pixels hash bit-exactly (and equal the stored PNGs)', async () => {
    const robust = /^(noise-|gradient-63x65$|checker-1000x333$|\w+-4x4$)/;
    const rows = readCsv(sharedPath('pdq', 'generated', 'synthetic-expected.csv')).filter((r) =>
      robust.test(r.label as string),
    );
    assert.ok(rows.length >= 8, `expected the robust rows, found ${rows.length}`);
    for (const row of rows) {
      const label = row.label as string;
      const kind = label.split('-')[0] as SyntheticKind;
      const image = syntheticImage(kind, Number(row.width), Number(row.height));
      if (hasSharedData('pdq', 'generated', 'synthetic', `${label}.png`)) {
        const stored = await decodeImage(
          await readFile(sharedPath('pdq', 'generated', 'synthetic', `${label}.png`)),
        );
        assert.deepEqual(
          Buffer.from(stored.data),
          Buffer.from(image.data),
          `${label}: formula differs from the PNG`,
        );
      }
      assertFullMatch(row, hasher.hashWithDihedrals(image), label);
    }
    console.log(`synthetic ROBUST rows: ${rows.length}/${rows.length} bit-exact`);
  });

  it('full-resolution pipeline through packages/media: PNG exact, others within tolerance', async () => {
    const rows = readCsv(sharedPath('pdq', 'generated', 'fullres-expected.csv'));
    let exact = 0;
    const report: string[] = [];
    for (const row of rows) {
      const file = row.file as string;
      const result = await hashImageFile(sharedPath('pdq', file));
      const distance = hammingDistance(parsePdqHex(result.pdq), parsePdqHex(row.pdq_hash as string));
      const expectedQuality = Number(row.quality);
      if (distance === 0) exact++;
      else report.push(`${file}: ${distance} bits`);
      // The data README marks I16.png decoder-specific (16-bit grey: every decoder reduces it differently).
      if (file.endsWith('/I16.png')) continue;
      if (file.endsWith('.png')) {
        assert.equal(distance, 0, `${file}: PNG must hash exactly, ${distance} bits off`);
        assert.equal(result.quality, expectedQuality, `${file}: quality`);
      } else {
        if (expectedQuality >= 80) assert.ok(distance <= 10, `${file}: ${distance} bits off (limit 10)`);
        assert.ok(
          Math.abs(result.quality - expectedQuality) <= 2,
          `${file}: quality ${result.quality} vs ${expectedQuality}`,
        );
      }
    }
    console.log(
      `full-resolution rows matched exactly: ${exact}/${rows.length}${report.length ? ` (off: ${report.join('; ')})` : ''}`,
    );
    assert.ok(exact >= rows.length - 1, `only ${exact}/${rows.length} exact`);
  });

  it('matching sanity: bridge vs pen-and-coaster is 138 bits; bridge-mods stay within 31 of the original', async () => {
    const bridge = parsePdqHex(
      (await hashImageFile(sharedPath('pdq', 'pdq/data/reg-test-input/dih/bridge-1-original.jpg'))).pdq,
    );
    const pen = parsePdqHex(
      (await hashImageFile(sharedPath('pdq', 'pdq/data/reg-test-input/pen-and-coaster.png'))).pdq,
    );
    assert.equal(hammingDistance(bridge, pen), 138);
    for (const mod of ['blur-a-lot', 'high-contrast', 'sharpen-a-lot', 'shrink-a-lot', 'square-128x128']) {
      const hash = parsePdqHex(
        (await hashImageFile(sharedPath('pdq', `pdq/data/bridge-mods/${mod}.jpg`))).pdq,
      );
      assert.ok(hammingDistance(bridge, hash) <= 31, `${mod}: ${hammingDistance(bridge, hash)}`);
    }
  });
});
