// The Safelight client: one device of one account. It ties the MLS device (packages/e2ee), franking
// (packages/franking) and key-committing attachments to the delivery server's API, and keeps the
// history a user can report from. Works in Node and the browser (fetch + WebSocket).

import type { ClientDetector, DetectionModeName } from '@safelight/detection';
import {
  createDeviceIdentity,
  type DeviceIdentity,
  type DeviceStateStore,
  decryptAttachment,
  E2eeDevice,
  encryptAttachment,
  fromBase64Url,
  signAuthChallenge,
  toBase64Url,
} from '@safelight/e2ee';
import { decodeFrank, type FrankingReport } from '@safelight/franking';
import type { PdqHash } from '@safelight/pdq';
import type { AskDecision, BlurDecision } from '@safelight/safety';
import { type AttachmentRef, openContent, sealContent } from './content.js';
import {
  type ProvisionDetectionOptions,
  type ProvisionedDetection,
  provisionDetectionWith,
} from './detection/provision.js';
import { ClientError, ServerError } from './errors.js';
import { LocalState, type StoredAttachment, type StoredMessage } from './local-state.js';
import { PushConnection, type WebSocketConstructor } from './push.js';
import {
  isMinorBand,
  SAFEGUARDS_OFF,
  type SafeguardOptions,
  type SafeguardState,
  Safeguards,
} from './safeguards.js';
import {
  type AppealAnswer,
  type InboxItem,
  isServerError,
  type Notice,
  type ReportReceipt,
  type ReportSubmission,
  type SafetyNotice,
  ServerApi,
} from './server-api.js';

export interface ClientOptions {
  readonly serverUrl: string;
  readonly store: DeviceStateStore;
  /** Defaults to globalThis.fetch. */
  readonly fetch?: typeof fetch;
  /** Defaults to globalThis.WebSocket (browsers, Node >= 22); pass `ws` on Node 20. */
  readonly WebSocket?: WebSocketConstructor;
  /** Key packages kept on the server for others to add this device (default 10). */
  readonly keyPackageStock?: number;
  /**
   * The platform's detection mode, client half (packages/detection), and how this device hashes an
   * image (packages/media in Node, a canvas in browsers). Each image sent is hashed before it is
   * encrypted; the mode's payload goes to the server after the message is accepted. Usually
   * provisioned from the server instead, after signing in: `client.provisionDetection(...)`.
   */
  readonly detection?: DetectionOptions;
  /**
   * On-device safeguards (nudges on received text, blur of received images). On by default for
   * minors: the band is read from GET /v1/safety/me. `false` turns them off. Nothing they find
   * leaves the device.
   */
  readonly safeguards?: boolean | SafeguardOptions;
}

/** A received attachment opened on the device, with the safeguards' blur decision. */
export interface OpenedAttachment {
  readonly bytes: Uint8Array;
  readonly blur: BlurDecision;
}

export interface DetectionOptions {
  readonly detector: ClientDetector;
  readonly hashImage: (bytes: Uint8Array) => Promise<{ pdq: PdqHash; quality: number }>;
  /**
   * Round-trip modes (he-fuzzy): the server answers a payload with a challenge; this turns it into
   * the device's answer, which the client posts to POST /v1/detection/he/answer.
   */
  readonly respond?: ((challenge: Uint8Array) => Promise<Uint8Array>) | undefined;
  /**
   * Called when the server refuses a payload; true when the mode repaired the cause (he-fuzzy:
   * keys a restarted server forgot) and the payload is sent once more.
   */
  readonly repair?: ((error: unknown) => Promise<boolean>) | undefined;
}

export interface OutgoingAttachment {
  readonly bytes: Uint8Array;
  readonly mediaType: string;
}

export type ClientEvent =
  | { type: 'message'; message: StoredMessage }
  | { type: 'joined'; conversationId: string }
  | { type: 'membership'; conversationId: string; added: string[]; removed: string[]; removedSelf: boolean }
  | { type: 'rejected'; conversationId: string; messageId: string; reason: string }
  /** A detection payload could not be delivered (the message itself was sent). */
  | { type: 'detection-error'; conversationId: string; messageId: string; reason: string }
  /** The server refused an operation because another member's commit won the epoch; retrying. */
  | { type: 'epoch-retry'; attempt: number };

/** How often a send or commit is retried after losing an epoch race to another member. */
const EPOCH_RETRIES = 5;

export class SafelightClient {
  private readonly listeners = new Set<(event: ClientEvent) => void>();
  /** Serialises inbox processing: push and explicit syncs must never interleave MLS state changes. */
  private processing: Promise<unknown> = Promise.resolve();
  private push: PushConnection | undefined;
  private readonly safeguards: Safeguards;
  /** The detection client half in use: from options, or provisioned by provisionDetection. */
  private detection: DetectionOptions | undefined;
  /** What provisionDetection built (and close() releases: he-fuzzy holds SEAL memory). */
  private provisioned: ProvisionedDetection | undefined;

  private constructor(
    private readonly options: ClientOptions,
    private readonly api: ServerApi,
    private readonly device: E2eeDevice,
    private readonly local: LocalState,
  ) {
    this.detection = options.detection;
    const safeguards = options.safeguards;
    this.safeguards = new Safeguards(
      typeof safeguards === 'object' ? safeguards : { enabled: safeguards ?? 'auto' },
    );
  }

  /** Creates a device key, registers a new account with it and publishes key packages. */
  static async register(
    options: ClientOptions & {
      handle: string /** YYYY-MM-DD, for the age band (docs/safety.md). */;
      dateOfBirth?: string;
      /**
       * The device key to register with (default: a new one). A caller that signs other things
       * with it under their own domain (client-match detection reports) creates it first.
       */
      identity?: DeviceIdentity;
    },
  ): Promise<SafelightClient> {
    const api = new ServerApi({ baseUrl: options.serverUrl, fetch: options.fetch });
    const identity = options.identity ?? createDeviceIdentity();
    const { challenge } = await api.challenge();
    const registered = await api.register({
      handle: options.handle,
      publicKey: toBase64Url(identity.publicKey),
      challenge,
      signature: toBase64Url(signAuthChallenge(identity, 'register', challenge)),
      ...(options.dateOfBirth === undefined ? {} : { dateOfBirth: options.dateOfBirth }),
    });
    api.token = registered.token;
    const device = await E2eeDevice.create({
      identity,
      accountId: registered.accountId,
      store: options.store,
    });
    const local = await LocalState.load(options.store);
    await local.saveRegistration({
      serverUrl: options.serverUrl,
      accountId: registered.accountId,
      deviceId: registered.deviceId,
      handle: options.handle,
    });
    const client = new SafelightClient(options, api, device, local);
    await client.publishKeyPackages(options.keyPackageStock ?? 10);
    await client.refreshSafeguards();
    return client;
  }

  /** Reopens a registered device from its store and logs in by signing a fresh challenge. */
  static async open(options: ClientOptions): Promise<SafelightClient> {
    const local = await LocalState.load(options.store);
    if (!local.registration) {
      throw new ClientError('CLIENT_NOT_REGISTERED', 'this store holds no registered device; register first');
    }
    const device = await E2eeDevice.load({ store: options.store });
    const api = new ServerApi({ baseUrl: options.serverUrl, fetch: options.fetch });
    const { challenge } = await api.challenge();
    const { token } = await api.login({
      deviceId: device.deviceId,
      challenge,
      signature: toBase64Url(device.signAuthChallenge('login', challenge)),
    });
    api.token = token;
    const client = new SafelightClient(options, api, device, local);
    await client.refreshSafeguards();
    return client;
  }

  get accountId(): string {
    return this.device.accountId;
  }

  get deviceId(): string {
    return this.device.deviceId;
  }

  /** The handle this account registered with. */
  get handle(): string {
    return this.local.registration?.handle ?? '';
  }

  /** The detection mode this device runs on outgoing images, if any. */
  get detectionMode(): DetectionModeName | undefined {
    return this.detection?.detector.mode;
  }

  /**
   * Builds the platform's detection client half from the server (GET /v1/detection/device) and
   * uses it for every image sent from now on; returns the mode, or undefined when the server runs
   * none. Done after signing in because he-fuzzy registers this device's keys with its session.
   * Browsers provision client-match; Node devices pass `modes: nodeDetectionModes` from
   * @safelight/client/node for every mode (options in detection/provision.ts).
   */
  async provisionDetection(options: ProvisionDetectionOptions): Promise<DetectionModeName | undefined> {
    const provisioned = await provisionDetectionWith(this.api, options);
    await this.provisioned?.close();
    this.provisioned = provisioned;
    this.detection = provisioned;
    return provisioned?.mode;
  }

  /** The safeguards' view of this account (band, whether they are on, contacts). */
  get safeguardState(): SafeguardState {
    return this.safeguards.state;
  }

  /**
   * Reads this account's band, media setting and contacts (GET /v1/safety/me and
   * /v1/safety/contacts): done at open and register; call again after contacts change. With
   * `enabled: 'auto'` a server without the safety API leaves the safeguards off; with
   * `enabled: true` they stay on, treating every sender as a non-contact.
   */
  async refreshSafeguards(): Promise<SafeguardState> {
    this.safeguards.state = await this.readSafeguardState();
    return this.safeguards.state;
  }

  private async readSafeguardState(): Promise<SafeguardState> {
    if (!this.safeguards.wanted) return SAFEGUARDS_OFF;
    const forced = this.safeguards.options.enabled === true;
    try {
      const me = await this.api.safetyMe();
      const { contacts } = await this.api.safetyContacts();
      return {
        active: forced || isMinorBand(me.band),
        band: me.band,
        mediaFrom: me.settings.mediaFrom === 'everyone' ? 'everyone' : 'contacts',
        contacts: new Set(contacts),
      };
    } catch (error) {
      if (forced) return { active: true, band: undefined, mediaFrom: 'contacts', contacts: new Set() };
      // A server without the safety API (404) leaves 'auto' off; any other failure propagates.
      if (error instanceof ServerError && error.status === 404) return SAFEGUARDS_OFF;
      throw error;
    }
  }

  /** Asks another account to be a contact (POST /v1/safety/contact-requests). */
  async requestContact(accountId: string): Promise<void> {
    await this.api.safetyPost('contact-requests', accountId);
  }

  /** Accepts another account's contact request. */
  async acceptContact(accountId: string): Promise<void> {
    await this.api.safetyPost('contact-requests/accept', accountId);
  }

  /** Blocks an account (the block action offered with every nudge). */
  async block(accountId: string): Promise<void> {
    await this.api.safetyPost('blocks', accountId);
  }

  /** Declines another account's contact request. */
  async declineContact(accountId: string): Promise<void> {
    await this.api.safetyPost('contact-requests/decline', accountId);
  }

  /** This account's accepted contacts (account ids). */
  async contacts(): Promise<string[]> {
    return (await this.api.safetyContacts()).contacts;
  }

  /** Contact requests waiting for this account's answer, oldest first. */
  async contactRequests(): Promise<Array<{ accountId: string; createdAt: number }>> {
    return (await this.api.safetyContactRequests()).incoming;
  }

  /** The handle of an account (to show who a contact, request or sender is). */
  async handleOf(accountId: string): Promise<string> {
    return (await this.api.accountById(accountId)).handle;
  }

  /** Changes one of this account's safety settings; `pending` when a parent must approve. */
  async updateSafetySetting(key: string, value: unknown): Promise<'applied' | 'pending'> {
    const answer = await this.api.safetySetting(key, value);
    return answer.status === 'pending' ? 'pending' : 'applied';
  }

  /**
   * Downloads and opens a received attachment (as fetchAttachment), then decides on the device
   * whether to blur it: for a protected minor, the classifier looks at images; without a working
   * classifier, images from non-contacts are blurred. The decision is never sent anywhere.
   */
  async openAttachment(message: StoredMessage, index: number): Promise<OpenedAttachment> {
    const ref = message.attachments[index];
    if (!ref)
      throw new ClientError(
        'CLIENT_INVALID_INPUT',
        `message ${message.messageId} has no attachment ${index}`,
      );
    const bytes = await this.fetchAttachment(ref);
    if (message.direction !== 'in') return { bytes, blur: { blur: false, reason: 'none' } };
    return { bytes, blur: await this.safeguards.decide(message.senderAccountId, ref.mediaType, bytes) };
  }

  /**
   * Whether sending this attachment would ask first (ask before send): for the UI to prepare its
   * prompt or mark the image. Runs on the device only; makes no request.
   */
  checkOutgoing(attachment: OutgoingAttachment): Promise<AskDecision> {
    return this.safeguards.checkOutgoing(attachment.bytes, attachment.mediaType);
  }

  on(listener: (event: ClientEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async lookup(handle: string): Promise<string> {
    return (await this.api.accountByHandle(handle)).accountId;
  }

  /** Starts a conversation (an MLS group) with every device of the given accounts. */
  async createConversation(accountIds: readonly string[]): Promise<string> {
    return this.serialised(async () => {
      const groupId = randomBytes(16);
      const conversationId = toBase64Url(groupId);
      await this.device.createGroup(groupId);
      await this.api.createGroup(conversationId);
      await this.local.ensureConversation(conversationId);
      if (accountIds.length > 0) await this.addAccounts(conversationId, accountIds);
      return conversationId;
    });
  }

  async addMembers(conversationId: string, accountIds: readonly string[]): Promise<void> {
    await this.serialised(() => this.addAccounts(conversationId, accountIds));
  }

  /** Removes every device of the given accounts from the conversation. */
  async removeMembers(conversationId: string, accountIds: readonly string[]): Promise<void> {
    await this.serialised(async () => {
      const groupId = this.groupId(conversationId);
      await this.withEpochRetry(async () => {
        const deviceIds = this.device
          .members(groupId)
          .filter((m) => accountIds.includes(m.accountId))
          .map((m) => m.deviceId);
        if (deviceIds.length === 0) return;
        const pending = await this.device.proposeRemove(groupId, deviceIds);
        await this.api.postCommit(conversationId, {
          messageId: newMessageId(),
          commit: toBase64Url(pending.commit),
          removeDevices: pending.removedDevices,
        });
        await this.device.applyPendingCommit(pending);
      });
    });
  }

  /**
   * Replaces this device's leaf keys in the conversation (an MLS update commit): post-compromise
   * security, so a stolen copy of today's keys stops reading tomorrow's messages.
   */
  async updateKeys(conversationId: string): Promise<void> {
    await this.serialised(async () => {
      const groupId = this.groupId(conversationId);
      await this.withEpochRetry(async () => {
        const pending = await this.device.proposeUpdate(groupId);
        await this.api.postCommit(conversationId, {
          messageId: newMessageId(),
          commit: toBase64Url(pending.commit),
        });
        await this.device.applyPendingCommit(pending);
      });
    });
  }

  /** Encrypts attachments, uploads them, and sends the franked message. */
  async sendMessage(
    conversationId: string,
    message: { text: string; contentType?: string; attachments?: readonly OutgoingAttachment[] },
  ): Promise<StoredMessage> {
    // Ask before send (minors, images): before anything is hashed, encrypted or uploaded, so a
    // cancelled send makes no request at all and the classifier's score never leaves the device.
    await this.safeguards.confirmOutgoing(message.attachments ?? []);
    const messageId = newMessageId();
    const attachments: AttachmentRef[] = [];
    const detectionPayloads: Uint8Array[] = [];
    // One mode for the whole message, even if it is re-provisioned meanwhile.
    const detection = this.detection;
    for (const attachment of message.attachments ?? []) {
      // Detection sees the image before encryption, on this device; only its payload leaves.
      const payload = await this.detectionPayload(detection, conversationId, messageId, attachment);
      if (payload) detectionPayloads.push(payload);
      const { ciphertext, reference } = encryptAttachment(attachment.bytes, attachment.mediaType);
      const { blobId } = await this.api.uploadBlob(ciphertext);
      attachments.push({ ...reference, blobId });
    }
    const sent = await this.serialised(async () => {
      const groupId = this.groupId(conversationId);
      const sealed = sealContent({ text: message.text, contentType: message.contentType, attachments });
      const answer = await this.withEpochRetry(async () => {
        const ciphertext = await this.device.encrypt(groupId, sealed.payload, sealed.tag);
        return this.api.postMessage(conversationId, { messageId, message: toBase64Url(ciphertext) });
      });
      const stored: StoredMessage = {
        conversationId,
        messageId,
        direction: 'out',
        senderAccountId: this.accountId,
        senderDeviceId: this.deviceId,
        text: sealed.content.text,
        contentType: sealed.content.contentType,
        attachments,
        frankingKey: sealed.content.frankingKey,
        tag: sealed.tag,
        frank: fromBase64Url(answer.frank),
        receivedAt: answer.receivedAt,
      };
      await this.local.appendMessage(stored);
      return stored;
    });
    for (const payload of detectionPayloads) {
      try {
        await this.deliverDetectionPayload(detection as DetectionOptions, conversationId, messageId, payload);
      } catch (error) {
        this.emit({ type: 'detection-error', conversationId, messageId, reason: describeError(error) });
      }
    }
    return sent;
  }

  /** Posts one payload; for round-trip modes, answers the server's challenge too. */
  private async deliverDetectionPayload(
    detection: DetectionOptions,
    conversationId: string,
    messageId: string,
    payload: Uint8Array,
  ): Promise<void> {
    const body = { conversationId, messageId, payload: toBase64Url(payload) };
    let answer: Awaited<ReturnType<ServerApi['detectionEvaluate']>>;
    try {
      answer = await this.api.detectionEvaluate(body);
    } catch (error) {
      if (!(await detection.repair?.(error))) throw error;
      answer = await this.api.detectionEvaluate(body);
    }
    if (answer.challenge === undefined) return;
    if (!detection.respond) {
      throw new ClientError(
        'CLIENT_DETECTION_UNSUPPORTED',
        `the server sent a challenge and the ${detection.detector.mode} client half cannot answer one`,
      );
    }
    const reply = await detection.respond(fromBase64Url(answer.challenge.bytes));
    await this.api.detectionHeAnswer({ challengeId: answer.challenge.id, answer: toBase64Url(reply) });
  }

  /** The detection mode's payload for one outgoing image, or undefined. */
  private async detectionPayload(
    detection: DetectionOptions | undefined,
    conversationId: string,
    messageId: string,
    attachment: OutgoingAttachment,
  ): Promise<Uint8Array | undefined> {
    if (!detection || !attachment.mediaType.startsWith('image/')) return undefined;
    const { pdq, quality } = await detection.hashImage(attachment.bytes);
    return detection.detector.prepare({
      pdq,
      quality,
      bytes: attachment.bytes,
      context: { accountId: this.accountId, conversationId, messageId },
    });
  }

  /** Fetches and processes everything waiting in this device's inbox; returns items processed. */
  async sync(): Promise<number> {
    return this.serialised(async () => {
      let processed = 0;
      for (;;) {
        const { items, hasMore } = await this.api.inbox(this.local.cursor);
        processed += await this.processItems(items);
        if (items.length > 0) await this.api.ack(this.local.cursor);
        if (!hasMore || items.length === 0) return processed;
      }
    });
  }

  /** Opens the WebSocket push channel; pushed items are processed as they arrive. */
  async connect(): Promise<void> {
    const WebSocketImpl =
      this.options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocketImpl) {
      throw new ClientError(
        'CLIENT_INVALID_INPUT',
        'no WebSocket implementation: pass options.WebSocket (e.g. ws)',
      );
    }
    this.push = new PushConnection({
      url: this.api.pushUrl(),
      WebSocket: WebSocketImpl,
      after: () => this.local.cursor,
      onItems: (items) =>
        this.serialised(async () => {
          await this.processItems(items);
          return this.local.cursor;
        }),
    });
    await this.push.open();
  }

  async disconnect(): Promise<void> {
    await this.push?.close();
    this.push = undefined;
  }

  /** Waits until all processing queued so far (pushed or synced) has finished. */
  async idle(): Promise<void> {
    await this.serialised(async () => {});
  }

  conversations(): string[] {
    return this.device.groupIds().map(toBase64Url);
  }

  members(conversationId: string): Array<{ accountId: string; deviceId: string }> {
    return this.device.members(this.groupId(conversationId));
  }

  history(conversationId: string): readonly StoredMessage[] {
    return this.local.history(conversationId);
  }

  /** Downloads and opens an attachment, checking its key commitment and plaintext digest. */
  async fetchAttachment(ref: AttachmentRef): Promise<Uint8Array> {
    const ciphertext = await this.api.downloadBlob(ref.blobId);
    return decryptAttachment(ciphertext, ref);
  }

  /** The franking evidence for one message in this device's history, as a moderator verifies it. */
  reportEvidence(conversationId: string, messageId: string): FrankingReport {
    const message = this.local.history(conversationId).find((m) => m.messageId === messageId);
    if (!message) {
      throw new ClientError(
        'CLIENT_INVALID_INPUT',
        `no message ${messageId} in conversation ${conversationId}`,
      );
    }
    decodeFrank(message.frank); // fail early on a corrupt stored frank
    return {
      plaintext: new TextEncoder().encode(message.text),
      contentType: message.contentType,
      attachments: message.attachments.map((a) => ({
        digest: a.digest,
        size: a.size,
        mediaType: a.mediaType,
      })),
      frankingKey: message.frankingKey,
      tag: message.tag,
      frank: message.frank,
      senderId: message.senderAccountId,
      conversationId: message.conversationId,
      messageId: message.messageId,
      receivedAt: message.receivedAt,
    };
  }

  /**
   * What a report of these messages would reveal to the platform, with `context` earlier messages
   * of the conversation before the first one (oldest first). Nothing is sent: show it to the
   * reporter, then pass it to `report`.
   */
  prepareReport(
    conversationId: string,
    messageIds: readonly string[],
    options: {
      context?: number;
      category?: ReportSubmission['category'];
      comment?: string;
      reportedAccountId?: string;
    } = {},
  ): ReportSubmission {
    const history = this.local.history(conversationId);
    const positions = messageIds.map((id) => {
      const at = history.findIndex((m) => m.messageId === id);
      if (at < 0)
        throw new ClientError('CLIENT_INVALID_INPUT', `no message ${id} in conversation ${conversationId}`);
      return at;
    });
    const first = Math.max(0, Math.min(...positions) - Math.max(0, options.context ?? 0));
    const chosen = new Set(positions);
    const included = history.filter((_, i) => (i >= first && i <= Math.max(...positions)) || chosen.has(i));
    return {
      messages: included.map((m) => ({
        conversationId: m.conversationId,
        messageId: m.messageId,
        senderAccountId: m.senderAccountId,
        receivedAt: m.receivedAt,
        plaintext: toBase64Url(new TextEncoder().encode(m.text)),
        ...(m.contentType === undefined ? {} : { contentType: m.contentType }),
        // The attachment key and blob id let the platform open exactly the file that was sent
        // (its digest is what the franking tag commits to).
        attachments: m.attachments.map((a) => ({
          digest: toBase64Url(a.digest),
          size: a.size,
          mediaType: a.mediaType,
          blobId: a.blobId,
          key: toBase64Url(a.key),
        })),
        frankingKey: toBase64Url(m.frankingKey),
        tag: toBase64Url(m.tag),
        frank: toBase64Url(m.frank),
      })),
      ...(options.category === undefined ? {} : { category: options.category }),
      ...(options.comment === undefined ? {} : { comment: options.comment }),
      ...(options.reportedAccountId === undefined ? {} : { reportedAccountId: options.reportedAccountId }),
    };
  }

  /**
   * Sets this account's public (unencrypted) profile: display name, description, photo. The server
   * sees these and checks them (term lists, banks); a refusal comes back as POLICY_REFUSED.
   */
  updateProfile(profile: { displayName?: string; description?: string; avatar?: Uint8Array }) {
    const { avatar, ...text } = profile;
    return this.api.updateProfile({ ...text, ...(avatar ? { avatar: toBase64Url(avatar) } : {}) });
  }

  /** Sets a conversation's public name, description and avatar (visible to the server, checked there). */
  updateGroupProfile(
    conversationId: string,
    profile: { name?: string; description?: string; avatar?: Uint8Array },
  ) {
    const { avatar, ...text } = profile;
    return this.api.updateGroupProfile(conversationId, {
      ...text,
      ...(avatar ? { avatar: toBase64Url(avatar) } : {}),
    });
  }

  /** Decisions the platform took on this account, each with its statement of reasons. */
  async notices(): Promise<Notice[]> {
    return (await this.api.notices()).notices;
  }

  /**
   * Safety notices for this (minor's) account: accounts it is in touch with that the platform's
   * risk engine flagged, each with block / report / talk-to-someone actions (GET
   * /v1/safety/notices). Empty for adults. The flagged account is never told.
   */
  async safetyNotices(): Promise<SafetyNotice[]> {
    return (await this.api.safetyNotices()).notices;
  }

  /** Appeals a decision on this account; a senior moderator reviews it. */
  appeal(caseId: string, text: string): Promise<AppealAnswer> {
    return this.api.appeal(caseId, text);
  }

  /** Sends a report (from `prepareReport`); the server verifies each message's frank. */
  report(submission: ReportSubmission): Promise<ReportReceipt> {
    return this.api.report(submission);
  }

  async close(): Promise<void> {
    await this.disconnect();
    await this.idle();
    await this.provisioned?.close();
    this.provisioned = undefined;
  }

  private async addAccounts(conversationId: string, accountIds: readonly string[]): Promise<void> {
    const groupId = this.groupId(conversationId);
    // Claimed key packages are one-time; keep them across epoch retries (the failed commit's welcome
    // was never delivered, so they are still unused).
    const claimed: Uint8Array[] = [];
    for (const accountId of accountIds) {
      const { keyPackages } = await this.api.claimKeyPackages(accountId);
      for (const kp of keyPackages)
        if (kp.deviceId !== this.deviceId) claimed.push(fromBase64Url(kp.keyPackage));
    }
    if (claimed.length === 0) return;
    await this.withEpochRetry(async () => {
      const pending = await this.device.proposeAdd(groupId, claimed);
      await this.api.postCommit(conversationId, {
        messageId: newMessageId(),
        commit: toBase64Url(pending.commit),
        ...(pending.welcome ? { welcome: toBase64Url(pending.welcome) } : {}),
        addDevices: pending.addedDevices,
      });
      await this.device.applyPendingCommit(pending);
    });
  }

  /**
   * Runs an operation that the server may refuse with WRONG_EPOCH (another member's commit won the
   * epoch): catch up by processing the inbox, then try again on the new epoch.
   */
  private async withEpochRetry<T>(operation: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (!isServerError(error, 'WRONG_EPOCH') || attempt >= EPOCH_RETRIES) {
          if (isServerError(error, 'WRONG_EPOCH')) {
            throw new ClientError(
              'CLIENT_RETRIES_EXHAUSTED',
              `epoch still moving after ${attempt + 1} tries`,
              {
                cause: error,
              },
            );
          }
          throw error;
        }
        this.emit({ type: 'epoch-retry', attempt: attempt + 1 });
        await this.catchUp();
      }
    }
  }

  /** Inbox processing without taking the serialisation lock (the caller holds it). */
  private async catchUp(): Promise<void> {
    for (;;) {
      const { items, hasMore } = await this.api.inbox(this.local.cursor);
      await this.processItems(items);
      if (items.length > 0) await this.api.ack(this.local.cursor);
      if (!hasMore || items.length === 0) return;
    }
  }

  private async processItems(items: readonly InboxItem[]): Promise<number> {
    let processed = 0;
    for (const item of items) {
      if (item.seq <= this.local.cursor) continue; // already handled (pushed and fetched, or redelivered)
      processed++;
      if (this.local.hasSeen(item.groupId, item.messageId)) {
        await this.local.recordProcessed({
          seq: item.seq,
          conversationId: item.groupId,
          messageId: item.messageId,
        });
        continue;
      }
      const message = await this.processItem(item);
      await this.local.recordProcessed(
        { seq: item.seq, conversationId: item.groupId, messageId: item.messageId },
        message,
      );
      if (message) this.emit({ type: 'message', message });
    }
    return processed;
  }

  /** One inbox item. A bad item is reported as 'rejected' and skipped: it must not block the queue. */
  private async processItem(item: InboxItem): Promise<StoredMessage | undefined> {
    try {
      const payload = fromBase64Url(item.payload);
      if (item.kind === 'welcome') {
        const { groupId } = await this.device.joinFromWelcome(payload);
        const conversationId = toBase64Url(groupId);
        await this.local.ensureConversation(conversationId);
        this.emit({ type: 'joined', conversationId });
        await this.publishKeyPackages(1); // replace the one this welcome consumed
        return undefined;
      }
      const groupId = this.groupId(item.groupId);
      const incoming = await this.device.process(groupId, payload);
      if (incoming.kind === 'commit') {
        this.emit({
          type: 'membership',
          conversationId: item.groupId,
          added: incoming.added.map((m) => m.deviceId),
          removed: incoming.removed.map((m) => m.deviceId),
          removedSelf: incoming.removedSelf,
        });
        return undefined;
      }
      if (
        incoming.sender.accountId !== item.senderAccountId ||
        incoming.sender.deviceId !== item.senderDeviceId
      ) {
        throw new ClientError(
          'CLIENT_SENDER_MISMATCH',
          `MLS sender ${incoming.sender.accountId}/${incoming.sender.deviceId} differs from the server's ${item.senderAccountId}/${item.senderDeviceId}`,
        );
      }
      const content = openContent(incoming.plaintext, incoming.authenticatedData);
      if (!item.frank)
        throw new ClientError('CLIENT_MALFORMED_CONTENT', 'application message arrived without a frank');
      const attachments: StoredAttachment[] = content.attachments.map((a) => {
        const blur = this.safeguards.blurOnReceipt(item.senderAccountId, a.mediaType);
        return blur === undefined ? a : { ...a, blur };
      });
      const nudges = this.safeguards.nudgesFor(content.text);
      return {
        conversationId: item.groupId,
        messageId: item.messageId,
        direction: 'in',
        senderAccountId: item.senderAccountId,
        senderDeviceId: item.senderDeviceId,
        text: content.text,
        contentType: content.contentType,
        attachments,
        frankingKey: content.frankingKey,
        tag: incoming.authenticatedData,
        frank: fromBase64Url(item.frank),
        receivedAt: item.receivedAt,
        ...(nudges ? { nudges } : {}),
      };
    } catch (error) {
      this.emit({
        type: 'rejected',
        conversationId: item.groupId,
        messageId: item.messageId,
        reason:
          error instanceof Error
            ? `${(error as { code?: string }).code ?? error.name}: ${error.message}`
            : String(error),
      });
      return undefined;
    }
  }

  private async publishKeyPackages(count: number): Promise<void> {
    const keyPackages = await this.device.generateKeyPackages(count);
    await this.api.uploadKeyPackages(keyPackages.map(toBase64Url));
  }

  private groupId(conversationId: string): Uint8Array {
    let groupId: Uint8Array;
    try {
      groupId = fromBase64Url(conversationId);
    } catch {
      throw new ClientError(
        'CLIENT_UNKNOWN_CONVERSATION',
        `conversation id "${conversationId}" is not base64url`,
      );
    }
    if (!this.device.hasGroup(groupId)) {
      throw new ClientError(
        'CLIENT_UNKNOWN_CONVERSATION',
        `this device is not in conversation ${conversationId}`,
      );
    }
    return groupId;
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.processing.then(work, work);
    this.processing = run.catch(() => {});
    return run;
  }

  private emit(event: ClientEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

function randomBytes(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

function newMessageId(): string {
  return toBase64Url(randomBytes(16));
}

function describeError(error: unknown): string {
  return error instanceof Error
    ? `${(error as { code?: string }).code ?? error.name}: ${error.message}`
    : String(error);
}
