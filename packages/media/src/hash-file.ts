import { type DihedralHashes, formatPdqHex, MIN_HASHABLE_DIMENSION, PdqHasher } from '@safelight/pdq';
import { type DecodeOptions, decodeImage, readMediaFile } from './decode.js';
import { digestBytes } from './digest.js';
import { MediaError } from './errors.js';

/** Everything Safelight records about an image file for matching. */
export interface ImageFileHashes {
  pdq: string;
  quality: number;
  md5: string;
  sha256: string;
  width: number;
  height: number;
  format: string;
  /** The eight dihedral PDQ hashes, when asked for. */
  dihedrals?: Record<keyof DihedralHashes, string>;
}

export interface HashFileOptions extends DecodeOptions {
  dihedrals?: boolean;
}

/**
 * Reads, digests, decodes and PDQ-hashes image bytes. One hasher per caller (it keeps scratch
 * buffers); errors are MediaError with a reason.
 */
export async function hashImageBytes(
  bytes: Uint8Array,
  options: HashFileOptions = {},
  hasher: PdqHasher = new PdqHasher(),
): Promise<ImageFileHashes> {
  const digests = digestBytes(bytes);
  const image = await decodeImage(bytes, options);
  // The PDQ core follows the reference and gives such images an all-zero hash with quality 0.
  // As a file result that would be a hash that "matches" every other tiny image, so it is an error.
  if (image.width < MIN_HASHABLE_DIMENSION || image.height < MIN_HASHABLE_DIMENSION) {
    throw new MediaError(
      'MEDIA_TOO_SMALL',
      `image is ${image.width}x${image.height}; PDQ needs at least ${MIN_HASHABLE_DIMENSION}x${MIN_HASHABLE_DIMENSION} pixels`,
    );
  }
  const base = {
    md5: digests.md5,
    sha256: digests.sha256,
    width: image.width,
    height: image.height,
    format: image.format,
  };
  if (!options.dihedrals) {
    const { hash, quality } = hasher.hash(image);
    return { pdq: formatPdqHex(hash), quality, ...base };
  }
  const { hash, quality, dihedrals } = hasher.hashWithDihedrals(image);
  const hex = Object.fromEntries(
    Object.entries(dihedrals).map(([name, value]) => [name, formatPdqHex(value)]),
  ) as Record<keyof DihedralHashes, string>;
  return { pdq: formatPdqHex(hash), quality, ...base, dihedrals: hex };
}

export async function hashImageFile(
  path: string,
  options: HashFileOptions = {},
  hasher?: PdqHasher,
): Promise<ImageFileHashes> {
  return hashImageBytes(await readMediaFile(path), options, hasher);
}
