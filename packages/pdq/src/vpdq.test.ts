import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareFrameByFrame,
  dedupeConsecutiveFrames,
  formatPdqHex,
  formatVpdqText,
  matchVpdq,
  PdqError,
  parsePdqHex,
  parseVpdqText,
  type VpdqFeature,
} from './index.js';

function flipBits(hex: string, count: number): string {
  const hash = parsePdqHex(hex);
  for (let bit = 0; bit < count; bit++)
    hash[bit >> 5] = ((hash[bit >> 5] as number) ^ (1 << (bit & 31))) >>> 0;
  return formatPdqHex(hash);
}

const A = 'dadb999c25266273529cadac89cb52c22324ad3bce99726c38668d93c799f07c';
const B = 'e6cf059c4c6696362cc9d6663cd9c263714169d98327399993363d9c3d9cc666';

function feature(frameNumber: number, hex: string, quality = 100): VpdqFeature {
  return { frameNumber, quality, hash: parsePdqHex(hex), timestampSeconds: frameNumber / 30 };
}

describe('vPDQ text', () => {
  it('round-trips the reference format and accepts the three-column form', () => {
    const text = `0,100,${A},0.000\n1,49,${B},0.033\n`;
    assert.equal(formatVpdqText(parseVpdqText(text)), text);
    const three = parseVpdqText(`7,80,${A}\n`);
    assert.equal(three[0]?.frameNumber, 7);
    assert.ok(Number.isNaN(three[0]?.timestampSeconds));
  });

  it('names the line and field of bad input', () => {
    const cases: Array<[string, RegExp]> = [
      [`0,100,${A},0\nx,100,${A},0\n`, /clip:2: frame number/],
      [`0,101,${A},0\n`, /clip:1: quality must be an integer 0\.\.100/],
      [`0,100,${A.slice(2)},0\n`, /clip:1: PDQ hash must be 64 hex characters/],
      [`0,100\n`, /clip:1: expected frameNumber,quality,pdqHex/],
      [`0,100,${A},soon\n`, /clip:1: timestamp must be a number/],
    ];
    for (const [text, message] of cases) {
      assert.throws(
        () => parseVpdqText(text, 'clip'),
        (e: unknown) => e instanceof PdqError && message.test(e.message),
      );
    }
  });
});

describe('vPDQ matching', () => {
  it('reports the share of each side matched, after the quality floor', () => {
    const query = [feature(0, A), feature(1, flipBits(A, 31)), feature(2, B, 10)];
    const target = [feature(0, flipBits(A, 5)), feature(1, flipBits(B, 40)), feature(2, B, 100)];
    const result = matchVpdq(query, target);
    // Query: B is below the floor, so 2 frames compared; both near A. Target: 3 frames, 1 near A.
    assert.equal(result.queryFramesCompared, 2);
    assert.equal(result.queryMatchPercent, 100);
    assert.equal(result.targetFramesCompared, 3);
    assert.equal(result.targetMatchPercent, 100 / 3);
  });

  it('treats distance 31 as a match and 32 as not (same rule as images)', () => {
    assert.equal(matchVpdq([feature(0, A)], [feature(0, flipBits(A, 31))]).queryMatchPercent, 100);
    assert.equal(matchVpdq([feature(0, A)], [feature(0, flipBits(A, 32))]).queryMatchPercent, 0);
    assert.equal(
      matchVpdq([feature(0, A)], [feature(0, flipBits(A, 32))], { distanceThreshold: 32 }).queryMatchPercent,
      100,
    );
  });

  it('gives zero when a side has nothing above the quality floor', () => {
    const result = matchVpdq([feature(0, A, 20)], [feature(0, A)]);
    assert.deepEqual(result, {
      queryMatchPercent: 0,
      targetMatchPercent: 0,
      queryFramesCompared: 0,
      targetFramesCompared: 1,
    });
  });

  it('dedupes consecutive near-identical frames only', () => {
    const frames = [feature(0, A), feature(1, A), feature(2, flipBits(A, 3)), feature(3, B), feature(4, A)];
    assert.deepEqual(
      dedupeConsecutiveFrames(frames).map((f) => f.frameNumber),
      [0, 2, 3, 4],
    );
    assert.deepEqual(
      dedupeConsecutiveFrames(frames, 3).map((f) => f.frameNumber),
      [0, 3, 4],
    );
  });

  it('compares two hashings frame by frame and refuses different lengths', () => {
    const a = [feature(0, A), feature(1, B, 10)];
    const b = [feature(0, flipBits(A, 7)), feature(1, A)];
    assert.deepEqual(compareFrameByFrame(a, b), { compared: 1, matched: 1, worstDistance: 7 });
    assert.throws(() => compareFrameByFrame(a, b.slice(1)), /frame counts differ: 2 vs 1/);
  });
});
