import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MobileNetV2Model } from 'nsfwjs/models/mobilenet_v2';
import sharp from 'sharp';
import { SafetyError } from '../errors.js';
import {
  type BlurContext,
  DEFAULT_BLUR_THRESHOLD,
  decideBlur,
  type ImageClassifier,
  type RgbaImage,
} from './index.js';
import { createNodeImageClassifier } from './node.js';
import { NsfwjsClassifier } from './nsfwjs.js';

/** A landscape: sky gradient, sun, two green hills and a lake, drawn as SVG and rendered by sharp. */
const LANDSCAPE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240">
  <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
    <stop offset="0" stop-color="#2a6fdb"/><stop offset="1" stop-color="#bfe3ff"/></linearGradient></defs>
  <rect width="320" height="240" fill="url(#sky)"/>
  <circle cx="250" cy="55" r="24" fill="#ffe066"/>
  <path d="M0 170 Q80 90 160 160 T320 150 L320 240 L0 240 Z" fill="#3f9b3a"/>
  <path d="M0 200 Q120 140 220 200 T320 190 L320 240 L0 240 Z" fill="#2d7a2a"/>
  <ellipse cx="110" cy="222" rx="70" ry="12" fill="#4a90d9"/>
</svg>`;

/** A child's drawing of shapes on white paper. */
const SHAPES_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256">
  <rect width="256" height="256" fill="#ffffff"/>
  <rect x="20" y="30" width="80" height="60" fill="#e63946" stroke="#000" stroke-width="3"/>
  <circle cx="180" cy="70" r="40" fill="#457b9d" stroke="#000" stroke-width="3"/>
  <polygon points="60,220 120,120 180,220" fill="#f4a261" stroke="#000" stroke-width="3"/>
  <polygon points="200,150 240,200 200,240 160,200" fill="#2a9d8f"/>
</svg>`;

async function render(svg: string, format: 'jpeg' | 'raw'): Promise<Uint8Array | RgbaImage> {
  const image = sharp(Buffer.from(svg));
  if (format === 'jpeg') return new Uint8Array(await image.jpeg({ quality: 85 }).toBuffer());
  const { data, info } = await image.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

const unavailable = (e: unknown) => e instanceof SafetyError && e.code === 'SAFETY_CLASSIFIER_UNAVAILABLE';

describe('nsfwjs classifier (bundled model, on the device)', () => {
  // Every network path Node has: fetch and raw sockets (http, https, WebSocket all go through net).
  const attempts: string[] = [];
  const originalFetch = globalThis.fetch;
  const originalConnect = net.Socket.prototype.connect;
  let classifier: NsfwjsClassifier;
  before(() => {
    globalThis.fetch = ((input: unknown) => {
      attempts.push(`fetch ${String(input)}`);
      return Promise.reject(new Error('network disabled in this test'));
    }) as typeof fetch;
    net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
      attempts.push(`connect ${JSON.stringify(args[0])}`);
      throw new Error('network disabled in this test');
    } as typeof net.Socket.prototype.connect;
    classifier = createNodeImageClassifier();
  });
  after(() => {
    globalThis.fetch = originalFetch;
    net.Socket.prototype.connect = originalConnect;
  });

  it('does not blur a generated landscape (JPEG through the Node decoder)', async () => {
    const jpeg = await render(LANDSCAPE_SVG, 'jpeg');
    const { nudity } = await classifier.classify(jpeg);
    assert.ok(nudity >= 0 && nudity < DEFAULT_BLUR_THRESHOLD, `landscape scored ${nudity}`);
    const decision = await decideBlur(
      { protectedMinor: true, fromContact: false, mediaFrom: 'everyone' },
      classifier,
      jpeg,
    );
    assert.equal(decision.blur, false);
    assert.equal(decision.reason, 'none');
  });

  it('does not blur a drawing of shapes (raw RGBA input)', async () => {
    const rgba = await render(SHAPES_SVG, 'raw');
    const { nudity } = await classifier.classify(rgba);
    assert.ok(nudity < DEFAULT_BLUR_THRESHOLD, `shapes scored ${nudity}`);
  });

  it('refuses input it cannot read with SAFETY_IMAGE_INVALID', async () => {
    const invalid = (e: unknown) => e instanceof SafetyError && e.code === 'SAFETY_IMAGE_INVALID';
    await assert.rejects(classifier.classify(new Uint8Array([0xff, 0xd8, 0xff, 0x00, 1, 2, 3])), invalid);
    await assert.rejects(classifier.classify({ width: 4, height: 4, data: new Uint8Array(10) }), invalid);
    await assert.rejects(new NsfwjsClassifier().classify(new Uint8Array([1, 2, 3])), invalid); // no decoder
  });

  it('made no network request while loading the model and classifying', () => {
    assert.deepEqual(attempts, []);
  });
});

describe('classifier model missing or corrupt', () => {
  it('a missing model file is SAFETY_CLASSIFIER_UNAVAILABLE', async () => {
    const missing = new NsfwjsClassifier({
      model: {
        ...MobileNetV2Model,
        modelJson: () => import(new URL('./no-such-model.min.js', import.meta.url).href),
      },
    });
    await assert.rejects(missing.ready(), unavailable);
    await assert.rejects(missing.classify({ width: 1, height: 1, data: new Uint8Array(4) }), unavailable);
  });

  it('corrupt weights are SAFETY_CLASSIFIER_UNAVAILABLE', async () => {
    const corrupt = new NsfwjsClassifier({
      model: { ...MobileNetV2Model, weightBundles: [async () => ({ default: 'AAAAAAAA' })] },
    });
    await assert.rejects(
      corrupt.ready(),
      (e: unknown) => unavailable(e) && /could not be loaded/.test((e as Error).message),
    );
  });
});

describe('blur policy (decideBlur)', () => {
  const image: RgbaImage = { width: 1, height: 1, data: new Uint8Array(4) };
  const scoring = (nudity: number): ImageClassifier => ({ classify: async () => ({ nudity }) });
  const broken: ImageClassifier = {
    classify: async () => {
      throw new SafetyError('SAFETY_CLASSIFIER_UNAVAILABLE', 'model', 'gone');
    },
  };
  const minor = (fromContact: boolean, mediaFrom: BlurContext['mediaFrom'] = 'everyone'): BlurContext => ({
    protectedMinor: true,
    fromContact,
    mediaFrom,
  });

  it('blurs at or above the threshold, for contacts too', async () => {
    assert.deepEqual(await decideBlur(minor(true), scoring(0.5), image), {
      blur: true,
      reason: 'nudity',
      nudity: 0.5,
    });
    assert.deepEqual(await decideBlur(minor(true), scoring(0.49), image), {
      blur: false,
      reason: 'none',
      nudity: 0.49,
    });
    assert.equal((await decideBlur(minor(true), scoring(0.3), image, 0.2)).blur, true);
  });

  it('media from non-contacts stays blurred when the minor takes media from contacts only', async () => {
    assert.deepEqual(await decideBlur(minor(false, 'contacts'), scoring(0), image), {
      blur: true,
      reason: 'non-contact',
    });
  });

  it('without a working classifier, blurs every image from non-contacts and shows contacts', async () => {
    for (const classifier of [broken, undefined, scoring(Number.NaN)]) {
      assert.deepEqual(await decideBlur(minor(false), classifier, image), {
        blur: true,
        reason: 'classifier-unavailable',
      });
      assert.deepEqual(await decideBlur(minor(true), classifier, image), { blur: false, reason: 'none' });
    }
  });

  it('adults and safeguards-off accounts are never blurred', async () => {
    const adult: BlurContext = { protectedMinor: false, fromContact: false, mediaFrom: 'contacts' };
    assert.deepEqual(await decideBlur(adult, scoring(1), image), { blur: false, reason: 'none' });
  });
});
