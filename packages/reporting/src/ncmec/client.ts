/**
 * The CyberTipline Reporting API over HTTP: one method per endpoint, HTTP Basic auth, a timeout per
 * call, answers parsed into typed results or NcmecApiError. No retries here: the submission flow
 * (submission.ts) decides what may be retried.
 */
import { NcmecApiError } from './errors.js';
import {
  AUTH_RESPONSE_CODES,
  NCMEC_RESPONSE_CODES,
  type NcmecReportDoneResponse,
  type NcmecReportResponse,
  parseNcmecResponse,
} from './responses.js';

/** NCMEC's production and test environments (the test one is for staging). */
export const NCMEC_BASE_URLS = {
  production: 'https://report.cybertip.org/ispws',
  test: 'https://exttest.cybertip.org/ispws',
} as const;

export type NcmecEndpoint = 'status' | 'submit' | 'upload' | 'fileinfo' | 'finish' | 'retract';

export interface NcmecClientOptions {
  /** e.g. NCMEC_BASE_URLS.test in staging, a loopback test double in tests. */
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  /** Per-call timeout in milliseconds (default 60 000). */
  readonly timeoutMs?: number;
  /** Largest answer body read, in bytes (default 1 MiB); a larger one is NCMEC_MALFORMED_RESPONSE. */
  readonly maxResponseBytes?: number;
  readonly fetch?: typeof globalThis.fetch;
}

export interface NcmecUploadFile {
  readonly bytes: Uint8Array;
  readonly fileName: string;
  readonly contentType?: string;
}

/** Connection failures that mean the request never reached the server. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

function causeCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export class NcmecClient {
  readonly baseUrl: string;
  readonly #authorization: string;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #fetch: typeof globalThis.fetch;

  constructor(options: NcmecClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`, 'utf8').toString('base64')}`;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** GET /status: checks the connection and the credentials. */
  async status(): Promise<NcmecReportResponse> {
    return this.#report('status', { method: 'GET' });
  }

  /** POST /submit: opens a report; answers its reportId. NOT idempotent: every call opens a new report. */
  async submit(reportXml: string): Promise<{ readonly reportId: string }> {
    const answer = await this.#report('submit', xmlBody(reportXml));
    if (!answer.reportId) throw malformed('submit', 'the answer carries no reportId');
    return { reportId: answer.reportId };
  }

  /** POST /upload: attaches a file to an open report; answers its fileId (and NCMEC's MD5 of it). */
  async upload(
    reportId: string,
    file: NcmecUploadFile,
  ): Promise<{ readonly fileId: string; readonly hash?: string }> {
    const form = new FormData();
    form.append('id', reportId);
    form.append(
      'file',
      new Blob([file.bytes], { type: file.contentType ?? 'application/octet-stream' }),
      file.fileName,
    );
    const answer = await this.#report('upload', { method: 'POST', body: form });
    if (!answer.fileId) throw malformed('upload', 'the answer carries no fileId');
    return answer.hash ? { fileId: answer.fileId, hash: answer.hash } : { fileId: answer.fileId };
  }

  /** POST /fileinfo: the details of an uploaded file (a fileDetails document). */
  async fileInfo(fileDetailsXml: string): Promise<void> {
    await this.#report('fileinfo', xmlBody(fileDetailsXml));
  }

  /** POST /finish: closes the report; NCMEC then processes it. Answers the files it holds. */
  async finish(reportId: string): Promise<NcmecReportDoneResponse> {
    const form = new FormData();
    form.append('id', reportId);
    const parsed = await this.#call('finish', { method: 'POST', body: form });
    if (parsed.kind !== 'done') throw malformed('finish', 'expected a reportDoneResponse');
    return parsed.value;
  }

  /** POST /retract: cancels a report that is not finished. */
  async retract(reportId: string): Promise<void> {
    const form = new FormData();
    form.append('id', reportId);
    await this.#report('retract', { method: 'POST', body: form });
  }

  async #report(endpoint: NcmecEndpoint, init: RequestInit): Promise<NcmecReportResponse> {
    const parsed = await this.#call(endpoint, init);
    if (parsed.kind !== 'report') throw malformed(endpoint, 'expected a reportResponse');
    return parsed.value;
  }

  async #call(endpoint: NcmecEndpoint, init: RequestInit) {
    let response: Response;
    let body: string;
    try {
      response = await this.#fetch(`${this.baseUrl}/${endpoint}`, {
        ...init,
        headers: {
          ...(init.headers as Record<string, string> | undefined),
          authorization: this.#authorization,
        },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      body = await readLimited(response, this.#maxResponseBytes, endpoint);
    } catch (error) {
      if (error instanceof NcmecApiError) throw error;
      const name = (error as { name?: string } | undefined)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new NcmecApiError(
          'NCMEC_TIMEOUT',
          endpoint,
          `${endpoint}: no answer within ${this.#timeoutMs} ms`,
          {
            cause: error,
          },
        );
      }
      const code = causeCode(error);
      if (code && UNREACHABLE.has(code)) {
        throw new NcmecApiError('NCMEC_UNREACHABLE', endpoint, `${endpoint}: cannot connect (${code})`, {
          cause: error,
        });
      }
      // Reset mid-request and the like: the server may have acted.
      throw new NcmecApiError(
        'NCMEC_CONNECTION_LOST',
        endpoint,
        `${endpoint}: the connection failed (${code ?? String(error)})`,
        {
          cause: error,
        },
      );
    }
    const parsed = parseNcmecResponse(body);
    if (response.status === 401 || response.status === 403) {
      throw new NcmecApiError(
        'NCMEC_UNAUTHORIZED',
        endpoint,
        `${endpoint}: credentials refused (HTTP ${response.status})`,
        {
          httpStatus: response.status,
          ...(parsed ? { responseCode: parsed.value.responseCode } : {}),
        },
      );
    }
    if (!parsed) {
      if (response.status >= 500) {
        throw new NcmecApiError('NCMEC_HTTP_ERROR', endpoint, `${endpoint}: HTTP ${response.status}`, {
          httpStatus: response.status,
        });
      }
      throw malformed(
        endpoint,
        `HTTP ${response.status} with a body that is not a CyberTipline answer`,
        response.status,
      );
    }
    const code = parsed.value.responseCode;
    if (code !== NCMEC_RESPONSE_CODES.SUCCESS) {
      const description = parsed.kind === 'report' ? parsed.value.responseDescription : '';
      throw new NcmecApiError(
        AUTH_RESPONSE_CODES.has(code) ? 'NCMEC_UNAUTHORIZED' : 'NCMEC_REJECTED',
        endpoint,
        `${endpoint}: NCMEC answered ${code}${description ? ` (${description})` : ''}`,
        { responseCode: code, httpStatus: response.status },
      );
    }
    return parsed;
  }
}

function xmlBody(xml: string): RequestInit {
  return { method: 'POST', body: xml, headers: { 'content-type': 'text/xml; charset=utf-8' } };
}

function malformed(endpoint: string, why: string, httpStatus?: number): NcmecApiError {
  return new NcmecApiError(
    'NCMEC_MALFORMED_RESPONSE',
    endpoint,
    `${endpoint}: ${why}`,
    httpStatus === undefined ? {} : { httpStatus },
  );
}

async function readLimited(response: Response, limit: number, endpoint: string): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw malformed(endpoint, `the answer is larger than ${limit} bytes`, response.status);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
