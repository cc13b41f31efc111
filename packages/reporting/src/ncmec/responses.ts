/** NCMEC's response codes and the two answer documents (reportResponse, reportDoneResponse). */
import { element, parseXml, serializeXml, type XmlElement } from './xml.js';

/** The CyberTipline API's response codes: 0 is success, every other value an error. */
export const NCMEC_RESPONSE_CODES = {
  SUCCESS: 0,
  SERVER_ERROR: 1000,
  SAVE_FAILED: 1100,
  UPLOAD_FAILED: 1110,
  FILE_UPLOAD_FAILED: 1111,
  RESOURCE_NOT_FOUND: 1210,
  UPDATE_FAILED: 1300,
  AUTHENTICATION_REQUIRED: 2000,
  NOT_AUTHORIZED: 3000,
  NOT_AUTHORIZED_FOR_SUBMISSIONS: 3100,
  NOT_AUTHORIZED_FOR_UPDATES: 3300,
  INVALID_REQUEST: 4000,
  VALIDATION_FAILED: 4100,
  MALFORMED_XML: 4110,
  MALFORMED_FILE: 4200,
  REPORT_DOES_NOT_EXIST: 5001,
  FILE_DOES_NOT_EXIST: 5002,
  REPORT_ALREADY_RETRACTED: 5101,
  REPORT_ALREADY_FINISHED: 5102,
} as const;

export type NcmecResponseCode = (typeof NCMEC_RESPONSE_CODES)[keyof typeof NCMEC_RESPONSE_CODES];

export const AUTH_RESPONSE_CODES: ReadonlySet<number> = new Set([2000, 3000, 3100, 3300]);

/** A parsed `<reportResponse>`. */
export interface NcmecReportResponse {
  readonly responseCode: number;
  readonly responseDescription: string;
  readonly reportId?: string;
  readonly fileId?: string;
  readonly hash?: string;
}

/** A parsed `<reportDoneResponse>` (the answer to /finish). */
export interface NcmecReportDoneResponse {
  readonly responseCode: number;
  readonly reportId: string;
  readonly fileIds: readonly string[];
}

function childText(el: XmlElement, name: string): string | undefined {
  return el.children.find((c) => c.name === name)?.text?.trim();
}

/** Parses an answer body; undefined when it is not one of the two documents with a numeric code. */
export function parseNcmecResponse(
  body: string,
):
  | { kind: 'report'; value: NcmecReportResponse }
  | { kind: 'done'; value: NcmecReportDoneResponse }
  | undefined {
  let root: XmlElement;
  try {
    root = parseXml(body);
  } catch {
    return undefined;
  }
  const code = childText(root, 'responseCode');
  if (code === undefined || !/^-?\d+$/.test(code)) return undefined;
  const responseCode = Number(code);
  if (root.name === 'reportResponse') {
    const reportId = childText(root, 'reportId');
    const fileId = childText(root, 'fileId');
    const hash = childText(root, 'hash');
    return {
      kind: 'report',
      value: {
        responseCode,
        responseDescription: childText(root, 'responseDescription') ?? '',
        ...(reportId ? { reportId } : {}),
        ...(fileId ? { fileId } : {}),
        ...(hash ? { hash } : {}),
      },
    };
  }
  if (root.name === 'reportDoneResponse') {
    const files = root.children.find((c) => c.name === 'files');
    return {
      kind: 'done',
      value: {
        responseCode,
        reportId: childText(root, 'reportId') ?? '',
        fileIds: (files?.children ?? []).filter((c) => c.name === 'fileId').map((c) => c.text?.trim() ?? ''),
      },
    };
  }
  return undefined;
}

export function reportResponseXml(response: NcmecReportResponse): string {
  return serializeXml(
    element(
      'reportResponse',
      [
        element('responseCode', String(response.responseCode)),
        element('responseDescription', response.responseDescription),
        response.reportId === undefined ? undefined : element('reportId', response.reportId),
        response.fileId === undefined ? undefined : element('fileId', response.fileId),
        response.hash === undefined ? undefined : element('hash', response.hash),
      ].filter((e): e is XmlElement => e !== undefined),
    ),
  );
}

export function reportDoneResponseXml(response: NcmecReportDoneResponse): string {
  return serializeXml(
    element('reportDoneResponse', [
      element('responseCode', String(response.responseCode)),
      element('reportId', response.reportId),
      element(
        'files',
        response.fileIds.map((id) => element('fileId', id)),
      ),
    ]),
  );
}
