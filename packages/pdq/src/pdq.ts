import { BlurScratch, blurAndDecimate, blurAndDecimateRows } from './blur.js';
import { DIHEDRAL_NAMES, type DihedralName, dct64To16, dihedralDct } from './dct.js';
import { emptyHash, type PdqHash } from './hash.js';
import { type PixelBuffer, pixelRowSource, validatePixelBuffer } from './luma.js';
import { torbenMedian } from './median.js';
import { qualityFrom64x64 } from './quality.js';

/** Images with a side shorter than this hash to all zeros with quality 0, as in the reference. */
export const MIN_HASHABLE_DIMENSION = 5;

export interface PdqResult {
  hash: PdqHash;
  /** 0..100; below PDQ_QUALITY_THRESHOLD (50) the hash is too weak to match on. */
  quality: number;
}

export type DihedralHashes = Record<DihedralName, PdqHash>;

export interface PdqDihedralResult extends PdqResult {
  dihedrals: DihedralHashes;
}

/** Intermediate buffers, for debugging a port and for modes that need the float DCT. */
export interface PdqIntermediates {
  quality: number;
  downsample64x64: Float32Array;
  dct16x16: Float32Array;
  median: number;
}

/** Sets bit (i*16 + j) when coefficient [i][j] is strictly greater than the median. */
export function dctToHash(dct: Float32Array): PdqHash {
  const median = torbenMedian(dct);
  const hash = emptyHash();
  for (let k = 0; k < 256; k++) {
    if ((dct[k] as number) > median) hash[k >> 5] = ((hash[k >> 5] as number) | (1 << (k & 31))) >>> 0;
  }
  return hash;
}

/**
 * Hashes a float32 luma plane (rows x cols, row-major). The plane is used as scratch and is
 * overwritten. Returns null intermediates for images under MIN_HASHABLE_DIMENSION.
 */
export function pdqIntermediatesFromLuma(
  luma: Float32Array,
  width: number,
  height: number,
  scratch?: BlurScratch,
): PdqIntermediates | null {
  if (width < MIN_HASHABLE_DIMENSION || height < MIN_HASHABLE_DIMENSION) return null;
  return intermediatesFrom64x64(blurAndDecimate(luma, height, width, scratch));
}

function intermediatesFrom64x64(downsample64x64: Float32Array): PdqIntermediates {
  const quality = qualityFrom64x64(downsample64x64);
  const dct16x16 = dct64To16(downsample64x64);
  return { quality, downsample64x64, dct16x16, median: torbenMedian(dct16x16) };
}

/**
 * A reusable hasher: keeps its scratch buffers between calls, so hashing a stream of images
 * allocates nothing per image beyond the result. Not safe to share across concurrent workers.
 */
export class PdqHasher {
  private readonly scratch = new BlurScratch();

  hash(image: PixelBuffer): PdqResult {
    const inter = this.intermediates(image);
    if (!inter) return { hash: emptyHash(), quality: 0 };
    return { hash: dctToHash(inter.dct16x16), quality: inter.quality };
  }

  hashWithDihedrals(image: PixelBuffer): PdqDihedralResult {
    const inter = this.intermediates(image);
    const dihedrals = {} as DihedralHashes;
    if (!inter) {
      for (const name of DIHEDRAL_NAMES) dihedrals[name] = emptyHash();
      return { hash: emptyHash(), quality: 0, dihedrals };
    }
    const transformed = new Float32Array(256);
    for (const name of DIHEDRAL_NAMES) {
      dihedrals[name] = dctToHash(dihedralDct(inter.dct16x16, name, transformed));
    }
    return { hash: dihedrals.original, quality: inter.quality, dihedrals };
  }

  intermediates(image: PixelBuffer): PdqIntermediates | null {
    validatePixelBuffer(image);
    const { width, height } = image;
    if (width < MIN_HASHABLE_DIMENSION || height < MIN_HASHABLE_DIMENSION) return null;
    // Luma is computed row by row as the blur consumes it; it comes from 8-bit pixels
    // (pixelLuma: lets power-of-two window averages skip a rounding, see blurSampled).
    const pixelLuma = true;
    return intermediatesFrom64x64(
      blurAndDecimateRows(pixelRowSource(image), height, width, this.scratch, pixelLuma),
    );
  }
}

let sharedHasher: PdqHasher | undefined;

/** PDQ hash and quality of decoded pixels, full resolution (no pre-resize), bit-exact. */
export function pdqHash(image: PixelBuffer): PdqResult {
  sharedHasher ??= new PdqHasher();
  return sharedHasher.hash(image);
}

/** The hash of the image and of its seven rotations/reflections, from one pass. */
export function pdqHashWithDihedrals(image: PixelBuffer): PdqDihedralResult {
  sharedHasher ??= new PdqHasher();
  return sharedHasher.hashWithDihedrals(image);
}
