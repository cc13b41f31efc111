import { PdqError } from './errors.js';
import {
  formatPdqHex,
  hammingDistance,
  PDQ_MATCH_THRESHOLD,
  PDQ_QUALITY_THRESHOLD,
  type PdqHash,
  parsePdqHex,
} from './hash.js';

/**
 * vPDQ (video PDQ): a video's hash is the PDQ hash of its frames, each with its frame number,
 * quality and timestamp. Matching is by share of frames: how much of the query appears in the
 * target and how much of the target appears in the query. Pure: frame decoding is in
 * packages/media.
 */
export interface VpdqFeature {
  frameNumber: number;
  quality: number;
  hash: PdqHash;
  timestampSeconds: number;
}

export interface VpdqMatchOptions {
  /** Frames match when their distance is at most this (default 31, as for images). */
  distanceThreshold?: number;
  /** Frames below this quality are left out of both sides (default 50). */
  qualityFloor?: number;
}

export interface VpdqMatchResult {
  /** Percentage (0..100) of the query's frames that have a match in the target. */
  queryMatchPercent: number;
  /** Percentage (0..100) of the target's frames that have a match in the query. */
  targetMatchPercent: number;
  queryFramesCompared: number;
  targetFramesCompared: number;
}

/**
 * Parses the reference's text form, one frame per line: `frameNumber,quality,pdqHex,timestamp`
 * (the timestamp column is optional, as in older files). Errors name the line.
 */
export function parseVpdqText(text: string, source = 'vPDQ text'): VpdqFeature[] {
  const features: VpdqFeature[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${source}:${index + 1}`;
    const cells = line.split(',');
    if (cells.length < 3 || cells.length > 4) {
      throw new PdqError(
        'PDQ_INVALID_ARGUMENT',
        `${where}: expected frameNumber,quality,pdqHex[,timestamp], got ${cells.length} fields`,
      );
    }
    const [frame, quality, hex, timestamp] = cells as [string, string, string, string | undefined];
    const frameNumber = Number(frame);
    const q = Number(quality);
    if (!Number.isSafeInteger(frameNumber) || frameNumber < 0) {
      throw new PdqError(
        'PDQ_INVALID_ARGUMENT',
        `${where}: frame number must be a non-negative integer, got "${frame}"`,
      );
    }
    if (!Number.isInteger(q) || q < 0 || q > 100) {
      throw new PdqError(
        'PDQ_INVALID_ARGUMENT',
        `${where}: quality must be an integer 0..100, got "${quality}"`,
      );
    }
    let hash: PdqHash;
    try {
      hash = parsePdqHex(hex.trim());
    } catch (error) {
      throw new PdqError('PDQ_INVALID_HEX', `${where}: ${(error as Error).message}`);
    }
    const seconds = timestamp === undefined ? Number.NaN : Number(timestamp);
    if (timestamp !== undefined && !Number.isFinite(seconds)) {
      throw new PdqError('PDQ_INVALID_ARGUMENT', `${where}: timestamp must be a number, got "${timestamp}"`);
    }
    features.push({ frameNumber, quality: q, hash, timestampSeconds: seconds });
  });
  return features;
}

/** The reference's text form, timestamps with three decimals. */
export function formatVpdqText(features: readonly VpdqFeature[]): string {
  return features
    .map((f) => `${f.frameNumber},${f.quality},${formatPdqHex(f.hash)},${f.timestampSeconds.toFixed(3)}\n`)
    .join('');
}

/**
 * Drops frames within `maxDistance` bits of the previous kept frame (a still scene yields one
 * feature, not hundreds). maxDistance 0 drops only exact repeats.
 */
export function dedupeConsecutiveFrames(features: readonly VpdqFeature[], maxDistance = 0): VpdqFeature[] {
  const kept: VpdqFeature[] = [];
  for (const feature of features) {
    const last = kept[kept.length - 1];
    if (last && hammingDistance(last.hash, feature.hash) <= maxDistance) continue;
    kept.push(feature);
  }
  return kept;
}

function countMatched(from: readonly VpdqFeature[], to: readonly VpdqFeature[], threshold: number): number {
  let matched = 0;
  for (const a of from) {
    for (const b of to) {
      if (hammingDistance(a.hash, b.hash) <= threshold) {
        matched++;
        break;
      }
    }
  }
  return matched;
}

/**
 * Brute-force vPDQ comparison with the reference's semantics (quality filter on both sides,
 * then the share of each side's frames that match some frame of the other). Note: the C++
 * reference counts `distance < tolerance`; here `distance <= threshold`, so threshold 31 equals
 * its tolerance 32, and 31 is the same rule as image matching.
 */
export function matchVpdq(
  query: readonly VpdqFeature[],
  target: readonly VpdqFeature[],
  options: VpdqMatchOptions = {},
): VpdqMatchResult {
  const threshold = options.distanceThreshold ?? PDQ_MATCH_THRESHOLD;
  const floor = options.qualityFloor ?? PDQ_QUALITY_THRESHOLD;
  const q = query.filter((f) => f.quality >= floor);
  const t = target.filter((f) => f.quality >= floor);
  if (q.length === 0 || t.length === 0) {
    return {
      queryMatchPercent: 0,
      targetMatchPercent: 0,
      queryFramesCompared: q.length,
      targetFramesCompared: t.length,
    };
  }
  return {
    queryMatchPercent: (countMatched(q, t, threshold) * 100) / q.length,
    targetMatchPercent: (countMatched(t, q, threshold) * 100) / t.length,
    queryFramesCompared: q.length,
    targetFramesCompared: t.length,
  };
}

/**
 * Frame-by-frame comparison of two hashings of the same video (the reference's regression
 * check): frames where both sides reach the quality floor are compared; returns how many of
 * those are within the threshold.
 */
export function compareFrameByFrame(
  a: readonly VpdqFeature[],
  b: readonly VpdqFeature[],
  options: VpdqMatchOptions = {},
): { compared: number; matched: number; worstDistance: number } {
  if (a.length !== b.length) {
    throw new PdqError('PDQ_INVALID_ARGUMENT', `frame counts differ: ${a.length} vs ${b.length}`);
  }
  const threshold = options.distanceThreshold ?? PDQ_MATCH_THRESHOLD;
  const floor = options.qualityFloor ?? PDQ_QUALITY_THRESHOLD;
  let compared = 0;
  let matched = 0;
  let worstDistance = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as VpdqFeature;
    const y = b[i] as VpdqFeature;
    if (x.quality < floor || y.quality < floor) continue;
    compared++;
    const distance = hammingDistance(x.hash, y.hash);
    worstDistance = Math.max(worstDistance, distance);
    if (distance <= threshold) matched++;
  }
  return { compared, matched, worstDistance };
}
