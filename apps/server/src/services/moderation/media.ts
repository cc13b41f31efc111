import sharp from 'sharp';
import { ServerError } from '../../errors.js';
import type { EvidenceFiles } from '../../evidence.js';

/** A preserved file a staff member may open (checked and, when revealed, recorded). */
export interface PreservedFileRef {
  readonly reportId: string;
  readonly file: number;
  readonly mediaType: string;
}

/**
 * The bytes shown for a preserved file: the original when revealed, else a blurred greyscale JPEG
 * (moderator wellbeing). Media without a safe preview are only shown revealed.
 */
export async function renderPreservedFile(
  files: EvidenceFiles,
  ref: PreservedFileRef,
  reveal: boolean,
): Promise<{ mediaType: string; bytes: Buffer }> {
  if (!reveal && !ref.mediaType.startsWith('image/'))
    throw new ServerError('FORBIDDEN', 'this media type is only shown revealed (no safe preview)');
  const bytes = await files.get(ref.reportId, ref.file);
  if (reveal) return { mediaType: ref.mediaType, bytes: Buffer.from(bytes) };
  const preview = await sharp(bytes, { limitInputPixels: 50_000_000 })
    .resize(320, 320, { fit: 'inside' })
    .greyscale()
    .toColourspace('b-w')
    .blur(12)
    .jpeg({ quality: 60 })
    .toBuffer();
  return { mediaType: 'image/jpeg', bytes: preview };
}
