// The images and bank the detection integration tests share: a known drawing placed in a bank of
// 40 filler hashes, its near-duplicate (halved, cropped 1% a side, brightness +5%, JPEG q70) and
// an unrelated drawing. Benign data only: "known" is an ordinary generated drawing.
import { hashImageBytes } from '@safelight/media';
import { type PdqHash, parsePdqHex } from '@safelight/pdq';
import { drawing, nearDuplicate } from '../../packages/detection/src/test-support/fixtures.js';

/** How a device hashes an image (the SDK's `hashImage` option). */
export async function hashImage(bytes: Uint8Array): Promise<{ pdq: PdqHash; quality: number }> {
  const hashes = await hashImageBytes(bytes);
  return { pdq: parsePdqHex(hashes.pdq), quality: hashes.quality };
}

/** Deterministic filler hashes, far (about 128 bits) from any drawing. */
function fillerHash(i: number): PdqHash {
  const words = new Uint32Array(8);
  for (let w = 0; w < 8; w++) words[w] = (Math.imul(i + 1, 2654435761) ^ Math.imul(w + 7, 40503)) >>> 0;
  return words;
}

export async function detectionTestImages() {
  const known = await drawing(1);
  const { pdq } = await hashImage(known);
  return {
    known,
    reshared: await nearDuplicate(known),
    unrelated: await drawing(202),
    bank: {
      bankName: 'TEST_KNOWN_IMAGES',
      entries: [
        ...Array.from({ length: 40 }, (_, i) => ({ id: `random-${i}`, pdq: fillerHash(i) })),
        { id: 'known-drawing', pdq },
      ],
    },
  };
}
