/**
 * A local test double of the CyberTipline Reporting API: a real HTTP server (Fastify) on loopback
 * that checks HTTP Basic credentials, validates every document against the project's own schema
 * (schema.ts), keeps reports and files in memory, answers with NCMEC's response codes, records
 * every call in order, and injects faults (a hang, HTTP 500, a malformed body, a chosen code).
 * Node-only; for tests and local development, never for production.
 */
import { createHash, randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { NcmecEndpoint } from './client.js';
import { NcmecValidationError } from './errors.js';
import { NCMEC_RESPONSE_CODES, reportDoneResponseXml, reportResponseXml } from './responses.js';
import { FILE_DETAILS_SCHEMA, REPORT_SCHEMA, validateDocument } from './schema.js';
import { parseXml, type XmlElement } from './xml.js';

export interface NcmecTestDoubleOptions {
  readonly username?: string;
  readonly password?: string;
  /** How long a 'timeout' fault holds its answer back, in ms (default 5000; set above the client's timeout). */
  readonly hangMs?: number;
  /** Largest request body in bytes (default 50 MiB). */
  readonly bodyLimit?: number;
}

export type NcmecTestDoubleFault =
  /**
   * Holds the answer back for hangMs. 'after' (default) first does the work, as when NCMEC acted
   * and the answer was lost; 'before' does nothing.
   */
  | { readonly kind: 'timeout'; readonly when?: 'before' | 'after' }
  /** HTTP 500 with an HTML body, nothing done. */
  | { readonly kind: 'http-500' }
  /** HTTP 200 with a body that is not a CyberTipline answer, nothing done. */
  | { readonly kind: 'malformed' }
  /** A well-formed answer with this (error) response code, nothing done. */
  | { readonly kind: 'response-code'; readonly code: number };

export interface NcmecTestDoubleCall {
  /** 1, 2, 3... in the order requests arrived. */
  readonly seq: number;
  readonly endpoint: NcmecEndpoint;
  readonly httpStatus: number;
  /** The response code the double decided on (also when a fault kept it from being delivered). */
  readonly responseCode?: number;
  readonly reportId?: string;
  readonly fileId?: string;
  readonly fault?: NcmecTestDoubleFault['kind'];
}

export interface NcmecTestDoubleFile {
  readonly fileId: string;
  readonly fileName: string;
  readonly bytes: Buffer;
  readonly md5: string;
  detailsXml?: string;
  details?: XmlElement;
}

export interface NcmecTestDoubleReport {
  readonly reportId: string;
  readonly xml: string;
  readonly report: XmlElement;
  readonly files: NcmecTestDoubleFile[];
  finished: boolean;
  retracted: boolean;
}

type Answer = { status: number; body: string; code?: number; reportId?: string; fileId?: string };

function answer(code: number, description: string, extra: Partial<Answer> = {}, status = 200): Answer {
  return {
    status,
    code,
    body: reportResponseXml({
      responseCode: code,
      responseDescription: description,
      ...(extra.reportId === undefined ? {} : { reportId: extra.reportId }),
      ...(extra.fileId === undefined ? {} : { fileId: extra.fileId }),
    }),
    ...extra,
  };
}

export class NcmecTestDouble {
  /** The base URL to give NcmecClient, e.g. http://127.0.0.1:PORT/ispws. */
  url = '';
  /** Every request in arrival order. */
  readonly calls: NcmecTestDoubleCall[] = [];
  readonly reports = new Map<string, NcmecTestDoubleReport>();
  readonly #app: FastifyInstance;
  readonly #authorization: string;
  readonly #hangMs: number;
  readonly #faults = new Map<NcmecEndpoint, NcmecTestDoubleFault[]>();
  readonly #hangs = new Set<() => void>();
  #nextReportId = 1_000_001;

  constructor(options: NcmecTestDoubleOptions = {}) {
    const username = options.username ?? 'esp-test';
    const password = options.password ?? 'esp-test-password';
    this.#authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    this.#hangMs = options.hangMs ?? 5000;
    this.#app = Fastify({
      logger: false,
      bodyLimit: options.bodyLimit ?? 50 * 1024 * 1024,
      forceCloseConnections: true,
    });
    this.#app.addContentTypeParser(
      ['text/xml', 'application/xml'],
      { parseAs: 'string' },
      (_req, body, done) => done(null, body),
    );
    this.#app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
    const routes: Array<[NcmecEndpoint, 'GET' | 'POST', (req: FastifyRequest) => Promise<Answer>]> = [
      ['status', 'GET', async () => answer(0, `Remote User : ${username}`)],
      ['submit', 'POST', (req) => this.#submit(req)],
      ['upload', 'POST', (req) => this.#upload(req)],
      ['fileinfo', 'POST', (req) => this.#fileInfo(req)],
      ['finish', 'POST', (req) => this.#finish(req)],
      ['retract', 'POST', (req) => this.#retract(req)],
    ];
    for (const [endpoint, method, handle] of routes) {
      this.#app.route({
        method,
        url: `/ispws/${endpoint}`,
        handler: (req, reply) => this.#handle(endpoint, req, reply, handle),
      });
    }
  }

  /** The next `times` calls to `endpoint` meet `fault`. */
  injectFault(endpoint: NcmecEndpoint, fault: NcmecTestDoubleFault, times = 1): void {
    const queue = this.#faults.get(endpoint) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.#faults.set(endpoint, queue);
  }

  /** The calls to one endpoint. */
  callsTo(endpoint: NcmecEndpoint): NcmecTestDoubleCall[] {
    return this.calls.filter((c) => c.endpoint === endpoint);
  }

  async listen(): Promise<this> {
    const address = await this.#app.listen({ host: '127.0.0.1', port: 0 });
    this.url = `${address}/ispws`;
    return this;
  }

  async close(): Promise<void> {
    for (const release of this.#hangs) release();
    this.#hangs.clear();
    await this.#app.close();
  }

  async #handle(
    endpoint: NcmecEndpoint,
    req: FastifyRequest,
    reply: FastifyReply,
    handle: (req: FastifyRequest) => Promise<Answer>,
  ): Promise<void> {
    const seq = this.calls.length + 1;
    const record = (a: Partial<Answer> & { status: number }, fault?: NcmecTestDoubleFault['kind']) => {
      this.calls.push({
        seq,
        endpoint,
        httpStatus: a.status,
        ...(a.code === undefined ? {} : { responseCode: a.code }),
        ...(a.reportId === undefined ? {} : { reportId: a.reportId }),
        ...(a.fileId === undefined ? {} : { fileId: a.fileId }),
        ...(fault ? { fault } : {}),
      });
    };
    if (req.headers.authorization !== this.#authorization) {
      const a = req.headers.authorization
        ? answer(NCMEC_RESPONSE_CODES.NOT_AUTHORIZED, 'User is not authorized', {}, 401)
        : answer(NCMEC_RESPONSE_CODES.AUTHENTICATION_REQUIRED, 'Authentication required', {}, 401);
      record(a);
      reply
        .code(401)
        .header('www-authenticate', 'Basic realm="ispws"')
        .type('text/xml; charset=utf-8')
        .send(a.body);
      return;
    }
    const fault = this.#faults.get(endpoint)?.shift();
    if (fault?.kind === 'http-500') {
      record({ status: 500 }, fault.kind);
      reply.code(500).type('text/html').send('<html><body>Internal Server Error</body></html>');
      return;
    }
    if (fault?.kind === 'malformed') {
      record({ status: 200 }, fault.kind);
      reply.code(200).type('text/xml').send('<reportResponse><responseCode>0</respon');
      return;
    }
    if (fault?.kind === 'response-code') {
      const a = answer(fault.code, 'Injected failure');
      record(a, fault.kind);
      reply.code(200).type('text/xml; charset=utf-8').send(a.body);
      return;
    }
    if (fault?.kind === 'timeout' && fault.when === 'before') {
      record({ status: 0 }, fault.kind);
      await this.#hang();
      reply.code(503).send();
      return;
    }
    const a = await handle(req);
    if (fault?.kind === 'timeout') {
      record(a, fault.kind);
      await this.#hang();
    } else {
      record(a);
    }
    reply.code(a.status).type('text/xml; charset=utf-8').send(a.body);
  }

  #hang(): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.#hangs.delete(release);
        resolve();
      };
      const timer = setTimeout(release, this.#hangMs);
      this.#hangs.add(release);
    });
  }

  #document(body: unknown, spec: typeof REPORT_SCHEMA): XmlElement | Answer {
    if (typeof body !== 'string' || body.trim() === '') {
      return answer(NCMEC_RESPONSE_CODES.MALFORMED_XML, 'Malformed XML submittal: expected an XML body');
    }
    let root: XmlElement;
    try {
      root = parseXml(body);
    } catch (error) {
      return answer(
        NCMEC_RESPONSE_CODES.MALFORMED_XML,
        `Malformed XML submittal: ${(error as Error).message}`,
      );
    }
    try {
      validateDocument(root, spec);
    } catch (error) {
      if (!(error instanceof NcmecValidationError)) throw error;
      return answer(
        NCMEC_RESPONSE_CODES.VALIDATION_FAILED,
        `Validation failed: ${error.issues.map((i) => i.message).join('; ')}`,
      );
    }
    return root;
  }

  async #form(req: FastifyRequest): Promise<FormData | undefined> {
    if (!Buffer.isBuffer(req.body)) return undefined;
    try {
      return await new Response(req.body, {
        headers: { 'content-type': String(req.headers['content-type']) },
      }).formData();
    } catch {
      return undefined;
    }
  }

  /** The open report named by `id`, or the answer that refuses it. */
  #openReport(id: string | undefined): NcmecTestDoubleReport | Answer {
    const report = id === undefined ? undefined : this.reports.get(id);
    if (!report) return answer(NCMEC_RESPONSE_CODES.REPORT_DOES_NOT_EXIST, 'Report does not exist');
    if (report.retracted)
      return answer(NCMEC_RESPONSE_CODES.REPORT_ALREADY_RETRACTED, 'Report already retracted');
    if (report.finished)
      return answer(NCMEC_RESPONSE_CODES.REPORT_ALREADY_FINISHED, 'Report already finished');
    return report;
  }

  async #submit(req: FastifyRequest): Promise<Answer> {
    const root = this.#document(req.body, REPORT_SCHEMA);
    if ('status' in root) return root;
    const reportId = String(this.#nextReportId++);
    this.reports.set(reportId, {
      reportId,
      xml: req.body as string,
      report: root,
      files: [],
      finished: false,
      retracted: false,
    });
    return answer(0, 'Success', { reportId });
  }

  async #upload(req: FastifyRequest): Promise<Answer> {
    const form = await this.#form(req);
    const id = form?.get('id');
    const file = form?.get('file');
    if (!form || typeof id !== 'string' || !(file instanceof Blob)) {
      return answer(
        NCMEC_RESPONSE_CODES.MALFORMED_FILE,
        'Malformed file submittal: expected the fields id and file',
      );
    }
    const report = this.#openReport(id);
    if ('status' in report) return report;
    const bytes = Buffer.from(await file.arrayBuffer());
    const md5 = createHash('md5').update(bytes).digest('hex');
    const fileId = randomBytes(16).toString('hex');
    report.files.push({ fileId, fileName: (file as File).name ?? 'file', bytes, md5 });
    return {
      status: 200,
      code: 0,
      reportId: id,
      fileId,
      body: reportResponseXml({
        responseCode: 0,
        responseDescription: 'Success',
        reportId: id,
        fileId,
        hash: md5,
      }),
    };
  }

  async #fileInfo(req: FastifyRequest): Promise<Answer> {
    const root = this.#document(req.body, FILE_DETAILS_SCHEMA);
    if ('status' in root) return root;
    const reportId = root.children.find((c) => c.name === 'reportId')?.text?.trim();
    const fileId = root.children.find((c) => c.name === 'fileId')?.text?.trim();
    const report = this.#openReport(reportId);
    if ('status' in report) return report;
    const file = report.files.find((f) => f.fileId === fileId);
    if (!file)
      return answer(NCMEC_RESPONSE_CODES.FILE_DOES_NOT_EXIST, 'File does not exist', {
        reportId: report.reportId,
      });
    file.detailsXml = req.body as string;
    file.details = root;
    return answer(0, 'Success', { reportId: report.reportId, ...(fileId ? { fileId } : {}) });
  }

  async #finish(req: FastifyRequest): Promise<Answer> {
    const form = await this.#form(req);
    const id = form?.get('id');
    if (typeof id !== 'string')
      return answer(NCMEC_RESPONSE_CODES.INVALID_REQUEST, 'Invalid request: expected the field id');
    const report = this.#openReport(id);
    if ('status' in report) return report;
    report.finished = true;
    return {
      status: 200,
      code: 0,
      reportId: id,
      body: reportDoneResponseXml({
        responseCode: 0,
        reportId: id,
        fileIds: report.files.map((f) => f.fileId),
      }),
    };
  }

  async #retract(req: FastifyRequest): Promise<Answer> {
    const form = await this.#form(req);
    const id = form?.get('id');
    if (typeof id !== 'string')
      return answer(NCMEC_RESPONSE_CODES.INVALID_REQUEST, 'Invalid request: expected the field id');
    const report = this.#openReport(id);
    if ('status' in report) return report;
    report.retracted = true;
    return answer(0, 'Success', { reportId: id });
  }
}

/** Starts a test double on a free loopback port. */
export async function startNcmecTestDouble(options: NcmecTestDoubleOptions = {}): Promise<NcmecTestDouble> {
  return new NcmecTestDouble(options).listen();
}
