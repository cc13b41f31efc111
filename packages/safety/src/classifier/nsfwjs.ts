/**
 * The nsfwjs implementation of ImageClassifier (`@safelight/safety/classifier/nsfwjs`). The model
 * (MobileNetV2, 224x224, ~3.5 MB of weights) ships inside the nsfwjs npm package as .min.js
 * modules and is loaded with dynamic imports: no download at run time, no network request.
 * TensorFlow.js picks its backend (WebGL in browsers, the pure-JS CPU backend on Node).
 */
import * as tf from '@tensorflow/tfjs';
import { load, type ModelDefinition, type NSFWJS } from 'nsfwjs/core';
import { MobileNetV2Model } from 'nsfwjs/models/mobilenet_v2';
import { SafetyError } from '../errors.js';
import {
  type ClassifierInput,
  type ClassifierResult,
  checkRgbaImage,
  type ImageClassifier,
  type ImageDecoder,
  isRgbaImage,
  type RgbaImage,
} from './index.js';

export type NsfwjsModelDefinition = ModelDefinition;

/** The model the package uses by default: nsfwjs' bundled MobileNetV2 (224x224). */
export const BUNDLED_NSFWJS_MODEL: NsfwjsModelDefinition = MobileNetV2Model;

export interface NsfwjsClassifierOptions {
  /** The bundled MobileNetV2 by default; another nsfwjs model definition (e.g. to test a bad one). */
  readonly model?: NsfwjsModelDefinition;
  /** Decodes encoded image files; without it only RGBA input is accepted. */
  readonly decode?: ImageDecoder;
}

/** nsfwjs' classes that count as nudity or sexual content. */
const NUDITY_CLASSES = new Set(['Porn', 'Hentai', 'Sexy']);

export class NsfwjsClassifier implements ImageClassifier {
  private model: Promise<NSFWJS> | undefined;

  constructor(private readonly options: NsfwjsClassifierOptions = {}) {}

  /** Loads the model now (it is otherwise loaded on the first classify). Fails like classify. */
  async ready(): Promise<void> {
    await this.loaded();
  }

  async classify(image: ClassifierInput): Promise<ClassifierResult> {
    const rgba = await this.pixels(image);
    const model = await this.loaded();
    const input = tf.tidy(() => {
      const pixels = tf.tensor3d(
        rgba.data instanceof Uint8Array ? rgba.data : new Uint8Array(rgba.data),
        [rgba.height, rgba.width, 4],
        'int32',
      );
      return tf.slice(pixels, [0, 0, 0], [rgba.height, rgba.width, 3]) as tf.Tensor3D;
    });
    try {
      const predictions = await model.classify(input, 5);
      const nudity = predictions
        .filter((p) => NUDITY_CLASSES.has(p.className))
        .reduce((sum, p) => sum + p.probability, 0);
      return { nudity: Math.min(1, Math.max(0, nudity)) };
    } finally {
      input.dispose();
    }
  }

  private loaded(): Promise<NSFWJS> {
    const definition = this.options.model ?? BUNDLED_NSFWJS_MODEL;
    this.model ??= load(definition.name, { modelDefinitions: [definition] }).catch((error: unknown) => {
      throw new SafetyError(
        'SAFETY_CLASSIFIER_UNAVAILABLE',
        'model',
        `the nsfwjs model ${definition.name} could not be loaded (missing or corrupt): ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    return this.model;
  }

  private async pixels(image: ClassifierInput): Promise<RgbaImage> {
    if (isRgbaImage(image)) {
      checkRgbaImage(image);
      return image;
    }
    if (!this.options.decode)
      throw new SafetyError('SAFETY_IMAGE_INVALID', 'image', 'encoded image given but no decoder configured');
    let decoded: RgbaImage;
    try {
      decoded = await this.options.decode(image);
    } catch (error) {
      throw new SafetyError(
        'SAFETY_IMAGE_INVALID',
        'image',
        `the image could not be decoded: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    checkRgbaImage(decoded);
    return decoded;
  }
}

export function createNsfwjsClassifier(options: NsfwjsClassifierOptions = {}): NsfwjsClassifier {
  return new NsfwjsClassifier(options);
}
