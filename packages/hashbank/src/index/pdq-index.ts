/**
 * An exact Hamming-radius index over 256-bit PDQ hashes by multi-index hashing (Norouzi et al.,
 * "Fast Search in Hamming Space with Multi-Index Hashing", CVPR 2012).
 *
 * Each hash is cut into segments (16 of 16 bits for small banks, 12 of 21-22 bits at 10M: see
 * segment-layout.ts). A hash within radius r of the query lies within r_i bits of it in at least one
 * segment i for any choice of segment radii with sum(r_i + 1) > r (pigeonhole; probe-plan.ts picks
 * the cheapest), so scanning those buckets finds every match; each candidate is then verified on its
 * full 256-bit distance. Recall is exact by construction; tests check it against brute force.
 *
 * Memory is a handful of typed arrays, no object per hash:
 *   - per slot, 8 hash words, an id (f64) and a removed flag: a fixed base (as built or loaded) and
 *     a growing tail of the slots added since, so an add never copies the bank (slot-store.ts);
 *   - per segment, CSR postings (2^width + 1 bucket offsets, slot numbers sorted by bucket) built in
 *     one counting-sort pass, plus a "delta" of the slots added since: bucket chains in typed arrays
 *     (segment-postings.ts);
 *   - an open-addressing id -> slot table.
 * Adding links the slot into each segment's delta; removing sets its removed flag. Both are
 * O(segments) and seen by the next query. Once a segment's delta passes a limit, the segment is
 * rebuilt in bounded steps, one per add or remove, while queries go on using the old postings and
 * the delta; `compact()` rebuilds everything at once, reclaims removed slots and re-picks the layout.
 */
import { PDQ_HASH_WORDS, PDQ_MATCH_THRESHOLD, type PdqHash } from '@safelight/pdq';
import { HashbankError } from '../bank/errors.js';
import { scanAll, verifyCandidates, warmingSink } from './distance-kernels.js';
import { IdSlotTable } from './id-slot-table.js';
import { type ProbePlan, planQuery, probeMasks } from './probe-plan.js';
import {
  layoutForSize,
  layoutFromWidths,
  layoutWithBits,
  type SegmentLayout,
  sameLayout,
  segmentValue,
} from './segment-layout.js';
import {
  assertSegmentConsistent,
  buildPostings,
  emptySegments,
  linkDelta,
  NO_ENTRY,
  type Segment,
  SegmentRebuild,
} from './segment-postings.js';
import { SlotStore } from './slot-store.js';
import { assertId, assertPdqHash, assertRadius } from './validate.js';

export interface PdqMatch {
  id: number;
  distance: number;
}

export type QueryStrategy = 'auto' | 'linear' | 'mih';

export interface PdqIndexOptions {
  /** The bank size to expect: sizes the id table and picks the segment layout. */
  capacity?: number;
  /** Force a segment width (16..22) instead of choosing it from the bank size. */
  segmentBits?: number;
  /**
   * Once a segment's delta passes max(4096, size / 32) adds, rebuild it in bounded steps, one per
   * add or remove (default true). When false, only `compact()` folds the delta in.
   */
  autoCompact?: boolean;
}

/** The arrays a compacted index consists of; what a snapshot stores. */
export interface PdqIndexParts {
  size: number;
  /** Width in bits of each segment (they sum to 256). */
  segmentWidths: number[];
  /** Hash words, 8 per slot, slot order, possibly in several pieces. */
  hashes: Uint32Array[];
  /** Ids, one per slot, slot order, possibly in several pieces. */
  ids: Float64Array[];
  /** Per segment, 2^width + 1 offsets into that segment's postings. */
  offsets: Uint32Array[];
  /** Per segment, `size` slot numbers ordered by bucket. */
  postings: Uint32Array[];
  /** The id -> slot table (power-of-two length, -1 = empty). */
  idTable: Int32Array;
}

/** Slot numbers are stored in Uint32Array postings and must stay small integers for V8. */
export const MAX_PDQ_INDEX_SLOTS = 2 ** 28;
/** A segment may pend this many adds, or 1/32 of the bank if more, before it is rebuilt. */
const MIN_PENDING_BEFORE_REBUILD = 4096;
/** Slots of rebuild work done per add/remove: about 0.5 ms at 10M hashes. */
const REBUILD_STEP_SLOTS = 8192;

export class PdqIndex {
  private store = new SlotStore();
  private deadSlots = 0;
  private idTable: IdSlotTable;
  private layout: SegmentLayout;
  private segments: Segment[];
  private readonly autoCompact: boolean;
  /** The segment rebuild in progress, if any, advanced one step per change. */
  private rebuild: SegmentRebuild | undefined;
  private readonly fixedSegmentBits: number | undefined;
  /** Per radius, the plan and the bank-size class (floor(log2(slots))) it was made for. */
  private readonly plans = new Map<number, { sizeClass: number; plan: ProbePlan }>();
  /** Reused per query: the candidate slots and the probed buckets' posting ranges. */
  private candidates: Uint32Array = new Uint32Array(1 << 16);
  private ranges: Uint32Array = new Uint32Array(512);

  constructor(options: PdqIndexOptions = {}) {
    this.idTable = new IdSlotTable(options.capacity ?? 0);
    this.autoCompact = options.autoCompact ?? true;
    this.fixedSegmentBits = options.segmentBits;
    this.layout =
      options.segmentBits === undefined
        ? layoutForSize(options.capacity ?? 0)
        : layoutWithBits(options.segmentBits);
    this.segments = emptySegments(this.layout);
  }

  /**
   * Builds an index from `ids[i]` and hash words `hashes[8i .. 8i+7]`, one counting sort per
   * segment (much faster than adding one by one). Throws on a bad or duplicate id, naming its index.
   */
  static fromHashes(ids: ArrayLike<number>, hashes: Uint32Array, options: PdqIndexOptions = {}): PdqIndex {
    if (!(hashes instanceof Uint32Array) || hashes.length !== ids.length * PDQ_HASH_WORDS) {
      throw new HashbankError(
        'HASHBANK_INVALID_ARGUMENT',
        `hashes must be a Uint32Array of ${PDQ_HASH_WORDS} words per id (${ids.length * PDQ_HASH_WORDS}), got ${hashes?.length}`,
      );
    }
    const count = ids.length;
    if (count > MAX_PDQ_INDEX_SLOTS) {
      throw new HashbankError(
        'HASHBANK_CAPACITY_EXCEEDED',
        `at most ${MAX_PDQ_INDEX_SLOTS} hashes, got ${count}`,
      );
    }
    const index = new PdqIndex({ ...options, capacity: Math.max(count, options.capacity ?? 0) });
    const idArray = new Float64Array(count);
    for (let slot = 0; slot < count; slot++) {
      const id = ids[slot] as number;
      assertId(id, `ids[${slot}]`);
      idArray[slot] = id;
    }
    // A copy of the caller's words: the index must not alias its input.
    index.store = new SlotStore(hashes.slice(), idArray);
    for (let slot = 0; slot < count; slot++) {
      const id = idArray[slot] as number;
      if (index.idTable.get(id, index.store) !== NO_ENTRY) {
        throw new HashbankError('HASHBANK_DUPLICATE_ID', `ids[${slot}]: id ${id} is already in the index`);
      }
      index.idTable.insert(id, slot, index.store);
    }
    for (const segment of index.segments) buildPostings(segment, index.store);
    return index;
  }

  /** Wraps the arrays of a compacted index (from a snapshot) without copying them. */
  static fromParts(parts: PdqIndexParts, options: Omit<PdqIndexOptions, 'capacity'> = {}): PdqIndex {
    const index = new PdqIndex({ ...options, capacity: 16 });
    index.store = new SlotStore(joined(parts.hashes, Uint32Array), joined(parts.ids, Float64Array));
    index.idTable = IdSlotTable.fromTable(parts.idTable, parts.size);
    index.layout = layoutFromParts(parts);
    index.segments = emptySegments(index.layout);
    index.segments.forEach((segment, s) => {
      segment.offsets = parts.offsets[s] as Uint32Array;
      segment.postings = parts.postings[s] as Uint32Array;
      segment.deltaBase = parts.size;
    });
    return index;
  }

  /** Compacts, then returns the arrays (views, not copies) that make up the index. */
  toParts(): PdqIndexParts {
    this.compact();
    return {
      size: this.store.count,
      segmentWidths: [...this.layout.widths],
      hashes: this.store.usedHashes(),
      ids: this.store.usedIds(),
      offsets: this.segments.map((segment) => segment.offsets),
      postings: this.segments.map((segment) => segment.postings),
      idTable: this.idTable.rawTable,
    };
  }

  /** Number of hashes in the index. */
  get size(): number {
    return this.store.count - this.deadSlots;
  }

  /** Width in bits of each segment the index keys on. */
  get segmentWidths(): number[] {
    return [...this.layout.widths];
  }

  has(id: number): boolean {
    assertId(id);
    return this.idTable.get(id, this.store) !== NO_ENTRY;
  }

  /** A copy of the hash stored under `id`, or undefined. */
  get(id: number): PdqHash | undefined {
    assertId(id);
    const slot = this.idTable.get(id, this.store);
    return slot === NO_ENTRY ? undefined : this.store.hashAt(slot);
  }

  /** Adds `hash` under `id`; the next query sees it. Throws HASHBANK_DUPLICATE_ID if `id` is present. */
  add(id: number, hash: PdqHash): void {
    assertId(id);
    assertPdqHash(hash);
    if (this.idTable.get(id, this.store) !== NO_ENTRY) {
      throw new HashbankError('HASHBANK_DUPLICATE_ID', `id ${id} is already in the index`);
    }
    if (this.store.count >= MAX_PDQ_INDEX_SLOTS) {
      throw new HashbankError(
        'HASHBANK_CAPACITY_EXCEEDED',
        `the index holds at most ${MAX_PDQ_INDEX_SLOTS} hashes`,
      );
    }
    const slot = this.store.append(id, hash);
    this.idTable.insert(id, slot, this.store);
    for (const segment of this.segments) {
      linkDelta(segment, slot, segmentValue(hash, 0, segment.start, segment.width));
    }
    this.advanceRebuild();
  }

  /** Removes the hash under `id`; the next query no longer returns it. Returns false if absent. */
  remove(id: number): boolean {
    assertId(id);
    const slot = this.idTable.delete(id, this.store);
    if (slot === NO_ENTRY) return false;
    this.store.markDead(slot);
    this.deadSlots++;
    this.advanceRebuild();
    return true;
  }

  /** The path `query` takes at `radius` with the index at its current size. */
  strategyFor(radius: number): 'linear' | 'mih' {
    return this.probePlan(radius).kind;
  }

  /** What `query(hash, radius, strategy)` does: a scan, or the radius it probes each segment at. */
  probePlan(radius: number, strategy: QueryStrategy = 'auto'): ProbePlan {
    assertRadius(radius);
    assertStrategy(strategy);
    return strategy === 'linear' ? { kind: 'linear', cost: 0 } : this.planFor(radius, strategy === 'auto');
  }

  /**
   * Every stored hash within `radius` bits of `hash`, as {id, distance} sorted by distance then id.
   * `strategy` forces a path (for tests and benchmarks); every path returns the same matches.
   */
  query(hash: PdqHash, radius: number = PDQ_MATCH_THRESHOLD, strategy: QueryStrategy = 'auto'): PdqMatch[] {
    assertPdqHash(hash);
    assertRadius(radius);
    assertStrategy(strategy);
    const found: number[] = [];
    const plan = strategy === 'linear' ? undefined : this.planFor(radius, strategy === 'auto');
    if (plan?.kind === 'mih') {
      const count = this.gatherCandidates(hash, plan.radii);
      verifyCandidates(this.store, this.candidates, count, hash, radius, found);
    } else {
      scanAll(this.store, hash, radius, found);
    }
    const matches: PdqMatch[] = [];
    for (let k = 0; k < found.length; k += 2) {
      matches.push({ id: this.store.idAt(found[k] as number), distance: found[k + 1] as number });
    }
    matches.sort((a, b) => a.distance - b.distance || a.id - b.id);
    // A match can sit in probed buckets of several segments; its copies are now adjacent.
    return matches.filter((match, k) => k === 0 || match.id !== (matches[k - 1] as PdqMatch).id);
  }

  /**
   * Rebuilds every segment with pending changes; when hashes were removed, first renumbers the
   * slots to reclaim their space; re-picks the segment layout if the bank size now calls for
   * another. Costs about as much as building the index.
   */
  compact(): void {
    const layout =
      this.fixedSegmentBits === undefined ? layoutForSize(this.size) : layoutWithBits(this.fixedSegmentBits);
    this.rebuild = undefined;
    if (this.deadSlots > 0 || !sameLayout(layout, this.layout)) {
      if (this.deadSlots > 0) this.repackSlots();
      this.layout = layout;
      this.segments = emptySegments(layout);
      this.plans.clear();
      for (const segment of this.segments) buildPostings(segment, this.store);
      return;
    }
    for (const segment of this.segments) {
      // A segment never built (a fresh index) has no offsets yet; a snapshot needs them.
      if (this.pendingAdds(segment) > 0 || segment.offsets.length === 0) buildPostings(segment, this.store);
    }
  }

  /**
   * The cheapest plan at `radius` (a scan allowed or not), cached per bank-size class: planned for
   * the top of the class floor(log2(slots)), so one plan serves until the bank doubles or halves.
   */
  /** True while a segment rebuild is under way (advanced by adds and removes). */
  get rebuildInProgress(): boolean {
    return this.rebuild !== undefined;
  }

  /** Throws if any segment lost track of a live hash. For tests: O(size x segments). */
  assertConsistent(): void {
    this.segments.forEach((segment, s) => {
      assertSegmentConsistent(segment, this.store, `segment ${s}`);
    });
  }

  private planFor(radius: number, allowScan: boolean): ProbePlan {
    const sizeClass = 31 - Math.clz32(this.store.count);
    const key = allowScan ? radius : -1 - radius;
    const cached = this.plans.get(key);
    if (cached && cached.sizeClass === sizeClass) return cached.plan;
    const plan = planQuery(this.layout, 2 ** (sizeClass + 1) - 1, radius, allowScan);
    this.plans.set(key, { sizeClass, plan });
    return plan;
  }

  /**
   * Copies the slots in every probed bucket (postings, then delta chains) into `candidates`.
   *
   * At 10M hashes a bucket's offsets and its postings are each a cache miss in a table of tens of
   * MB. Going bucket by bucket chains the two misses and mispredicts each bucket's loop bound, so
   * the CPU waits on one miss at a time; instead all the buckets' ranges are read first (independent
   * loads), then each range's first posting is touched (independent again), and only then copied.
   */
  private gatherCandidates(hash: PdqHash, radii: Int8Array): number {
    let candidates = this.candidates;
    let count = 0;
    for (let s = 0; s < this.segments.length; s++) {
      const radius = radii[s] as number;
      if (radius < 0) continue;
      const segment = this.segments[s] as Segment;
      const value = segmentValue(hash, 0, segment.start, segment.width);
      const masks = probeMasks(segment.width, radius);
      const probes = masks.length;
      const { offsets, postings } = segment;
      if (postings.length > 0) {
        const ranges = this.rangeScratch(probes);
        for (let m = 0, j = 0; m < probes; m++, j += 2) {
          const bucket = value ^ (masks[m] as number);
          ranges[j] = offsets[bucket] as number;
          ranges[j + 1] = offsets[bucket + 1] as number;
        }
        let touched = 0;
        let total = 0;
        for (let j = 0; j < 2 * probes; j += 2) {
          touched ^= postings[ranges[j] as number] ?? 0;
          total += (ranges[j + 1] as number) - (ranges[j] as number);
        }
        warmingSink.value ^= touched;
        if (count + total > candidates.length) candidates = this.growCandidates(count + total);
        for (let j = 0; j < 2 * probes; j += 2) {
          const to = ranges[j + 1] as number;
          for (let p = ranges[j] as number; p < to; p++) candidates[count++] = postings[p] as number;
        }
      }
      if (segment.deltaBase === this.store.count) continue;
      const { deltaHeads, deltaHeadMask, deltaNext, deltaValue, deltaBase } = segment;
      for (let m = 0; m < probes; m++) {
        const bucket = value ^ (masks[m] as number);
        for (
          let e = deltaHeads[bucket & deltaHeadMask] as number;
          e !== NO_ENTRY;
          e = deltaNext[e] as number
        ) {
          if (deltaValue[e] !== bucket) continue;
          if (count === candidates.length) candidates = this.growCandidates(count + 1);
          candidates[count++] = deltaBase + e;
        }
      }
    }
    return count;
  }

  private rangeScratch(probes: number): Uint32Array {
    if (this.ranges.length < 2 * probes) this.ranges = new Uint32Array(2 * probes);
    return this.ranges;
  }

  private growCandidates(needed: number): Uint32Array {
    const grown = new Uint32Array(Math.max(needed, this.candidates.length * 2));
    grown.set(this.candidates);
    this.candidates = grown;
    return grown;
  }

  private pendingAdds(segment: Segment): number {
    return this.store.count - segment.deltaBase;
  }

  /**
   * One bounded step of background maintenance: continue the segment rebuild in progress, or
   * start one for the segment with the most pending adds once that passes the limit.
   */
  private advanceRebuild(): void {
    if (!this.autoCompact) return;
    if (!this.rebuild) {
      let worst: Segment | undefined;
      let most = Math.max(MIN_PENDING_BEFORE_REBUILD, this.size >> 5);
      for (const segment of this.segments) {
        const pending = this.pendingAdds(segment);
        if (pending > most) {
          most = pending;
          worst = segment;
        }
      }
      if (!worst) return;
      this.rebuild = new SegmentRebuild(worst, this.store.count);
    }
    if (this.rebuild.step(this.store, REBUILD_STEP_SLOTS)) this.rebuild = undefined;
  }

  /** Moves live slots down over dead ones (keeping their order) and re-keys the id table. */
  private repackSlots(): void {
    this.store.repack();
    this.deadSlots = 0;
    this.idTable.rebuild(this.store.count, this.store);
  }
}
/** One array of the pieces' elements: no copy when there is only one non-empty piece. */
function joined<T extends Uint32Array | Float64Array>(pieces: T[], Kind: { new (length: number): T }): T {
  const nonEmpty = pieces.filter((piece) => piece.length > 0);
  if (nonEmpty.length === 1) return nonEmpty[0] as T;
  const out = new Kind(nonEmpty.reduce((sum, piece) => sum + piece.length, 0));
  let at = 0;
  for (const piece of nonEmpty) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

function assertStrategy(strategy: unknown): asserts strategy is QueryStrategy {
  if (strategy !== 'auto' && strategy !== 'linear' && strategy !== 'mih') {
    throw new HashbankError(
      'HASHBANK_INVALID_ARGUMENT',
      `strategy must be 'auto', 'linear' or 'mih', got ${String(strategy)}`,
    );
  }
}

function layoutFromParts(parts: PdqIndexParts): SegmentLayout {
  return layoutFromWidths(parts.segmentWidths);
}
