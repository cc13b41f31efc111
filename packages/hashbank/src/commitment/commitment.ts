import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { HashbankError } from '../bank/errors.js';
import { type CommittedSignal, canonicalSignal, compareSignals, leafHash } from './leaf.js';
import { type Hash, MerkleBuilder, proofRanges, verifyInclusion } from './merkle.js';

/** Names the construction in published records, so a verifier knows what it checks. */
export const COMMITMENT_SCHEME = 'safelight-hashbank-merkle-v1 (RFC 6962 tree, SHA-256)';

export interface Commitment {
  scheme: string;
  /** Hex SHA-256 root. */
  root: string;
  treeSize: number;
}

export interface InclusionProof {
  scheme: string;
  signalType: string;
  value: string;
  index: number;
  treeSize: number;
  /** Sibling subtree roots, hex, nearest the leaf first. */
  path: string[];
  root: string;
}

/**
 * Commits to signals that arrive already sorted and unique (a database stream); throws if they
 * are not, since a commitment over another order would not be reproducible by a verifier.
 */
export async function commitSorted(
  signals: AsyncIterable<CommittedSignal> | Iterable<CommittedSignal>,
): Promise<Commitment> {
  const builder = new MerkleBuilder();
  let previous: CommittedSignal | undefined;
  for await (const signal of signals) {
    if (previous !== undefined && compareSignals(previous, signal) >= 0) {
      throw new HashbankError(
        'BANK_INVALID_PROOF',
        'signals to commit must be sorted by (signal type, value) and unique',
      );
    }
    previous = { signalType: signal.signalType, value: signal.value };
    builder.addLeafHash(leafHash(signal));
  }
  return { scheme: COMMITMENT_SCHEME, root: bytesToHex(builder.root()), treeSize: builder.size };
}

/**
 * For a client or auditor: does this list (in any order) equal the committed one? The list is
 * canonicalised and sorted as the bank does; a duplicate, a missing or an extra or changed entry
 * gives a different root.
 */
export async function verifyList(
  signals: Iterable<{ signalType: string; value: string }>,
  commitment: Pick<Commitment, 'root' | 'treeSize'>,
): Promise<boolean> {
  const canonical = [...signals].map((s) => canonicalSignal(s.signalType, s.value)).sort(compareSignals);
  for (let i = 1; i < canonical.length; i++) {
    if (compareSignals(canonical[i - 1] as CommittedSignal, canonical[i] as CommittedSignal) === 0)
      return false;
  }
  const computed = await commitSorted(canonical);
  return computed.treeSize === commitment.treeSize && computed.root === commitment.root.toLowerCase();
}

/**
 * Builds the inclusion proof of leaf `index` in one pass over the sorted signals (a database
 * stream of any length): each proof node is the root of a known leaf range, computed as the
 * stream passes through it, so memory is O(log n).
 */
export async function proveSorted(
  signals: AsyncIterable<CommittedSignal> | Iterable<CommittedSignal>,
  index: number,
  treeSize: number,
): Promise<InclusionProof> {
  const ranges = proofRanges(index, treeSize);
  const builders = ranges.map(() => new MerkleBuilder());
  const byStart = ranges
    .map((range, i) => ({ ...range, builder: builders[i] as MerkleBuilder }))
    .sort((a, b) => a.start - b.start);
  const whole = new MerkleBuilder();
  let target: CommittedSignal | undefined;
  let position = 0;
  let next = 0;
  for await (const signal of signals) {
    const hash = leafHash(signal);
    whole.addLeafHash(hash);
    if (position === index) target = { signalType: signal.signalType, value: signal.value };
    while (next < byStart.length && (byStart[next] as { end: number }).end <= position) next++;
    const range = byStart[next];
    if (range !== undefined && range.start <= position && position < range.end)
      range.builder.addLeafHash(hash);
    position++;
  }
  if (position !== treeSize || target === undefined) {
    throw new HashbankError(
      'BANK_INVALID_PROOF',
      `expected ${treeSize} entries, read ${position}: the bank changed during the proof`,
    );
  }
  return {
    scheme: COMMITMENT_SCHEME,
    signalType: target.signalType,
    value: target.value,
    index,
    treeSize,
    path: builders.map((b) => bytesToHex(b.root())),
    root: bytesToHex(whole.root()),
  };
}

/**
 * For a client: is this signal in the committed list? Checks the proof against the published
 * commitment (root AND tree size: the audit path alone does not pin the size).
 */
export function verifyProof(
  proof: InclusionProof,
  commitment: Pick<Commitment, 'root' | 'treeSize'>,
): boolean {
  if (proof.treeSize !== commitment.treeSize) return false;
  const root = commitment.root;
  let path: Hash[];
  let expected: Hash;
  let signal: CommittedSignal;
  try {
    signal = canonicalSignal(proof.signalType, proof.value);
    path = proof.path.map((h) => hexToBytes(h));
    expected = hexToBytes(root);
  } catch {
    return false;
  }
  return verifyInclusion(leafHash(signal), proof.index, proof.treeSize, path, expected);
}
