// @safelight/hashbank — exports grouped by folder, one block per folder, so other folders'
// blocks (the matching index) merge in as their own lines.

// bank/: the domain (banks, entries, signal values, validation, errors)
export {
  BANK_KINDS,
  BANK_NAME_PATTERN,
  type Bank,
  type BankInput,
  type BankKind,
  type BankPatch,
  MAX_DESCRIPTION_LENGTH,
  normalizeBankInput,
  normalizeBankPatch,
  validateBankKind,
  validateBankName,
} from './bank/bank.js';
export {
  type BankEntry,
  type EntryInput,
  isActive,
  MAX_EXTERNAL_ID_LENGTH,
  MAX_METADATA_LENGTH,
  MAX_SOURCE_LENGTH,
  type NewEntry,
  normalizeEntry,
} from './bank/entry.js';
export { HashbankError, type HashbankErrorCode, ImportLineError, type LineProblem } from './bank/errors.js';
export {
  INDUSTRY_CLASSIFICATIONS,
  LABEL_PATTERN,
  MAX_LABELS,
  normalizeLabels,
  normalizeTimestamp,
} from './bank/fields.js';
export {
  isSignalType,
  normalizeSignal,
  parseSignalType,
  SIGNAL_TYPES,
  type SignalType,
} from './bank/signal.js';
export { formatVpdq, normalizeVpdq, parseVpdq, type VpdqFrame } from './bank/vpdq.js';

// commitment/: Merkle root over a bank's sorted active entries, inclusion proofs, verification
export { computeBankCommitment, proveBankEntry, publishCommitment } from './commitment/bank-commitment.js';
export {
  type CommittedSignal,
  canonicalSignal,
  compareSignals,
  encodeLeaf,
  leafHash,
} from './commitment/leaf.js';
export {
  EMPTY_ROOT,
  type Hash,
  hashLeafData,
  hashNode,
  inclusionPath,
  type LeafRange,
  MerkleBuilder,
  merkleRoot,
  proofRanges,
  verifyInclusion,
} from './commitment/merkle.js';
// formats/: hex lines, ThreatExchange/HMA CSV, JSON Lines; streaming all-or-nothing import, sorted export
export { csvFormat, DATASET_COLUMNS, threatExchangeTime } from './formats/csv.js';
export { formatCsvLine, parseCsvLine } from './formats/csv-line.js';
export { type ExportOptions, exportLines, exportToStream } from './formats/export.js';
export {
  BANK_FORMATS,
  type BankFormat,
  CSV_SHAPES,
  type CsvShape,
  type FormatCodec,
  formatFromPath,
  parseFormat,
} from './formats/format.js';
export { hexFormat } from './formats/hex.js';
export {
  type ImportOptions,
  type ImportResult,
  importEntries,
  importFile,
  type SkippedLine,
} from './formats/import.js';
export { JSONL_KEYS, jsonlFormat } from './formats/jsonl.js';
export { DEFAULT_MAX_LINE_BYTES, type Line, readLines } from './formats/line-reader.js';
// index/: the matching indexes (exact-radius PDQ multi-index hashing, MD5/SHA-256 look-ups)
export { DIGEST_BYTES, type DigestAlgorithm, ExactDigestIndex } from './index/exact-index.js';
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
// commitment.ts (commitSorted, proofs) and the PDQ index run anywhere: one list of them, shared
// with the browser entry.
export * from './isomorphic.js';
// matcher/: content against every enabled bank, with allow-list suppression
export {
  type BankHit,
  BankMatcher,
  type EntryRef,
  type ImageSignals,
  type MatcherOptions,
  type MatcherStats,
  type MatchVerdict,
} from './matcher/bank-matcher.js';
// storage/: one repository interface over SQLite (default) and PostgreSQL, through Kysely
export { KyselyBankRepository, type RepositoryOptions } from './storage/kysely-repository.js';
export { hashbankMigrations, migrateToLatest, type SqlFlavor } from './storage/migrations.js';
export {
  DEFAULT_DATA_DIR,
  type OpenRepositoryOptions,
  openRepository,
  SQLITE_FILE_NAME,
} from './storage/open.js';
export { openPostgresRepository, type PostgresRepositoryOptions, redact } from './storage/postgres.js';
export type {
  BankRepository,
  BankStats,
  CommitmentRecord,
  EntryFilter,
  ImportWriter,
  SignalTypeCounts,
} from './storage/repository.js';
export type { HashbankDatabase } from './storage/schema.js';
export { openSqliteRepository, type SqliteRepositoryOptions } from './storage/sqlite.js';
