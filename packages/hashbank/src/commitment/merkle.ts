import { sha256 } from '@noble/hashes/sha2.js';

/**
 * A Merkle tree over a bank's entries, shaped exactly as RFC 6962 / RFC 9162 (Certificate
 * Transparency) define it, so its proofs are a studied construction rather than a new one:
 *
 *   leaf hash  = SHA-256(0x00 || leaf data)
 *   node hash  = SHA-256(0x01 || left || right)
 *   empty tree = SHA-256("")
 *   n > 1 leaves: split at k, the largest power of two below n; root = node(MTH(first k), MTH(rest))
 *
 * The 0x00/0x01 prefixes separate leaves from inner nodes (no second-preimage tricks), and the
 * power-of-two split never duplicates a last odd node (the Bitcoin-style ambiguity).
 */
export type Hash = Uint8Array;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

export function hashLeafData(data: Uint8Array): Hash {
  return sha256.create().update(LEAF_PREFIX).update(data).digest();
}

export function hashNode(left: Hash, right: Hash): Hash {
  return sha256.create().update(NODE_PREFIX).update(left).update(right).digest();
}

export const EMPTY_ROOT: Hash = sha256(new Uint8Array(0));

/**
 * Computes the root of leaves added one at a time, holding only O(log n) hashes: the complete
 * subtrees so far (sizes are the binary digits of n), merged right to left at the end. Equal to
 * RFC 6962's recursive definition for every n.
 */
export class MerkleBuilder {
  private readonly stack: Array<{ size: number; hash: Hash }> = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  addLeafHash(leaf: Hash): void {
    this.count++;
    let top = { size: 1, hash: leaf };
    for (;;) {
      const previous = this.stack.at(-1);
      if (previous === undefined || previous.size !== top.size) break;
      this.stack.pop();
      top = { size: previous.size * 2, hash: hashNode(previous.hash, top.hash) };
    }
    this.stack.push(top);
  }

  root(): Hash {
    const last = this.stack.at(-1);
    if (last === undefined) return EMPTY_ROOT;
    let hash = last.hash;
    for (let i = this.stack.length - 2; i >= 0; i--)
      hash = hashNode((this.stack[i] as { hash: Hash }).hash, hash);
    return hash;
  }
}

export function merkleRoot(leafHashes: Iterable<Hash>): Hash {
  const builder = new MerkleBuilder();
  for (const leaf of leafHashes) builder.addLeafHash(leaf);
  return builder.root();
}

/** Largest power of two strictly below n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export interface LeafRange {
  start: number;
  end: number;
}

/**
 * The subtrees whose roots form the inclusion proof of leaf `index` in a tree of `size` leaves,
 * in proof order (nearest the leaf first), as RFC 6962 §2.1.1 PATH(m, D[n]) defines. Knowing the
 * ranges up front lets a proof be computed in one streaming pass over the leaves.
 */
export function proofRanges(index: number, size: number): LeafRange[] {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new RangeError(`leaf index ${index} is outside a tree of ${size} leaves`);
  }
  const ranges: LeafRange[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      ranges.push({ start: start + k, end });
      end = start + k;
    } else {
      ranges.push({ start, end: start + k });
      start += k;
    }
  }
  return ranges.reverse();
}

/** An audit path from the leaf hashes of the whole tree (for tests and small lists). */
export function inclusionPath(leafHashes: readonly Hash[], index: number): Hash[] {
  return proofRanges(index, leafHashes.length).map((range) =>
    merkleRoot(leafHashes.slice(range.start, range.end)),
  );
}

/**
 * Checks an inclusion proof (RFC 9162 §2.1.3.2): that `leaf` is leaf `index` of the tree of
 * `size` leaves whose root is `root`. Returns false on any mismatch, never throws on bad input.
 */
export function verifyInclusion(
  leaf: Hash,
  index: number,
  size: number,
  path: readonly Hash[],
  root: Hash,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let hash = leaf;
  for (const sibling of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      hash = hashNode(sibling, hash);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      hash = hashNode(hash, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(hash, root);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
