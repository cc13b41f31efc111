export { PsiError, type PsiErrorCode } from './errors.js';
export {
  bitsPerKeyFor,
  DEFAULT_KEY_PARAMETERS,
  DEFAULT_TARGET_FALSE_OPEN_RATE,
  keySurvival,
  modelRecall,
  type RobustKeyParameters,
  robustKeys,
} from './keys.js';
export {
  buildPsiBank,
  buildPsiBankParallel,
  createPsiThresholdMode,
  DEFAULT_SYNTHETIC_RATE,
  DEFAULT_THRESHOLD,
  PSI_THRESHOLD_LEAKAGE,
  type PsiThresholdOptions,
  psiThresholdMode,
} from './mode.js';
export { PsiServerPool, type PsiServerPoolOptions } from './pool.js';
export {
  type PsiAccountView,
  PsiClient,
  type PsiPublicParameters,
  PsiServer,
  type StoredVoucher,
} from './protocol.js';
export {
  auditPsiTable,
  PSI_PUBLICATION_VERSION,
  type PsiPublication,
  publishPsiParameters,
  tableDigest,
  verifyPsiParameters,
} from './publication.js';
export { type BlindedTable, CUCKOO_SLOTS_PER_KEY, type ParallelBuildOptions } from './table.js';
export { decodePsiTable, psiTableFileBytes, psiTableHeader } from './table-file.js';
export { voucherBytes } from './voucher.js';
