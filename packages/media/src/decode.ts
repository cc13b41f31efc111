import { readFile } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import { MediaError } from './errors.js';

/**
 * Image decoding for hashing, through sharp (libvips).
 *
 * Defaults are chosen so our hashes equal the hashes that hash-sharing programmes exchange
 * (computed with PIL or CImg at full resolution):
 * - EXIF orientation is NOT applied: exchanged hashes are of the stored pixels.
 * - An embedded ICC profile is NOT applied: PIL and CImg ignore it, and applying it moved
 *   pen-and-coaster.png by 2 bits and the python-threatexchange RGBA sample by 4 bits from the
 *   reference (see docs/pdq.md). Both are options for callers that want displayed pixels.
 * - Alpha is dropped (not composited), grey is replicated to RGB, CMYK is converted to sRGB,
 *   animated images (GIF, WebP) give their first frame, 16-bit images are reduced to 8 bits.
 */
export interface DecodeOptions {
  /** Rotate/flip by the EXIF orientation tag before hashing. Default false. */
  applyExifOrientation?: boolean;
  /** Transform through an embedded ICC profile to sRGB. Default false. */
  applyIccProfile?: boolean;
  /** Refuse images with more pixels than this (decompression bombs). Default 178,956,970. */
  maxPixels?: number;
}

/**
 * PIL's decompression-bomb limit (2 x 89,478,485 pixels, about 13,000 x 13,000): large enough
 * for any real photo, small enough that a hostile header cannot make us allocate gigabytes.
 */
export const DEFAULT_MAX_PIXELS = 178_956_970;

/** Formats sharp can decode for hashing here. */
export const SUPPORTED_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif'] as const;

export interface DecodedImage {
  /** Interleaved 8-bit RGB, row-major, no padding. */
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
  /** The container format sharp detected (jpeg, png, ...). */
  format: string;
}

function validateOptions(options: DecodeOptions): number {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1) {
    throw new MediaError('MEDIA_INVALID_OPTION', `maxPixels must be a positive integer, got ${maxPixels}`);
  }
  return maxPixels;
}

/** Decodes encoded image bytes to RGB. Throws MediaError with a reason a person can act on. */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const maxPixels = validateOptions(options);
  if (bytes.length === 0) throw new MediaError('MEDIA_EMPTY', 'file is empty (0 bytes)');

  const input = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let metadata: Metadata;
  try {
    // Reading the header first lets us refuse a bomb before any pixel is allocated.
    metadata = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (cause) {
    throw new MediaError('MEDIA_UNSUPPORTED_FORMAT', `not a decodable image: ${reason(cause)}`, { cause });
  }
  const format = metadata.format ?? 'unknown';
  if (!(SUPPORTED_FORMATS as readonly string[]).includes(format)) {
    throw new MediaError('MEDIA_UNSUPPORTED_FORMAT', `unsupported image format "${format}"`);
  }
  const width = metadata.width ?? 0;
  const height = metadata.height ?? 0;
  if (width * height > maxPixels) {
    throw new MediaError(
      'MEDIA_TOO_MANY_PIXELS',
      `image is ${width}x${height} (${width * height} pixels), over the limit of ${maxPixels}`,
    );
  }

  try {
    let pipeline = sharp(input, {
      limitInputPixels: maxPixels,
      ignoreIcc: !options.applyIccProfile,
      // Truncated or corrupt data is an error, not a silently grey bottom half.
      failOn: 'warning',
      pages: 1,
    });
    if (options.applyExifOrientation) pipeline = pipeline.autoOrient();
    const { data, info } = await pipeline
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
      throw new Error(`decoder returned ${info.channels} channels for ${info.width}x${info.height}`);
    }
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
      channels: 3,
      format,
    };
  } catch (cause) {
    if (cause instanceof MediaError) throw cause;
    throw new MediaError('MEDIA_DECODE_FAILED', `cannot decode ${format}: ${reason(cause)}`, { cause });
  }
}

/** Reads a file whole. Errors name the reason (missing, a directory, permission). */
export async function readMediaFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied'
            : reason(cause);
    throw new MediaError('MEDIA_READ_FAILED', `cannot read file: ${why}`, { cause });
  }
}

function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // libvips messages carry a trailing newline and sometimes several lines; keep the first.
  return text.trim().split('\n')[0] ?? text;
}
