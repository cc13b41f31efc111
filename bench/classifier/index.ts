/**
 * bench/classifier: what the on-device nudity classifier (the bundled nsfwjs MobileNetV2 model
 * behind @safelight/safety/classifier/node) costs per image, and how often it would blur (or ask
 * before sending) a benign image.
 *
 * - Images: generated benign scenes only — landscapes (sky, sun, hills, lake, trees) and drawings
 *   of shapes, rendered from seeded SVG by sharp to 640x480 JPEG. Nothing else is ever used.
 * - Latency: per-image wall time of `classify(jpegBytes)` (decode + resize to <= 448 px + model),
 *   median over every image, in each of several rounds; the figure is the median of the rounds.
 * - Peers on the same bytes in the same rounds: the sharp decode + resize alone (what the
 *   classifier must do before the model runs: the floor for any classifier fed by this decoder),
 *   and the PDQ hash of the file (decode + PDQ, what the send path already pays per image for
 *   detection). Printed as ratios, of wall time and of this process's CPU time (the second is
 *   steadier when the host is shared).
 * - False positives: the share of benign images scored at or above DEFAULT_BLUR_THRESHOLD (0.5),
 *   which would be blurred for a minor (received) or asked about (sent); every one is a false
 *   positive. Also the median and largest score.
 * Usage: npm run bench -- classifier [--images=N] [--rounds=N] [--quick]
 * Results: bench/results/classifier.json and classifier.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hashImageBytes } from '@safelight/media';
import { DEFAULT_BLUR_THRESHOLD } from '@safelight/safety';
import { createNodeImageClassifier, sharpDecoder } from '@safelight/safety/classifier/node';
import sharp from 'sharp';
import { describeMachine, median } from '../machine.js';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const quick = process.argv.includes('--quick');
const IMAGES = Number(arg('images') ?? (quick ? 6 : 20));
const ROUNDS = Number(arg('rounds') ?? (quick ? 2 : 3));

// mulberry32: seeded, so every run classifies the same scenes.
let seed = 0xc1a55;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const n = (a: number, b: number) => Math.round(a + (b - a) * rand());

function landscapeSvg(): string {
  const sky = pick([
    ['#2a6fdb', '#bfe3ff'],
    ['#ff7e5f', '#feb47b'],
    ['#1e3c72', '#2a5298'],
    ['#87ceeb', '#e0f6ff'],
  ]);
  const hills = pick(['#3f9b3a', '#6b8e23', '#2e8b57', '#8fbc8f']);
  const trees = Array.from(
    { length: n(0, 6) },
    () =>
      `<g><rect x="${n(20, 600)}" y="${n(300, 360)}" width="8" height="40" fill="#5b3a1a"/><circle cx="0" cy="0" r="${n(14, 26)}" fill="#1f6f2a" transform="translate(${n(20, 600)} ${n(280, 340)})"/></g>`,
  ).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480">
  <defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${sky[0]}"/><stop offset="1" stop-color="${sky[1]}"/></linearGradient></defs>
  <rect width="640" height="480" fill="url(#s)"/>
  <circle cx="${n(60, 580)}" cy="${n(40, 140)}" r="${n(20, 50)}" fill="#ffd23f"/>
  <path d="M0 ${n(260, 330)} Q${n(100, 220)} ${n(160, 260)} ${n(280, 360)} ${n(260, 320)} T640 ${n(250, 320)} L640 480 L0 480 Z" fill="${hills}"/>
  ${rand() < 0.5 ? `<ellipse cx="${n(200, 440)}" cy="${n(400, 440)}" rx="${n(80, 180)}" ry="${n(20, 40)}" fill="#3b7dd8"/>` : ''}
  ${trees}
</svg>`;
}

function shapesSvg(): string {
  const colours = ['#e4572e', '#17bebb', '#ffc914', '#2e282a', '#76b041', '#3d5a80', '#9b5de5'];
  const shapes = Array.from({ length: n(4, 12) }, () => {
    const c = pick(colours);
    switch (n(0, 2)) {
      case 0:
        return `<rect x="${n(0, 560)}" y="${n(0, 400)}" width="${n(30, 200)}" height="${n(30, 200)}" fill="${c}"/>`;
      case 1:
        return `<circle cx="${n(0, 640)}" cy="${n(0, 480)}" r="${n(15, 110)}" fill="${c}"/>`;
      default:
        return `<polygon points="${n(0, 640)},${n(0, 480)} ${n(0, 640)},${n(0, 480)} ${n(0, 640)},${n(0, 480)}" fill="${c}"/>`;
    }
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><rect width="640" height="480" fill="${pick(['#fafafa', '#f0ead6', '#dfe7fd'])}"/>${shapes}</svg>`;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  return (await timedCpu(fn)).wallMs;
}

/**
 * Wall time and this process's CPU time (user + system, all its threads: sharp's too). On a host
 * shared with other jobs the wall time stretches with their load; the CPU time much less.
 */
async function timedCpu(fn: () => Promise<unknown>): Promise<{ wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await fn();
  const used = process.cpuUsage(cpu);
  return { wallMs: Number(process.hrtime.bigint() - start) / 1e6, cpuMs: (used.user + used.system) / 1000 };
}

const images: Array<{ kind: 'landscape' | 'shapes'; bytes: Uint8Array }> = [];
for (let i = 0; i < IMAGES; i++) {
  const kind = i % 2 === 0 ? 'landscape' : 'shapes';
  const svg = kind === 'landscape' ? landscapeSvg() : shapesSvg();
  images.push({
    kind,
    bytes: new Uint8Array(await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer()),
  });
}

const classifier = createNodeImageClassifier();
const loadMs = await timed(() => classifier.ready());
// One warm-up classification: the first call compiles kernels and allocates.
await classifier.classify(images[0]!.bytes);

const scores: number[] = [];
interface Round {
  classifyMs: number;
  decodeMs: number;
  pdqMs: number;
  classifyCpuMs: number;
  decodeCpuMs: number;
  pdqCpuMs: number;
}
const rounds: Round[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const t = { classify: [] as number[], decode: [] as number[], pdq: [] as number[] };
  const c = { classify: [] as number[], decode: [] as number[], pdq: [] as number[] };
  const measure = async (key: keyof typeof t, fn: () => Promise<unknown>) => {
    const { wallMs, cpuMs } = await timedCpu(fn);
    t[key].push(wallMs);
    c[key].push(cpuMs);
  };
  for (const image of images) {
    let nudity = 0;
    await measure('classify', async () => {
      ({ nudity } = await classifier.classify(image.bytes));
    });
    if (round === 0) scores.push(nudity);
    await measure('decode', () => sharpDecoder(image.bytes));
    await measure('pdq', () => hashImageBytes(image.bytes));
  }
  rounds.push({
    classifyMs: median(t.classify),
    decodeMs: median(t.decode),
    pdqMs: median(t.pdq),
    classifyCpuMs: median(c.classify),
    decodeCpuMs: median(c.decode),
    pdqCpuMs: median(c.pdq),
  });
  console.error(`round ${round + 1}/${ROUNDS}: classify ${median(t.classify).toFixed(0)} ms/image`);
}

const of = (key: keyof Round) => median(rounds.map((r) => r[key]));
const classifyMs = of('classifyMs');
const decodeMs = of('decodeMs');
const pdqMs = of('pdqMs');
const [classifyCpu, decodeCpu, pdqCpu] = [of('classifyCpuMs'), of('decodeCpuMs'), of('pdqCpuMs')];
const flagged = scores.filter((s) => s >= DEFAULT_BLUR_THRESHOLD).length;
const byKind = (kind: string) => scores.filter((_, i) => images[i]?.kind === kind);
const machine = describeMachine();
const lines = [
  `# bench/classifier: nsfwjs MobileNetV2 on ${IMAGES} generated benign images (640x480 JPEG), ${ROUNDS} rounds`,
  '',
  `Machine: ${machine}; TensorFlow.js on Node without tfjs-node, i.e. its pure-JS CPU backend. The host may be shared with other jobs: compare the ratios, not the absolute times.`,
  '',
  '| per image (median of round medians) | wall ms | classifier is | CPU ms | classifier is |',
  '| --- | ---: | ---: | ---: | ---: |',
  `| nsfwjs classify (decode + resize + model) | ${classifyMs.toFixed(1)} | 1x | ${classifyCpu.toFixed(1)} | 1x |`,
  `| sharp decode + resize to <= 448 px (the classifier's own first step) | ${decodeMs.toFixed(1)} | ${(classifyMs / decodeMs).toFixed(0)}x slower | ${decodeCpu.toFixed(1)} | ${(classifyCpu / decodeCpu).toFixed(0)}x slower |`,
  `| PDQ of the file (decode + hash, the send path's detection step) | ${pdqMs.toFixed(1)} | ${(classifyMs / pdqMs).toFixed(0)}x slower | ${pdqCpu.toFixed(1)} | ${(classifyCpu / pdqCpu).toFixed(0)}x slower |`,
  '',
  `Model load (once per process): ${loadMs.toFixed(0)} ms.`,
  '',
  `Blur rate on the benign set (nudity >= ${DEFAULT_BLUR_THRESHOLD}; each is a false positive, blurred on receipt or asked about before sending): ${flagged}/${IMAGES} = ${((100 * flagged) / IMAGES).toFixed(1)}%. Scores: median ${median(scores).toFixed(4)}, largest ${Math.max(...scores).toFixed(4)} (landscapes largest ${Math.max(...byKind('landscape')).toFixed(4)}, shapes largest ${Math.max(...byKind('shapes')).toFixed(4)}).`,
];
console.log(lines.join('\n'));
const out = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(out, { recursive: true });
writeFileSync(`${out}classifier.md`, `${lines.join('\n')}\n`);
writeFileSync(
  `${out}classifier.json`,
  `${JSON.stringify(
    {
      machine,
      backend: 'tfjs cpu (pure JS)',
      images: IMAGES,
      rounds: ROUNDS,
      loadMs,
      perRound: rounds,
      medianClassifyMs: classifyMs,
      medianDecodeMs: decodeMs,
      medianPdqMs: pdqMs,
      medianCpuMs: { classify: classifyCpu, decode: decodeCpu, pdq: pdqCpu },
      threshold: DEFAULT_BLUR_THRESHOLD,
      flagged,
      scores,
    },
    null,
    2,
  )}\n`,
);
