// Typed errors for psi-threshold. Messages name the bad field and never echo voucher bytes, keys
// or payload contents.

export type PsiErrorCode =
  | 'PSI_MALFORMED_VOUCHER'
  | 'PSI_REPLAYED_VOUCHER'
  | 'PSI_INVALID_THRESHOLD'
  | 'PSI_INVALID_SYNTHETIC_RATE'
  | 'PSI_INVALID_KEY_PARAMETERS'
  | 'PSI_EMPTY_BANK'
  | 'PSI_TABLE_BUILD_FAILED'
  | 'PSI_PUBLICATION_MISMATCH'
  /** A downloaded table file that cannot be parsed (psi/table-file.ts). */
  | 'PSI_MALFORMED_TABLE';

export class PsiError extends Error {
  readonly code: PsiErrorCode;
  constructor(code: PsiErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'PsiError';
    this.code = code;
  }
}
