/**
 * Which buckets a query probes, and whether to probe at all rather than scan.
 *
 * Generalised pigeonhole: if segment i is probed at segment radius r_i (every bucket within r_i bits
 * of the query's value; r_i = -1 means the segment is not probed), a stored hash that was missed
 * differs by at least r_i + 1 bits in every segment, so by at least sum(r_i + 1) in all. Any
 * assignment with sum(r_i + 1) > radius therefore finds every match. With 16 x 16-bit segments and
 * radius 31 the classic choice is r_i = 1 everywhere; with wider segments some get 2, some 1.
 *
 * Among those assignments we take the cheapest under a simple cost model, by greedily raising the
 * r_i whose next unit is cheapest (the costs are convex in r_i, so greedy is optimal):
 *
 *   probing segment i at r costs  probes(w_i, r) x (PROBE_NS + candidateNs(size) x size / 2^w_i)
 *   scanning the bank costs       size x SCAN_NS (SCAN_FULL_NS from radius 48, where the scan
 *                                 stops cutting distances short: distance-kernels.ts)
 *
 * where probes(w, r) = sum of C(w, k) for k <= r buckets, each holding size / 2^w hashes on average
 * (PDQ bits are balanced, so buckets are about even). The query scans instead whenever the scan is
 * estimated cheaper: banks under a few thousand hashes, and radii past about 64-72 bits. The
 * constants are fitted to the radius sweep of `npm run bench -- index` at 1M and 10M hashes on a
 * 2-core Xeon (docs/hashbank-index.md); only their ratios matter.
 */
import { FULL_DISTANCE_FROM } from './distance-kernels.js';
import type { SegmentLayout } from './segment-layout.js';

/** Reading one bucket's offsets and the start of its postings: mostly cache misses. */
export const PROBE_NS = 90;
/**
 * Verifying one candidate from a bucket, a random read of its hash: 50 ns in a bank of 1M (32 MB
 * of hashes), 85 ns at 10M (TLB misses), log-interpolated between (candidateNs).
 */
export const CANDIDATE_NS = 50;
export const CANDIDATE_NS_AT_10M = 85;
/** Verifying one hash during a scan: sequential, prefetched reads, most rejected half-way. */
export const SCAN_NS = 8;
/** The same with the full 256-bit distance computed for every hash. */
export const SCAN_FULL_NS = 15;
/** No segment is probed past this radius: C(22, 6) = 74,613 buckets is never worth it. */
const MAX_SEGMENT_RADIUS = 6;

export type ProbePlan = { kind: 'linear'; cost: number } | { kind: 'mih'; cost: number; radii: Int8Array };

export function candidateNs(size: number): number {
  const t = Math.min(1, Math.max(0, Math.log10(size / 1e6)));
  return CANDIDATE_NS + (CANDIDATE_NS_AT_10M - CANDIDATE_NS) * t;
}

export function bucketsWithin(width: number, radius: number): number {
  let total = 0;
  let binomial = 1;
  for (let k = 0; k <= radius; k++) {
    total += binomial;
    binomial = (binomial * (width - k)) / (k + 1);
  }
  return total;
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 0; i < k; i++) result = (result * (n - i)) / (i + 1);
  return result;
}

/**
 * The cheapest probe plan for `radius` in a bank of `size` slots, or a scan when that is cheaper
 * and `allowScan` (a forced MIH query passes false and always gets a plan that finds every match).
 */
export function planQuery(layout: SegmentLayout, size: number, radius: number, allowScan = true): ProbePlan {
  const scanCost = size * (radius < FULL_DISTANCE_FROM ? SCAN_NS : SCAN_FULL_NS);
  const count = layout.widths.length;
  const radii = new Int8Array(count).fill(-1);
  const perCandidate = candidateNs(size);
  const perBucket = layout.widths.map((w) => PROBE_NS + (perCandidate * size) / 2 ** w);
  let cost = 0;
  // Each step raises one r_i by one, adding one to sum(r_i + 1); radius + 1 steps are needed.
  for (let step = 0; step <= radius; step++) {
    let best = -1;
    let bestCost = Number.POSITIVE_INFINITY;
    for (let i = 0; i < count; i++) {
      const next = (radii[i] as number) + 1;
      if (next > MAX_SEGMENT_RADIUS) continue;
      const added = binomial(layout.widths[i] as number, next) * (perBucket[i] as number);
      if (added < bestCost) {
        bestCost = added;
        best = i;
      }
    }
    if (best < 0) return { kind: 'linear', cost: scanCost };
    radii[best] = (radii[best] as number) + 1;
    cost += bestCost;
    if (allowScan && cost >= scanCost) return { kind: 'linear', cost: scanCost };
  }
  return { kind: 'mih', cost, radii };
}

const maskCache = new Map<number, Uint32Array>();

/**
 * Every `width`-bit mask with at most `radius` bits set, the zero mask (the exact bucket) first,
 * then by weight: XORed with the query's segment value, they name the buckets to probe.
 */
export function probeMasks(width: number, radius: number): Uint32Array {
  const key = width * 64 + radius;
  const cached = maskCache.get(key);
  if (cached) return cached;
  const masks = new Uint32Array(bucketsWithin(width, radius));
  let n = 0;
  const extend = (mask: number, lowest: number, left: number): void => {
    masks[n++] = mask;
    if (left === 0) return;
    for (let bit = lowest; bit < width; bit++) extend(mask | (1 << bit), bit + 1, left - 1);
  };
  extend(0, 0, radius);
  // Depth-first order interleaves weights; sort so lighter (likelier) buckets come first.
  const weight = (m: number) => {
    let c = 0;
    for (let v = m; v; v &= v - 1) c++;
    return c;
  };
  const sorted = Uint32Array.from([...masks].sort((a, b) => weight(a) - weight(b) || a - b));
  maskCache.set(key, sorted);
  return sorted;
}
