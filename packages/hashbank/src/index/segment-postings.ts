/**
 * One segment's multi-index: which slots hold which value in that segment.
 *
 *   - CSR postings for the slots below `deltaBase`: 2^width + 1 bucket offsets and the slot numbers
 *     sorted by bucket, built by a counting sort;
 *   - a delta for the slots added since: bucket chains in typed arrays, so an add is O(1).
 *
 * Folding the delta into new postings costs a counting sort over the whole bank (about a second
 * per segment at 10M hashes). `SegmentRebuild` does it in bounded steps, one per change to the
 * index, while queries keep using the old postings and the delta; it then swaps the new postings
 * in and re-links only the slots added meanwhile.
 */
import type { SegmentLayout } from './segment-layout.js';
import { segmentValue } from './segment-layout.js';
import type { SlotStore } from './slot-store.js';

/**
 * Delta chain heads are keyed by the value's low width - 4 bits (at least 16): a full delta
 * (bank / 32 adds) then averages about half an entry per chain, so a probe walks almost nothing,
 * for 1/16 of the offsets' memory. With 16-bit heads at 10M hashes, a full delta put ~5 entries
 * on every chain and cut queries/s by 60%.
 */
function deltaHeadBits(width: number): number {
  return Math.min(width, Math.max(16, width - 4));
}
const INITIAL_DELTA_CAPACITY = 256;
export const NO_ENTRY = -1;

export interface Segment {
  readonly start: number;
  readonly width: number;
  offsets: Uint32Array;
  postings: Uint32Array;
  /** Slots >= deltaBase are in the delta chains, not the postings. */
  deltaBase: number;
  /** Per value of the low deltaHeadBits bits, the newest delta entry (slot - deltaBase), or -1. */
  readonly deltaHeads: Int32Array;
  /** deltaHeads.length - 1. */
  readonly deltaHeadMask: number;
  /** Per delta entry, the next older entry in its chain, or -1. */
  deltaNext: Int32Array;
  /** Per delta entry, its full bucket value (chains mix buckets that share the low bits). */
  deltaValue: Uint32Array;
}

export function emptySegments(layout: SegmentLayout): Segment[] {
  return layout.widths.map((width, s) => ({
    start: layout.starts[s] as number,
    width,
    // Empty until the first build (a fresh index has only delta chains), so a snapshot load or a
    // bulk build never allocates the 2^width offsets twice.
    offsets: new Uint32Array(0),
    postings: new Uint32Array(0),
    deltaBase: 0,
    deltaHeads: new Int32Array(1 << deltaHeadBits(width)).fill(NO_ENTRY),
    deltaHeadMask: (1 << deltaHeadBits(width)) - 1,
    deltaNext: new Int32Array(INITIAL_DELTA_CAPACITY),
    deltaValue: new Uint32Array(INITIAL_DELTA_CAPACITY),
  }));
}

/** Links `slot` (at least deltaBase), whose value in this segment is `value`, into the delta. */
export function linkDelta(segment: Segment, slot: number, value: number): void {
  const entry = slot - segment.deltaBase;
  if (entry >= segment.deltaNext.length) {
    const capacity = Math.max(entry + 1, segment.deltaNext.length * 2);
    const next = new Int32Array(capacity);
    next.set(segment.deltaNext);
    const values = new Uint32Array(capacity);
    values.set(segment.deltaValue);
    segment.deltaNext = next;
    segment.deltaValue = values;
  }
  const head = value & segment.deltaHeadMask;
  segment.deltaValue[entry] = value;
  segment.deltaNext[entry] = segment.deltaHeads[head] as number;
  segment.deltaHeads[head] = entry;
}

/**
 * Installs postings covering slots below `end` and re-links the slots from `end` to the store's
 * count (those added while the postings were built) into a fresh delta.
 */
function install(
  segment: Segment,
  offsets: Uint32Array,
  postings: Uint32Array,
  end: number,
  store: SlotStore,
) {
  segment.offsets = offsets;
  segment.postings = postings;
  segment.deltaBase = end;
  segment.deltaHeads.fill(NO_ENTRY);
  const pending = store.count - end;
  segment.deltaNext = new Int32Array(Math.max(INITIAL_DELTA_CAPACITY, pending * 2));
  segment.deltaValue = new Uint32Array(segment.deltaNext.length);
  for (let slot = end; slot < store.count; slot++) {
    linkDelta(segment, slot, segmentValue(store.hashAt(slot), 0, segment.start, segment.width));
  }
}

/** Rebuilds `segment` from every live slot at once (bulk builds and compaction). */
export function buildPostings(segment: Segment, store: SlotStore): void {
  const { start, width } = segment;
  const buckets = 2 ** width;
  const parts = store.parts();
  const offsets = new Uint32Array(buckets + 1);
  for (const { words, dead, count } of parts) {
    for (let i = 0; i < count; i++) {
      if (dead[i] !== 0) continue;
      const b = segmentValue(words, i << 3, start, width) + 1;
      offsets[b] = (offsets[b] as number) + 1;
    }
  }
  for (let b = 0; b < buckets; b++) offsets[b + 1] = (offsets[b + 1] as number) + (offsets[b] as number);
  const cursor = offsets.slice(0, buckets);
  const postings = new Uint32Array(offsets[buckets] as number);
  for (const { words, dead, count, first } of parts) {
    for (let i = 0; i < count; i++) {
      if (dead[i] !== 0) continue;
      const b = segmentValue(words, i << 3, start, width);
      const at = cursor[b] as number;
      cursor[b] = at + 1;
      postings[at] = first + i;
    }
  }
  install(segment, offsets, postings, store.count, store);
}

/**
 * A rebuild of one segment's postings over slots [0, end), advanced by `step` calls of bounded
 * work. It keeps removed slots (their flag is checked at query time, and a removal between two
 * steps would otherwise unbalance the counts); `compact()` drops them.
 */
export class SegmentRebuild {
  readonly segment: Segment;
  private readonly end: number;
  private phase: 'count' | 'prefix' | 'scatter' = 'count';
  private next = 0;
  private readonly offsets: Uint32Array;
  private cursor: Uint32Array | undefined;
  private postings: Uint32Array | undefined;

  constructor(segment: Segment, end: number) {
    this.segment = segment;
    this.end = end;
    this.offsets = new Uint32Array(2 ** segment.width + 1);
  }

  /** Does up to `slots` slots' worth of work; returns true once the new postings are in place. */
  step(store: SlotStore, slots: number): boolean {
    const { start, width } = this.segment;
    const offsets = this.offsets;
    if (this.phase === 'count') {
      const to = Math.min(this.end, this.next + slots);
      forSlots(store, this.next, to, (words, at) => {
        const b = segmentValue(words, at, start, width) + 1;
        offsets[b] = (offsets[b] as number) + 1;
      });
      this.next = to;
      if (to === this.end) [this.phase, this.next] = ['prefix', 0];
      return false;
    }
    const buckets = 2 ** width;
    if (this.phase === 'prefix') {
      // Bucket sums are cheaper than slots (sequential): take 8 per slot of budget.
      if (!this.cursor) this.cursor = new Uint32Array(buckets);
      const cursor = this.cursor;
      const to = Math.min(buckets, this.next + slots * 8);
      for (let b = this.next; b < to; b++) {
        cursor[b] = offsets[b] as number;
        offsets[b + 1] = (offsets[b + 1] as number) + (offsets[b] as number);
      }
      this.next = to;
      if (to === buckets) {
        [this.phase, this.next] = ['scatter', 0];
        this.postings = new Uint32Array(this.end);
      }
      return false;
    }
    const cursor = this.cursor as Uint32Array;
    const postings = this.postings as Uint32Array;
    const to = Math.min(this.end, this.next + slots);
    forSlots(store, this.next, to, (words, at, slot) => {
      const b = segmentValue(words, at, start, width);
      const position = cursor[b] as number;
      cursor[b] = position + 1;
      postings[position] = slot;
    });
    this.next = to;
    if (to < this.end) return false;
    install(this.segment, offsets, postings, this.end, store);
    return true;
  }
}

/**
 * Throws unless every live slot sits in the segment exactly where its value says (postings below
 * deltaBase, a delta chain above). For tests: O(slots + 2^width).
 */
export function assertSegmentConsistent(segment: Segment, store: SlotStore, name: string): void {
  const seen = new Uint8Array(store.count);
  const values = new Uint32Array(store.count);
  forSlots(store, 0, store.count, (words, at, slot) => {
    values[slot] = segmentValue(words, at, segment.start, segment.width);
  });
  const valueAt = (slot: number) => values[slot] as number;
  const fail = (why: string) => {
    throw new Error(`${name}: ${why}`);
  };
  const buckets = segment.postings.length === 0 ? 0 : 2 ** segment.width;
  for (let b = 0; b < buckets; b++) {
    for (let p = segment.offsets[b] as number; p < (segment.offsets[b + 1] as number); p++) {
      const slot = segment.postings[p] as number;
      if (slot >= segment.deltaBase) fail(`posting ${slot} is not below deltaBase ${segment.deltaBase}`);
      if (valueAt(slot) !== b) fail(`slot ${slot} is in bucket ${b}, its value is ${valueAt(slot)}`);
      seen[slot] = 1;
    }
  }
  for (let head = 0; head < segment.deltaHeads.length; head++) {
    for (let e = segment.deltaHeads[head] as number; e !== NO_ENTRY; e = segment.deltaNext[e] as number) {
      const slot = segment.deltaBase + e;
      if (slot >= store.count) fail(`delta slot ${slot} is past the end`);
      if ((segment.deltaValue[e] as number) !== valueAt(slot)) fail(`delta slot ${slot} has the wrong value`);
      if (((segment.deltaValue[e] as number) & segment.deltaHeadMask) !== head)
        fail(`delta slot ${slot} is in chain ${head}`);
      seen[slot] = 1;
    }
  }
  for (let slot = 0; slot < store.count; slot++) {
    if (seen[slot] === 0 && !store.isDead(slot)) fail(`live slot ${slot} is in neither postings nor delta`);
  }
}

/** Calls `visit(words, wordOffset, slot)` for each slot in [from, to), base or tail. */
function forSlots(
  store: SlotStore,
  from: number,
  to: number,
  visit: (words: Uint32Array, at: number, slot: number) => void,
): void {
  for (const { words, count, first } of store.parts()) {
    const end = Math.min(to, first + count);
    for (let slot = Math.max(from, first); slot < end; slot++) visit(words, (slot - first) << 3, slot);
  }
}
