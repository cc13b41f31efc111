/**
 * PDQ index snapshots: the whole index as one binary buffer that loads without parsing a hash.
 *
 * Layout (little-endian; every section starts on a 64-byte boundary so that loading can wrap
 * typed-array views around the bytes instead of copying them):
 *
 *   header, 64 bytes
 *     0  8  magic "SLPDQIDX"
 *     8  4  format version (1)
 *    12  4  header length: 64 + segment widths (padded to 8) + directory
 *    16  8  number of hashes n
 *    24  4  number of segments m
 *    28  4  number of sections (3 + 2m)
 *    32  4  XXH32 of the whole header (header length bytes) with this field zeroed
 *    36  4  zero
 *    40  8  total length of the snapshot in bytes
 *    48 16  zero
 *   segment widths, m bytes, zero-padded to a multiple of 8
 *   directory, 24 bytes per section: kind u32, XXH32 of its bytes u32, offset u64, length u64
 *   sections, in directory order:
 *     kind 1  hashes        n x 8 u32 words (bit k of a hash is bit k % 32 of word k / 32)
 *     kind 2  ids           n x f64
 *     kind 3  id table      power-of-two x i32: open addressing by murmur3-mixed id, -1 empty
 *     kind 4  offsets[s]    (2^width_s + 1) x u32, for s = 0..m-1
 *     kind 5  postings[s]   n x u32 slot numbers sorted by bucket, for s = 0..m-1
 *
 * Every section carries its own checksum so a corrupt snapshot is refused with the name of the
 * part that is damaged. Old versions stay readable: a test freezes a version-1 snapshot.
 */
import { PDQ_HASH_WORDS } from '@safelight/pdq';
import { HashbankError } from '../bank/errors.js';
import { PdqIndex, type PdqIndexOptions, type PdqIndexParts } from './pdq-index.js';
import { layoutFromWidths } from './segment-layout.js';
import { xxh32 } from './xxh32.js';

export const PDQ_SNAPSHOT_MAGIC = 'SLPDQIDX';
export const PDQ_SNAPSHOT_VERSION = 1;
const FIXED_HEADER = 64;
const DIRECTORY_ENTRY = 24;
const ALIGN = 64;
const CHECKSUM_AT = 32;
const TOTAL_LENGTH_AT = 40;

const Kind = { Hashes: 1, Ids: 2, IdTable: 3, Offsets: 4, Postings: 5 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

interface Section {
  kind: Kind;
  name: string;
  /** The section's bytes, possibly in several pieces (the index keeps a base and a tail). */
  bytes: Uint8Array[];
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function assertLittleEndian(): void {
  if (!LITTLE_ENDIAN) {
    throw new HashbankError('HASHBANK_INVALID_SNAPSHOT', 'snapshots need a little-endian platform');
  }
}

function bytesOf(array: Uint32Array | Int32Array | Float64Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function sectionsOf(parts: PdqIndexParts): Section[] {
  const sections: Section[] = [
    { kind: Kind.Hashes, name: 'hashes', bytes: parts.hashes.map(bytesOf) },
    { kind: Kind.Ids, name: 'ids', bytes: parts.ids.map(bytesOf) },
    { kind: Kind.IdTable, name: 'id table', bytes: [bytesOf(parts.idTable)] },
  ];
  parts.offsets.forEach((offsets, s) => {
    sections.push({ kind: Kind.Offsets, name: `offsets[${s}]`, bytes: [bytesOf(offsets)] });
  });
  parts.postings.forEach((postings, s) => {
    sections.push({ kind: Kind.Postings, name: `postings[${s}]`, bytes: [bytesOf(postings)] });
  });
  return sections;
}

function headerLength(segments: number, sections: number): number {
  return FIXED_HEADER + Math.ceil(segments / 8) * 8 + sections * DIRECTORY_ENTRY;
}

function alignUp(value: number): number {
  return Math.ceil(value / ALIGN) * ALIGN;
}

/**
 * The snapshot as a list of byte ranges to write one after another (the index's own arrays, not
 * copies, between a header and zero padding): write them with `writev` or join them with
 * `concatBytes`. Compacts the index first.
 */
export function encodePdqSnapshot(index: PdqIndex): Uint8Array[] {
  assertLittleEndian();
  const parts = index.toParts();
  const sections = sectionsOf(parts);
  const segments = parts.segmentWidths.length;
  const header = new Uint8Array(alignUp(headerLength(segments, sections.length)));
  const view = new DataView(header.buffer);
  header.set(new TextEncoder().encode(PDQ_SNAPSHOT_MAGIC), 0);
  view.setUint32(8, PDQ_SNAPSHOT_VERSION, true);
  view.setUint32(12, headerLength(segments, sections.length), true);
  view.setBigUint64(16, BigInt(parts.size), true);
  view.setUint32(24, segments, true);
  view.setUint32(28, sections.length, true);
  header.set(parts.segmentWidths, FIXED_HEADER);
  const out: Uint8Array[] = [header];
  let offset = header.length;
  let entry = FIXED_HEADER + Math.ceil(segments / 8) * 8;
  for (const section of sections) {
    const length = section.bytes.reduce((sum, piece) => sum + piece.length, 0);
    view.setUint32(entry, section.kind, true);
    view.setUint32(entry + 4, xxh32(section.bytes), true);
    view.setBigUint64(entry + 8, BigInt(offset), true);
    view.setBigUint64(entry + 16, BigInt(length), true);
    entry += DIRECTORY_ENTRY;
    out.push(...section.bytes);
    offset += length;
    const padding = alignUp(offset) - offset;
    if (padding > 0) out.push(new Uint8Array(padding));
    offset += padding;
  }
  view.setBigUint64(TOTAL_LENGTH_AT, BigInt(offset), true);
  view.setUint32(CHECKSUM_AT, xxh32(header.subarray(0, headerLength(segments, sections.length))), true);
  return out;
}

export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

export interface DecodeSnapshotOptions extends Omit<PdqIndexOptions, 'capacity'> {
  /** Check every section's XXH32 (default true; about 0.3 s per GB). */
  verifyChecksums?: boolean;
}

function invalid(message: string): HashbankError {
  return new HashbankError('HASHBANK_INVALID_SNAPSHOT', `invalid PDQ index snapshot: ${message}`);
}

/**
 * An index over the snapshot's bytes. Its typed arrays are views into `bytes` (no copy when it is
 * 8-byte aligned, as file reads are): the index owns `bytes` from then on, and the caller must
 * neither modify nor reuse them.
 */
export function decodePdqSnapshot(bytes: Uint8Array, options: DecodeSnapshotOptions = {}): PdqIndex {
  assertLittleEndian();
  if (!(bytes instanceof Uint8Array)) {
    throw new HashbankError('HASHBANK_INVALID_ARGUMENT', 'snapshot must be a Uint8Array');
  }
  if (bytes.byteOffset % 8 !== 0) bytes = bytes.slice();
  if (bytes.length < FIXED_HEADER) {
    throw invalid(`truncated: ${bytes.length} bytes, the header alone is ${FIXED_HEADER}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== PDQ_SNAPSHOT_MAGIC)
    throw invalid(`bad magic ${JSON.stringify(magic)}, not a PDQ index snapshot`);
  const version = view.getUint32(8, true);
  if (version !== PDQ_SNAPSHOT_VERSION) {
    throw invalid(`format version ${version}, this build reads version ${PDQ_SNAPSHOT_VERSION}`);
  }
  const size = Number(view.getBigUint64(16, true));
  const segments = view.getUint32(24, true);
  const sectionCount = view.getUint32(28, true);
  const declaredHeader = view.getUint32(12, true);
  if (
    segments > 64 ||
    sectionCount !== 3 + 2 * segments ||
    declaredHeader !== headerLength(segments, sectionCount)
  ) {
    throw invalid('header counts are inconsistent');
  }
  if (bytes.length < declaredHeader) {
    throw invalid(`truncated: ${bytes.length} bytes, the header and directory are ${declaredHeader}`);
  }
  const header = bytes.slice(0, declaredHeader);
  new DataView(header.buffer).setUint32(CHECKSUM_AT, 0, true);
  if (xxh32(header) !== view.getUint32(CHECKSUM_AT, true)) throw invalid('header checksum mismatch');
  const total = Number(view.getBigUint64(TOTAL_LENGTH_AT, true));
  if (bytes.length < total) throw invalid(`truncated: ${bytes.length} bytes, the snapshot is ${total}`);
  if (bytes.length > total) throw invalid(`${bytes.length - total} bytes follow the snapshot's end`);
  let layout: ReturnType<typeof layoutFromWidths>;
  try {
    layout = layoutFromWidths([...bytes.subarray(FIXED_HEADER, FIXED_HEADER + segments)]);
  } catch (error) {
    throw invalid(`segment widths: ${(error as Error).message}`);
  }
  const verify = options.verifyChecksums ?? true;
  const expected: Array<{ kind: Kind; name: string; length: number | undefined }> = [
    { kind: Kind.Hashes, name: 'hashes', length: size * PDQ_HASH_WORDS * 4 },
    { kind: Kind.Ids, name: 'ids', length: size * 8 },
    { kind: Kind.IdTable, name: 'id table', length: undefined },
    ...layout.widths.map((w, s) => ({ kind: Kind.Offsets, name: `offsets[${s}]`, length: (2 ** w + 1) * 4 })),
    ...layout.widths.map((_, s) => ({ kind: Kind.Postings, name: `postings[${s}]`, length: size * 4 })),
  ];
  let entry = FIXED_HEADER + Math.ceil(segments / 8) * 8;
  const sections = expected.map(({ kind, name, length }) => {
    const at = entry;
    entry += DIRECTORY_ENTRY;
    const offset = Number(view.getBigUint64(at + 8, true));
    const byteLength = Number(view.getBigUint64(at + 16, true));
    if (view.getUint32(at, true) !== kind) throw invalid(`section ${name} is out of place`);
    if (length !== undefined && byteLength !== length) {
      throw invalid(`section ${name} is ${byteLength} bytes, expected ${length}`);
    }
    if (offset % ALIGN !== 0 || offset < declaredHeader) throw invalid(`section ${name} is misplaced`);
    if (offset + byteLength > bytes.length) {
      throw invalid(
        `truncated: section ${name} ends at byte ${offset + byteLength}, the snapshot has ${bytes.length}`,
      );
    }
    const data = bytes.subarray(offset, offset + byteLength);
    if (verify && xxh32(data) !== view.getUint32(at + 4, true))
      throw invalid(`section ${name} checksum mismatch`);
    return { offset: bytes.byteOffset + offset, byteLength };
  });
  const u32 = (k: number) => {
    const { offset, byteLength } = sections[k] as { offset: number; byteLength: number };
    return new Uint32Array(bytes.buffer, offset, byteLength / 4);
  };
  const idSection = sections[2] as { offset: number; byteLength: number };
  const idTable = new Int32Array(bytes.buffer, idSection.offset, idSection.byteLength / 4);
  if (idTable.length < size || (idTable.length & (idTable.length - 1)) !== 0) {
    throw invalid(`id table of ${idTable.length} entries cannot hold ${size} ids`);
  }
  const offsets = layout.widths.map((_, s) => u32(3 + s));
  offsets.forEach((o, s) => {
    if (o[o.length - 1] !== size) throw invalid(`offsets[${s}] do not end at the hash count`);
  });
  const idsSection = sections[1] as { offset: number; byteLength: number };
  return PdqIndex.fromParts(
    {
      size,
      segmentWidths: [...layout.widths],
      hashes: [u32(0)],
      ids: [new Float64Array(bytes.buffer, idsSection.offset, size)],
      idTable,
      offsets,
      postings: layout.widths.map((_, s) => u32(3 + segments + s)),
    },
    options,
  );
}
