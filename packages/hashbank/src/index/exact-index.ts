/**
 * Exact look-ups of cryptographic file digests (MD5, 16 bytes; SHA-256, 32 bytes): which ids in a
 * bank have exactly this digest.
 *
 * Compact like the PDQ index: digests sit in one byte array (read as 32-bit words for comparison),
 * ids in a Float64Array, and two open-addressing tables of slot numbers (Int32Array, -1 = empty):
 * digest -> slots (a digest may be listed under several ids, so a look-up follows the probe run
 * and collects every equal one) and id -> slot. Removal frees the slot for the next add, so there
 * is nothing to compact.
 */
import { HashbankError } from '../bank/errors.js';
import { IdSlotTable } from './id-slot-table.js';
import { assertId, describe } from './validate.js';

export type DigestAlgorithm = 'md5' | 'sha256';

export const DIGEST_BYTES: Readonly<Record<DigestAlgorithm, number>> = { md5: 16, sha256: 32 };

const EMPTY = -1;

export class ExactDigestIndex {
  readonly algorithm: DigestAlgorithm;
  private readonly digestBytes: number;
  private readonly digestWords: number;
  private digests: Uint8Array;
  private words: Int32Array;
  private ids: Float64Array;
  private slotsUsed = 0;
  private free: number[] = [];
  private table: Int32Array;
  private tableCount = 0;
  private readonly byId = new IdSlotTable();
  private readonly idLookup = { idAt: (slot: number) => this.ids[slot] as number };
  private readonly probe: Uint8Array;
  private readonly probeWords: Int32Array;

  constructor(algorithm: DigestAlgorithm, capacity = 1024) {
    if (algorithm !== 'md5' && algorithm !== 'sha256') {
      throw new HashbankError(
        'HASHBANK_INVALID_ARGUMENT',
        `algorithm must be 'md5' or 'sha256', got ${String(algorithm)}`,
      );
    }
    this.algorithm = algorithm;
    this.digestBytes = DIGEST_BYTES[algorithm];
    this.digestWords = this.digestBytes / 4;
    const slots = Math.max(16, capacity);
    this.digests = new Uint8Array(slots * this.digestBytes);
    this.words = new Int32Array(this.digests.buffer);
    this.ids = new Float64Array(slots);
    this.table = new Int32Array(tableCapacityFor(slots)).fill(EMPTY);
    this.probe = new Uint8Array(this.digestBytes);
    this.probeWords = new Int32Array(this.probe.buffer);
  }

  /** Number of (id, digest) entries. */
  get size(): number {
    return this.byId.size;
  }

  /** Adds `digest` (bytes, or hex text) under `id`. Throws HASHBANK_DUPLICATE_ID if `id` is present. */
  add(id: number, digest: Uint8Array | string): void {
    assertId(id);
    const words = this.readDigest(digest);
    if (this.byId.get(id, this.idLookup) !== EMPTY) {
      throw new HashbankError('HASHBANK_DUPLICATE_ID', `id ${id} is already in the index`);
    }
    const slot = this.free.length > 0 ? (this.free.pop() as number) : this.newSlot();
    this.words.set(words, slot * this.digestWords);
    this.ids[slot] = id;
    this.byId.insert(id, slot, this.idLookup);
    if ((this.tableCount + 1) * 4 > this.table.length * 3) this.rehash(this.table.length * 2);
    const mask = this.table.length - 1;
    let i = this.home(slot) & mask;
    while (this.table[i] !== EMPTY) i = (i + 1) & mask;
    this.table[i] = slot;
    this.tableCount++;
  }

  /** Removes the entry under `id`; returns false if there was none. */
  remove(id: number): boolean {
    assertId(id);
    const slot = this.byId.delete(id, this.idLookup);
    if (slot === EMPTY) return false;
    const table = this.table;
    const mask = table.length - 1;
    let hole = this.home(slot) & mask;
    while (table[hole] !== slot) hole = (hole + 1) & mask;
    // Backward-shift deletion, as in IdSlotTable: no tombstones, look-ups never slow down.
    for (let j = (hole + 1) & mask; table[j] !== EMPTY; j = (j + 1) & mask) {
      const home = this.home(table[j] as number) & mask;
      const movable = hole <= j ? home <= hole || home > j : home <= hole && home > j;
      if (movable) {
        table[hole] = table[j] as number;
        hole = j;
      }
    }
    table[hole] = EMPTY;
    this.tableCount--;
    this.free.push(slot);
    return true;
  }

  /** Ids whose digest equals `digest`, ascending; empty when none. */
  lookup(digest: Uint8Array | string): number[] {
    const words = this.readDigest(digest);
    const table = this.table;
    const mask = table.length - 1;
    const found: number[] = [];
    for (let i = mixWord(words[0] as number) & mask; ; i = (i + 1) & mask) {
      const slot = table[i] as number;
      if (slot === EMPTY) break;
      if (this.equalsAt(slot, words)) found.push(this.ids[slot] as number);
    }
    return found.sort((a, b) => a - b);
  }

  has(digest: Uint8Array | string): boolean {
    return this.lookup(digest).length > 0;
  }

  /** The digest stored under `id` as bytes, or undefined. */
  get(id: number): Uint8Array | undefined {
    assertId(id);
    const slot = this.byId.get(id, this.idLookup);
    if (slot === EMPTY) return undefined;
    return this.digests.slice(slot * this.digestBytes, (slot + 1) * this.digestBytes);
  }

  private equalsAt(slot: number, words: Int32Array): boolean {
    const at = slot * this.digestWords;
    for (let w = 0; w < this.digestWords; w++) if (this.words[at + w] !== words[w]) return false;
    return true;
  }

  /** Digests are uniform already; mixing the first word still guards against odd inputs. */
  private home(slot: number): number {
    return mixWord(this.words[slot * this.digestWords] as number);
  }

  private newSlot(): number {
    const capacity = this.ids.length;
    if (this.slotsUsed === capacity) {
      const grown = Math.ceil(capacity * 1.5);
      const digests = new Uint8Array(grown * this.digestBytes);
      digests.set(this.digests);
      const ids = new Float64Array(grown);
      ids.set(this.ids);
      this.digests = digests;
      this.words = new Int32Array(digests.buffer);
      this.ids = ids;
    }
    return this.slotsUsed++;
  }

  private rehash(capacity: number): void {
    const old = this.table;
    const table = new Int32Array(capacity).fill(EMPTY);
    const mask = capacity - 1;
    for (let k = 0; k < old.length; k++) {
      const slot = old[k] as number;
      if (slot === EMPTY) continue;
      let i = this.home(slot) & mask;
      while (table[i] !== EMPTY) i = (i + 1) & mask;
      table[i] = slot;
    }
    this.table = table;
  }

  /** Validates a digest and returns its words (in a scratch array reused by the next call). */
  private readDigest(digest: unknown): Int32Array {
    const length = this.digestBytes;
    if (typeof digest === 'string') {
      if (digest.length !== length * 2 || !/^[0-9a-fA-F]*$/.test(digest)) {
        throw new HashbankError(
          'HASHBANK_INVALID_ARGUMENT',
          `digest must be ${length * 2} hex characters for ${this.algorithm}, got ${JSON.stringify(digest.slice(0, 80))}`,
        );
      }
      for (let i = 0; i < length; i++) this.probe[i] = Number.parseInt(digest.slice(i * 2, i * 2 + 2), 16);
      return this.probeWords;
    }
    if (!(digest instanceof Uint8Array)) {
      throw new HashbankError(
        'HASHBANK_INVALID_ARGUMENT',
        `digest must be a Uint8Array or hex string, got ${describe(digest)}`,
      );
    }
    if (digest.length !== length) {
      throw new HashbankError(
        'HASHBANK_INVALID_ARGUMENT',
        `digest must be ${length} bytes for ${this.algorithm}, got ${digest.length}`,
      );
    }
    this.probe.set(digest);
    return this.probeWords;
  }
}

function tableCapacityFor(size: number): number {
  let capacity = 16;
  while (capacity * 3 < size * 4) capacity *= 2;
  return capacity;
}

function mixWord(word: number): number {
  let h = Math.imul(word ^ (word >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
