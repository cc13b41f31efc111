// A thin typed wrapper over the delivery server's HTTP API (docs/delivery.md). It knows routes and
// shapes; it knows nothing about MLS or franking. Errors come back as ServerError with the server's
// stable code, or ClientError CLIENT_NETWORK_ERROR when the server cannot be reached.
import type { delivery, reports, safety } from '@safelight/api';
import type { DeviceDetectionDownload } from '@safelight/detection/device';
import { ClientError, ServerError } from './errors.js';

/** An inbox item and a message's answer as the server's API contract defines them. */
export type InboxItem = delivery.InboxItem;
export type InboxItemKind = InboxItem['kind'];
export type PostMessageAnswer = delivery.MessageAnswer;

/** A user report as sent (docs/reporting.md): what the reporter chose to reveal (the contract's shape). */
export type ReportSubmission = reports.ReportSubmission;

/**
 * A safety notice for a minor (friction): an account they are in touch with reached the risk
 * engine's friction threshold. Says which account and how the minor knows it, never why or the score.
 * The server's contract (@safelight/api `safety.SafetyNotice`).
 */
export type SafetyNotice = safety.SafetyNotice;

/** A decision taken on this account, with its statement of reasons (docs/reporting.md). */
export type Notice = reports.Notice;

/** The server's answer to a report: which parts verified (and why not). */
export type ReportReceipt = reports.ReportReceipt;

/** The answer to an appeal: the case and its status after it. */
export type AppealAnswer = reports.AppealAnswer;

export interface ServerApiOptions {
  readonly baseUrl: string;
  readonly token?: string | undefined;
  readonly fetch?: typeof fetch;
}

export class ServerApi {
  readonly baseUrl: string;
  token: string | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ServerApiOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  challenge(): Promise<{ challenge: string; expiresAt: number }> {
    return this.request('POST', '/v1/auth/challenge', {});
  }

  register(body: {
    handle: string;
    dateOfBirth?: string;
    publicKey: string;
    challenge: string;
    signature: string;
  }): Promise<{ accountId: string; deviceId: string; token: string }> {
    return this.request('POST', '/v1/accounts', body);
  }

  login(body: { deviceId: string; challenge: string; signature: string }): Promise<{ token: string }> {
    return this.request('POST', '/v1/auth/login', body);
  }

  uploadKeyPackages(keyPackages: string[]): Promise<unknown> {
    return this.request('POST', '/v1/key-packages', { keyPackages });
  }

  claimKeyPackages(
    accountId: string,
  ): Promise<{ keyPackages: Array<{ deviceId: string; keyPackage: string }> }> {
    return this.request('POST', '/v1/key-packages/claim', { accountId });
  }

  accountByHandle(handle: string): Promise<{ accountId: string; handle: string; devices: string[] }> {
    return this.request('GET', `/v1/accounts/by-handle/${encodeURIComponent(handle)}`);
  }

  createGroup(groupId: string): Promise<unknown> {
    return this.request('POST', '/v1/groups', { groupId });
  }

  getGroup(
    groupId: string,
  ): Promise<{ groupId: string; epoch: number; members: Array<{ accountId: string; deviceId: string }> }> {
    return this.request('GET', `/v1/groups/${groupId}`);
  }

  postCommit(
    groupId: string,
    body: {
      messageId: string;
      commit: string;
      welcome?: string;
      addDevices?: string[];
      removeDevices?: string[];
    },
  ): Promise<{ seq: number; epoch: number; duplicate?: boolean }> {
    return this.request('POST', `/v1/groups/${groupId}/commits`, body);
  }

  postMessage(groupId: string, body: { messageId: string; message: string }): Promise<PostMessageAnswer> {
    return this.request('POST', `/v1/groups/${groupId}/messages`, body);
  }

  /**
   * The answer is the same whatever the verdict: the sender must not learn whether it matched.
   * Round-trip modes (he-fuzzy) add the challenge to answer, for every payload.
   */
  detectionEvaluate(body: { conversationId: string; messageId: string; payload: string }): Promise<{
    accepted: true;
    challenge?: { id: string; bytes: string };
  }> {
    return this.request('POST', '/v1/detection/evaluate', body);
  }

  /** What this device needs to build the platform's detection client half. */
  detectionDevice(): Promise<DeviceDetectionDownload> {
    return this.request('GET', '/v1/detection/device');
  }

  /** he-fuzzy: registers this device's public evaluation keys (~2 MiB, once). */
  detectionHeKeys(registration: Uint8Array): Promise<{ keyId: string }> {
    return this.request('POST', '/v1/detection/he/keys', registration);
  }

  /** he-fuzzy: the answer to a challenge from detectionEvaluate. */
  detectionHeAnswer(body: { challengeId: string; answer: string }): Promise<{ accepted: true }> {
    return this.request('POST', '/v1/detection/he/answer', body);
  }

  /** A binary download from this server (a path like the PSI table's URL in the device download). */
  async downloadBytes(path: string): Promise<Uint8Array> {
    if (!path.startsWith('/') || path.startsWith('//')) {
      throw new ClientError(
        'CLIENT_INVALID_INPUT',
        `download path ${JSON.stringify(path.slice(0, 80))} is not a path on this server`,
      );
    }
    const response = await this.send('GET', path);
    return new Uint8Array(await response.arrayBuffer());
  }

  updateProfile(body: {
    displayName?: string;
    description?: string;
    avatar?: string;
  }): Promise<Record<string, unknown>> {
    return this.request('PUT', '/v1/profile', body);
  }

  updateGroupProfile(
    groupId: string,
    body: { name?: string; description?: string; avatar?: string },
  ): Promise<Record<string, unknown>> {
    return this.request('PUT', `/v1/groups/${groupId}/profile`, body);
  }

  notices(): Promise<{ notices: Notice[] }> {
    return this.request('GET', '/v1/notices');
  }

  appeal(caseId: string, text: string): Promise<AppealAnswer> {
    return this.request('POST', '/v1/appeals', { caseId, text });
  }

  report(submission: ReportSubmission): Promise<ReportReceipt> {
    return this.request('POST', '/v1/reports', submission);
  }

  safetyMe(): Promise<safety.SafetyMe> {
    return this.request('GET', '/v1/safety/me');
  }

  safetyNotices(): Promise<{ notices: SafetyNotice[] }> {
    return this.request('GET', '/v1/safety/notices');
  }

  safetyContacts(): Promise<safety.Contacts> {
    return this.request('GET', '/v1/safety/contacts');
  }

  safetyContactRequests(): Promise<safety.ContactRequests> {
    return this.request('GET', '/v1/safety/contact-requests');
  }

  accountById(accountId: string): Promise<{ accountId: string; handle: string }> {
    return this.request('GET', `/v1/accounts/${encodeURIComponent(accountId)}`);
  }

  safetyPost(
    path: 'contact-requests' | 'contact-requests/accept' | 'contact-requests/decline' | 'blocks',
    accountId: string,
  ): Promise<unknown> {
    return this.request('POST', `/v1/safety/${path}`, { accountId });
  }

  safetySetting(key: string, value: unknown): Promise<safety.SettingAnswer> {
    return this.request('PUT', '/v1/safety/settings', { key, value });
  }

  inbox(after: number, limit = 500): Promise<{ items: InboxItem[]; hasMore: boolean }> {
    return this.request('GET', `/v1/inbox?after=${after}&limit=${limit}`);
  }

  ack(upTo: number): Promise<unknown> {
    return this.request('POST', '/v1/inbox/ack', { upTo });
  }

  async uploadBlob(bytes: Uint8Array): Promise<{ blobId: string; size: number }> {
    return this.request('POST', '/v1/blobs', bytes);
  }

  async downloadBlob(blobId: string): Promise<Uint8Array> {
    const response = await this.send('GET', `/v1/blobs/${blobId}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  /** The WebSocket URL for push (the token travels in the query: browsers cannot set headers). */
  pushUrl(): string {
    const url = new URL(`${this.baseUrl}/v1/ws`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.token) url.searchParams.set('token', this.token);
    return url.toString();
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    return (await response.json()) as T;
  }

  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let payload: RequestInit['body'];
    if (body instanceof Uint8Array) {
      headers['content-type'] = 'application/octet-stream';
      payload = body as unknown as RequestInit['body'];
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, { method, headers, body: payload });
    } catch (cause) {
      throw new ClientError('CLIENT_NETWORK_ERROR', `${method} ${path}: server unreachable`, { cause });
    }
    if (response.ok) return response;
    let code = 'HTTP_ERROR';
    let message = response.statusText;
    let details: Record<string, unknown> = {};
    try {
      // RFC 9457 problem details: `code` is the stable identifier, `detail` the explanation,
      // further members the error's details (`currentEpoch`, `devices`, `field`...).
      const answer = (await response.json()) as { code?: unknown; detail?: unknown };
      if (typeof answer.code === 'string') {
        code = answer.code;
        if (typeof answer.detail === 'string') message = answer.detail;
        details = answer as Record<string, unknown>;
      }
    } catch {
      // Not our problem shape (a proxy, say): keep the status line.
    }
    throw new ServerError(response.status, code, `${method} ${path}: ${message}`, details);
  }
}

export function isServerError(error: unknown, code: string): error is ServerError {
  return error instanceof ServerError && error.serverCode === code;
}
