/** Stable codes for what the reporting pipeline refuses. */
export type ReportingErrorCode =
  | 'REPORT_INVALID'
  | 'REPORT_TOO_LARGE'
  | 'REPORT_NOT_PERMITTED'
  | 'CASE_INVALID_EVENT'
  | 'AUDIT_CHAIN_BROKEN';

export class ReportingError extends Error {
  override readonly name = 'ReportingError';
  constructor(
    readonly code: ReportingErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
