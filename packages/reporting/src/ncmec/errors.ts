/**
 * Typed errors of the CyberTipline code. Each carries a stable UPPER_SNAKE `code`; errors about a
 * report's content also carry `field`, the element path that is wrong (for example
 * `report/incidentSummary/incidentType`), and the message names it.
 */

export type NcmecValidationCode =
  | 'XML_MALFORMED'
  | 'XML_FORBIDDEN_CHARACTER'
  | 'ELEMENT_MISSING'
  | 'ELEMENT_OUT_OF_ORDER'
  | 'ELEMENT_UNEXPECTED'
  | 'ELEMENT_TOO_MANY'
  | 'ELEMENT_NOT_EMPTY'
  | 'ATTRIBUTE_MISSING'
  | 'ATTRIBUTE_UNEXPECTED'
  | 'VALUE_NOT_IN_ENUMERATION'
  | 'VALUE_INVALID'
  | 'VALUE_TOO_LONG'
  | 'VALUE_EMPTY';

export interface NcmecValidationIssue {
  readonly code: NcmecValidationCode;
  /** Slash-separated element path, `@name` for an attribute. */
  readonly field: string;
  readonly message: string;
}

/** A report (or file details) document that does not conform to the CyberTipline schema. */
export class NcmecValidationError extends Error {
  override readonly name = 'NcmecValidationError';
  readonly code: NcmecValidationCode;
  readonly field: string;
  readonly issues: readonly NcmecValidationIssue[];

  constructor(issues: readonly NcmecValidationIssue[]) {
    const first = issues[0];
    if (!first) throw new TypeError('NcmecValidationError needs at least one issue');
    super(
      issues.length === 1 ? first.message : `${first.message} (and ${issues.length - 1} more problem(s))`,
    );
    this.code = first.code;
    this.field = first.field;
    this.issues = issues;
  }
}

export type NcmecApiErrorCode =
  /** The request did not finish within the client's timeout. */
  | 'NCMEC_TIMEOUT'
  /** The connection broke after the request may have been sent (reset, socket hang-up). */
  | 'NCMEC_CONNECTION_LOST'
  /** The connection failed before the request was sent (safe to retry anything). */
  | 'NCMEC_UNREACHABLE'
  /** HTTP 5xx without a CyberTipline answer. */
  | 'NCMEC_HTTP_ERROR'
  /** The body was not the XML answer the endpoint documents. */
  | 'NCMEC_MALFORMED_RESPONSE'
  /** HTTP 401/403 or response codes 2000/3000/3100/3300: credentials are wrong or lack the right. */
  | 'NCMEC_UNAUTHORIZED'
  /** A well-formed answer with a non-zero response code. */
  | 'NCMEC_REJECTED';

/** A CyberTipline API call that did not succeed. */
export class NcmecApiError extends Error {
  override readonly name = 'NcmecApiError';
  readonly code: NcmecApiErrorCode;
  /** The endpoint called: status, submit, upload, fileinfo, finish or retract. */
  readonly endpoint: string;
  /** NCMEC's response code when the answer carried one. */
  readonly responseCode: number | undefined;
  readonly httpStatus: number | undefined;
  /**
   * Whether NCMEC may have acted on the request although the call failed (a timeout, a 5xx, a
   * malformed answer). A definite refusal or an unreachable server is not ambiguous.
   */
  readonly ambiguous: boolean;

  constructor(
    code: NcmecApiErrorCode,
    endpoint: string,
    message: string,
    details: { responseCode?: number; httpStatus?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.endpoint = endpoint;
    this.responseCode = details.responseCode;
    this.httpStatus = details.httpStatus;
    this.ambiguous =
      code === 'NCMEC_TIMEOUT' ||
      code === 'NCMEC_CONNECTION_LOST' ||
      code === 'NCMEC_HTTP_ERROR' ||
      code === 'NCMEC_MALFORMED_RESPONSE';
  }
}

export type NcmecSubmissionErrorCode =
  /** A submit was sent for this case and its outcome is unknown: it is never sent again automatically. */
  | 'SUBMIT_OUTCOME_UNKNOWN'
  /** The case's report was retracted; it cannot be finished or changed. */
  | 'REPORT_RETRACTED'
  /** The case's report is finished; it cannot be retracted or changed. */
  | 'REPORT_FINISHED'
  /** The case has no report at NCMEC to act on. */
  | 'REPORT_NOT_SUBMITTED'
  /** The input to a submission is inconsistent (e.g. a file key used twice). */
  | 'SUBMISSION_INVALID';

/** A submission-flow decision that needs a person, or a request the case's state forbids. */
export class NcmecSubmissionError extends Error {
  override readonly name = 'NcmecSubmissionError';
  readonly code: NcmecSubmissionErrorCode;
  readonly caseId: string;

  constructor(code: NcmecSubmissionErrorCode, caseId: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.caseId = caseId;
  }
}
