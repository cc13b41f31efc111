// The bank snapshot a client-match device downloads, and its check against the bank's published
// Merkle commitment (packages/hashbank commitment scheme: RFC 6962 tree over the sorted, unique
// ('pdq', hex) signals). Format, all integers big-endian:
//   'S' 'L' 'B' 'S' | u8 version (1) | u16 length + UTF-8 bank name | u32 entry count |
//   per entry: u16 length + UTF-8 entry id | 32 bytes PDQ hash (the canonical hex's bytes)
import { type Commitment, commitSorted } from '@safelight/hashbank/isomorphic';
import { formatPdqHex, type PdqHash } from '@safelight/pdq';
import { pdqFromBytes, pdqToBytes } from './bytes.js';
import { DetectionError } from './errors.js';
import type { BankSnapshot } from './mode.js';
import { Reader } from './wire.js';

const SNAPSHOT_MAGIC = [0x53, 0x4c, 0x42, 0x53] as const;
const SNAPSHOT_VERSION = 1;
const encoder = new TextEncoder();

export type PublishedCommitment = Pick<Commitment, 'root' | 'treeSize'>;

/** The bank's commitment as packages/hashbank computes it over its active PDQ entries. */
export async function commitBankSnapshot(
  entries: ReadonlyArray<{ readonly pdq: PdqHash }>,
): Promise<PublishedCommitment> {
  const values = [...new Set(entries.map((e) => formatPdqHex(e.pdq)))].sort();
  const commitment = await commitSorted(values.map((value) => ({ signalType: 'pdq' as const, value })));
  return { root: commitment.root, treeSize: commitment.treeSize };
}

export function encodeBankSnapshot(bank: BankSnapshot): Uint8Array {
  const name = encoder.encode(bank.bankName);
  const ids = bank.entries.map((e) => encoder.encode(e.id));
  let size = 4 + 1 + 2 + name.length + 4;
  for (const id of ids) {
    if (id.length > 0xffff)
      throw new DetectionError('DETECTION_INVALID_OPTION', 'a bank entry id is too long');
    size += 2 + id.length + 32;
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(SNAPSHOT_MAGIC, 0);
  out[4] = SNAPSHOT_VERSION;
  view.setUint16(5, name.length);
  out.set(name, 7);
  let at = 7 + name.length;
  view.setUint32(at, bank.entries.length);
  at += 4;
  bank.entries.forEach((entry, i) => {
    const id = ids[i] as Uint8Array;
    view.setUint16(at, id.length);
    out.set(id, at + 2);
    at += 2 + id.length;
    pdqToBytes(entry.pdq, out, at);
    at += 32;
  });
  return out;
}

/**
 * Parses a downloaded snapshot and checks it against the published commitment before anything
 * uses it: an added, removed or altered hash, or another root, is DETECTION_SNAPSHOT_COMMITMENT_MISMATCH.
 * The commitment covers the hashes (what matching uses), not the entry ids; ids only label a
 * device's own reports, and the server checks a reported id against its own bank.
 */
export async function openBankSnapshot(
  bytes: Uint8Array,
  expected: PublishedCommitment,
): Promise<BankSnapshot> {
  if (!/^[0-9a-f]{64}$/i.test(expected.root) || !Number.isSafeInteger(expected.treeSize)) {
    throw new DetectionError(
      'DETECTION_INVALID_OPTION',
      'the expected commitment needs a hex root and a tree size',
    );
  }
  const bank = decodeBankSnapshot(bytes);
  const actual = await commitBankSnapshot(bank.entries);
  if (actual.treeSize !== expected.treeSize || actual.root !== expected.root.toLowerCase()) {
    throw new DetectionError(
      'DETECTION_SNAPSHOT_COMMITMENT_MISMATCH',
      `bank snapshot ${JSON.stringify(bank.bankName.slice(0, 64))} does not match the published commitment ` +
        `(${actual.treeSize} distinct hashes vs ${expected.treeSize} committed, roots differ: ${actual.root !== expected.root.toLowerCase()}); refusing to use it`,
    );
  }
  return { ...bank, commitment: actual.root };
}

export function decodeBankSnapshot(bytes: Uint8Array): BankSnapshot {
  try {
    const reader = new Reader(bytes, 'bank snapshot');
    const magic = reader.take(4, 'magic');
    if (SNAPSHOT_MAGIC.some((b, i) => magic[i] !== b)) throw malformed('it is not a bank snapshot');
    const version = reader.u8('version');
    if (version !== SNAPSHOT_VERSION) throw malformed(`unsupported snapshot version ${version}`);
    const bankName = reader.string('bankName');
    const count = reader.u32('count');
    // Each entry takes at least 34 bytes: refuse a count the bytes cannot hold before allocating.
    if (count * 34 > reader.remaining) throw malformed(`it claims ${count} entries but is too short`);
    const entries: Array<{ id: string; pdq: PdqHash }> = new Array(count);
    for (let i = 0; i < count; i++) {
      const id = reader.string(`entry ${i} id`);
      entries[i] = { id, pdq: pdqFromBytes(reader.take(32, `entry ${i} hash`)) };
    }
    reader.end();
    return { bankName, entries };
  } catch (error) {
    if (error instanceof DetectionError && error.code === 'DETECTION_SNAPSHOT_MALFORMED') throw error;
    throw malformed(
      error instanceof DetectionError ? error.message.replace(/^[A-Z_]+: /, '') : 'parse failed',
    );
  }
}

function malformed(why: string): DetectionError {
  return new DetectionError('DETECTION_SNAPSHOT_MALFORMED', `bank snapshot refused: ${why}`);
}
