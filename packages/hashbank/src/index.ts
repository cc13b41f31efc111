export { HashbankError, type HashbankErrorCode } from './errors.js';
export { DIGEST_BYTES, type DigestAlgorithm, ExactDigestIndex } from './index/exact-index.js';
export {
  MAX_PDQ_INDEX_SLOTS,
  PdqIndex,
  type PdqIndexOptions,
  type PdqIndexParts,
  type PdqMatch,
  type QueryStrategy,
} from './index/pdq-index.js';
export {
  concatBytes,
  type DecodeSnapshotOptions,
  decodePdqSnapshot,
  encodePdqSnapshot,
  PDQ_SNAPSHOT_MAGIC,
  PDQ_SNAPSHOT_VERSION,
} from './index/pdq-snapshot.js';
export {
  CANDIDATE_NS,
  PROBE_NS,
  type ProbePlan,
  planQuery,
  SCAN_FULL_NS,
  SCAN_NS,
} from './index/probe-plan.js';
export {
  flipBits,
  flipRandomBits,
  randomHash,
  randomHashWords,
  seededRandom,
} from './index/random-hashes.js';
export {
  layoutForSize,
  layoutWithBits,
  MAX_SEGMENT_BITS,
  MIN_SEGMENT_BITS,
  type SegmentLayout,
} from './index/segment-layout.js';
export { xxh32 } from './index/xxh32.js';
