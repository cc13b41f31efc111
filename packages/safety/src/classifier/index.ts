/**
 * On-device image safeguards: the classifier interface and the blur policy. Isomorphic and free
 * of any model: the nsfwjs implementation lives behind the `@safelight/safety/classifier/nsfwjs`
 * export (it pulls TensorFlow.js), with a Node decoder in `@safelight/safety/classifier/node`.
 */
import { SafetyError } from '../errors.js';

/** Decoded pixels, 4 bytes per pixel (red, green, blue, alpha), row by row. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** Either decoded pixels or an encoded image file (JPEG, PNG, WebP) that the adapter decodes. */
export type ClassifierInput = RgbaImage | Uint8Array;

export interface ClassifierResult {
  /** Probability-like score in [0, 1] that the image shows nudity or sexual content. */
  readonly nudity: number;
}

export interface ImageClassifier {
  /**
   * Classifies one image on the device. Throws SafetyError SAFETY_CLASSIFIER_UNAVAILABLE when the
   * model is missing or corrupt, SAFETY_IMAGE_INVALID when the image cannot be read.
   */
  classify(image: ClassifierInput): Promise<ClassifierResult>;
}

/** Turns an encoded image file into pixels (sharp on Node, createImageBitmap in browsers). */
export type ImageDecoder = (bytes: Uint8Array) => Promise<RgbaImage>;

/**
 * Blur when `nudity >= blurAt`. 0.5 by default: nsfwjs' own reading (the most likely of its five
 * classes is porn, hentai or sexy) is close to "the three together reach one half". Blurring is a
 * tap-to-view screen, so a false positive costs the child one tap; a miss costs more.
 */
export const DEFAULT_BLUR_THRESHOLD = 0.5;

export function isRgbaImage(input: ClassifierInput): input is RgbaImage {
  return !(input instanceof Uint8Array);
}

/** Checks RGBA dimensions and length; SAFETY_IMAGE_INVALID names the problem. */
export function checkRgbaImage(image: RgbaImage): void {
  const { width, height, data } = image;
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 1 ||
    height < 1 ||
    width * height > 50_000_000
  ) {
    throw new SafetyError(
      'SAFETY_IMAGE_INVALID',
      'image',
      `image dimensions ${width}x${height} are not acceptable`,
    );
  }
  if (
    !(data instanceof Uint8Array || data instanceof Uint8ClampedArray) ||
    data.length !== width * height * 4
  ) {
    throw new SafetyError(
      'SAFETY_IMAGE_INVALID',
      'image.data',
      `expected ${width * height * 4} RGBA bytes for ${width}x${height}, got ${(data as { length?: number })?.length}`,
    );
  }
}

/** Why an image is (or is not) blurred for a minor. */
export type BlurReason =
  /** Shown: not a minor, safeguards off, or the classifier found no nudity. */
  | 'none'
  /** From someone who is not a contact while the minor's `mediaFrom` is `contacts`. */
  | 'non-contact'
  /** The classifier scored it at or above the threshold. */
  | 'nudity'
  /** The classifier could not run; images from non-contacts are blurred rather than shown. */
  | 'classifier-unavailable';

export interface BlurDecision {
  readonly blur: boolean;
  readonly reason: BlurReason;
  /** The classifier's score when it ran. */
  readonly nudity?: number;
}

export interface BlurContext {
  /** Is the receiving account a minor with safeguards on? */
  readonly protectedMinor: boolean;
  /** Is the sender an accepted contact (or the minor's linked parent)? */
  readonly fromContact: boolean;
  /** The minor's `mediaFrom` setting. */
  readonly mediaFrom: 'contacts' | 'everyone';
}

/** The decision before the image is downloaded: a fail-safe default for non-contacts. */
export function blurOnReceipt(context: BlurContext): BlurDecision {
  if (!context.protectedMinor || context.fromContact) return { blur: false, reason: 'none' };
  return { blur: true, reason: 'non-contact' };
}

/**
 * The classifier's nudity score in [0, 1], or undefined when it cannot give one (no classifier,
 * a missing or corrupt model, an unreadable image, a score out of range). Every safeguard treats
 * undefined by its own fail-safe rule (blur from non-contacts, ask before every send).
 */
export async function nudityScore(
  classifier: ImageClassifier | undefined,
  image: ClassifierInput,
): Promise<number | undefined> {
  if (!classifier) return undefined;
  try {
    const { nudity } = await classifier.classify(image);
    return nudity >= 0 && nudity <= 1 ? nudity : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The decision once the image's bytes are on the device. Media from non-contacts stays blurred
 * when the policy takes media from contacts only; everything else goes through the classifier.
 * If the classifier is unavailable (missing or corrupt model) or cannot read the image, images
 * from non-contacts are blurred (not shown unprotected); contacts' images are shown.
 */
export async function decideBlur(
  context: BlurContext,
  classifier: ImageClassifier | undefined,
  image: ClassifierInput,
  threshold: number = DEFAULT_BLUR_THRESHOLD,
): Promise<BlurDecision> {
  if (!context.protectedMinor) return { blur: false, reason: 'none' };
  if (!context.fromContact && context.mediaFrom === 'contacts') return { blur: true, reason: 'non-contact' };
  const nudity = await nudityScore(classifier, image);
  if (nudity === undefined) {
    return context.fromContact
      ? { blur: false, reason: 'none' }
      : { blur: true, reason: 'classifier-unavailable' };
  }
  return nudity >= threshold
    ? { blur: true, reason: 'nudity', nudity }
    : { blur: false, reason: 'none', nudity };
}
