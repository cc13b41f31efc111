export { decimationIndices, jaroszWindowSize } from './blur.js';
export { DIHEDRAL_NAMES, type DihedralName, dct64To16, dihedralDct } from './dct.js';
export { PdqError, type PdqErrorCode } from './errors.js';
export {
  emptyHash,
  formatPdqHex,
  getBit,
  hammingDistance,
  hashesEqual,
  hashWeight,
  isPdqHex,
  PDQ_HASH_BITS,
  PDQ_HASH_WORDS,
  PDQ_HEX_LENGTH,
  PDQ_MATCH_THRESHOLD,
  PDQ_QUALITY_THRESHOLD,
  type PdqHash,
  parsePdqHex,
  popcount32,
} from './hash.js';
export { lumaFromPixels, type PixelBuffer, validatePixelBuffer } from './luma.js';
export { torbenMedian } from './median.js';
export {
  type DihedralHashes,
  dctToHash,
  MIN_HASHABLE_DIMENSION,
  type PdqDihedralResult,
  PdqHasher,
  type PdqIntermediates,
  type PdqResult,
  pdqHash,
  pdqHashWithDihedrals,
  pdqIntermediatesFromLuma,
} from './pdq.js';
export { qualityFrom64x64 } from './quality.js';
export { type SyntheticKind, syntheticImage } from './synthetic-images.js';
export {
  compareFrameByFrame,
  dedupeConsecutiveFrames,
  formatVpdqText,
  matchVpdq,
  parseVpdqText,
  type VpdqFeature,
  type VpdqMatchOptions,
  type VpdqMatchResult,
} from './vpdq.js';
