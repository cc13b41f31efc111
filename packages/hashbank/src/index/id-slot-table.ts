/**
 * Maps ids (non-negative safe integers) to slots: an open-addressing hash table with linear probing
 * that stores only the slot (Int32Array, -1 = empty). The id itself is read from the owner's
 * per-slot ids (`IdLookup`), so each entry costs 4 bytes at load <= 3/4 instead of a JS Map's ~40 (and a
 * Map also stops at 2^24 entries). Deletion shifts later entries back, so there are no tombstones
 * and lookups never slow down after churn.
 */
const EMPTY = -1;

/** Where the table reads the id stored in a slot. */
export interface IdLookup {
  idAt(slot: number): number;
}
const MIN_CAPACITY = 16;

export class IdSlotTable {
  private table: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expectedSize = 0) {
    const capacity = capacityFor(expectedSize);
    this.table = new Int32Array(capacity).fill(EMPTY);
    this.mask = capacity - 1;
  }

  /** Wraps a table read from a snapshot (no copy); its size must be given. */
  static fromTable(table: Int32Array, size: number): IdSlotTable {
    const result = new IdSlotTable(0);
    result.table = table;
    result.mask = table.length - 1;
    result.count = size;
    return result;
  }

  get size(): number {
    return this.count;
  }

  /** The raw table, for snapshots. */
  get rawTable(): Int32Array {
    return this.table;
  }

  /** The slot holding `id`, or -1. */
  get(id: number, ids: IdLookup): number {
    const table = this.table;
    const mask = this.mask;
    for (let i = homeOf(id) & mask; ; i = (i + 1) & mask) {
      const slot = table[i] as number;
      if (slot === EMPTY || ids.idAt(slot) === id) return slot;
    }
  }

  /** Records `id -> slot`; the caller has checked that `id` is absent and stored it in `slot`. */
  insert(id: number, slot: number, ids: IdLookup): void {
    if ((this.count + 1) * 4 > this.table.length * 3) this.grow(ids);
    const table = this.table;
    const mask = this.mask;
    let i = homeOf(id) & mask;
    while (table[i] !== EMPTY) i = (i + 1) & mask;
    table[i] = slot;
    this.count++;
  }

  /** Removes `id`; returns its slot, or -1 when it was absent. */
  delete(id: number, ids: IdLookup): number {
    const table = this.table;
    const mask = this.mask;
    let i = homeOf(id) & mask;
    for (; ; i = (i + 1) & mask) {
      const slot = table[i] as number;
      if (slot === EMPTY) return EMPTY;
      if (ids.idAt(slot) === id) break;
    }
    const removed = table[i] as number;
    // Backward-shift deletion: pull later entries of the probe run into the hole when their home
    // position is not between the hole and where they sit.
    let hole = i;
    for (let j = (hole + 1) & mask; table[j] !== EMPTY; j = (j + 1) & mask) {
      const home = homeOf(ids.idAt(table[j] as number)) & mask;
      const movable = hole <= j ? home <= hole || home > j : home <= hole && home > j;
      if (movable) {
        table[hole] = table[j] as number;
        hole = j;
      }
    }
    table[hole] = EMPTY;
    this.count--;
    return removed;
  }

  /** Drops every entry and re-inserts `slots` (used after slots are renumbered). */
  rebuild(slots: number, ids: IdLookup): void {
    const capacity = capacityFor(slots);
    this.table = new Int32Array(capacity).fill(EMPTY);
    this.mask = capacity - 1;
    this.count = 0;
    for (let slot = 0; slot < slots; slot++) this.insert(ids.idAt(slot), slot, ids);
  }

  private grow(ids: IdLookup): void {
    const old = this.table;
    const capacity = old.length * 2;
    const table = new Int32Array(capacity).fill(EMPTY);
    const mask = capacity - 1;
    for (let k = 0; k < old.length; k++) {
      const slot = old[k] as number;
      if (slot === EMPTY) continue;
      let i = homeOf(ids.idAt(slot)) & mask;
      while (table[i] !== EMPTY) i = (i + 1) & mask;
      table[i] = slot;
    }
    this.table = table;
    this.mask = mask;
  }
}

function capacityFor(size: number): number {
  let capacity = MIN_CAPACITY;
  while (capacity * 3 < size * 4 + 4) capacity *= 2;
  return capacity;
}

/** Mixes both 32-bit halves of a safe integer (murmur3's finaliser), so sequential ids spread out. */
export function homeOf(id: number): number {
  const low = id >>> 0;
  const high = Math.floor(id / 4294967296) | 0;
  let h = low ^ Math.imul(high, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
