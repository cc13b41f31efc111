import { createHash } from 'node:crypto';
import { encodeFrank } from '@safelight/franking';
import { fromB64u, toB64u } from '../encoding.js';
import { ServerError } from '../errors.js';
import { itemJson } from '../hub.js';
import { checkKeyPackage, inspect } from '../mls.js';
import { conversationQueries } from '../storage/conversation-repository.js';
import type { DeliveryQueries, MemberRow, NewInboxItem } from '../storage/repository.js';
import type { Scope } from './scope.js';
import type { ServiceDeps, Services } from './services.js';

/** The answer to a commit (stored, and given again to an idempotent retry with `duplicate`). */
export interface CommitAnswer {
  seq: number;
  epoch: number;
  duplicate?: true;
}

/** The answer to an application message: its seq, the server's time and the frank. */
export interface MessageAnswer {
  seq: number;
  receivedAt: number;
  frank: string;
  duplicate?: true;
}

/** Who acts: the signed-in device and its account. */
export interface Actor {
  readonly deviceId: string;
  readonly accountId: string;
}

/** An application message, framing checked (prepared outside the writer). */
export interface CheckedApplication {
  readonly groupId: string;
  readonly messageId: string;
  readonly message: Uint8Array;
  readonly epoch: bigint;
  readonly tag: Uint8Array;
  readonly digest: Uint8Array;
}

/** A commit, framing and shape checked (prepared outside the writer). */
export interface CheckedCommit {
  readonly groupId: string;
  readonly messageId: string;
  readonly commit: Uint8Array;
  readonly welcome: Uint8Array | null;
  readonly epoch: bigint;
  readonly addDevices: readonly string[];
  readonly removeDevices: readonly string[];
  readonly digest: Uint8Array;
}

/**
 * The MLS Delivery Service (docs/delivery.md): key packages, groups, the ordered handshake,
 * franked application messages and per-device inboxes. It reads MLS framing only, never
 * content. `check*` methods are pure (no database): routes run them before entering the writer,
 * so parsing never holds up the single writer.
 */
export class DeliveryService {
  constructor(
    private readonly scope: Scope,
    private readonly deps: ServiceDeps,
    private readonly services: Services,
  ) {}

  private get tx(): DeliveryQueries {
    return this.scope.tx;
  }

  // ---- key packages ----

  async uploadKeyPackages(deviceId: string, texts: readonly string[]): Promise<{ stored: number }> {
    const device = await this.services.accounts.device(deviceId);
    const packages = texts.map((text, i) => {
      const bytes = fromB64u(text, `keyPackages[${i}]`);
      checkKeyPackage(bytes, device.publicKey, `keyPackages[${i}]`);
      return bytes;
    });
    const limit = this.deps.config.limits.keyPackagesPerDevice;
    const stored = await this.tx.countKeyPackages(deviceId);
    if (stored + packages.length > limit) {
      throw new ServerError(
        'KEY_PACKAGE_LIMIT',
        `keyPackages: ${stored} stored + ${packages.length} would exceed ${limit} per device`,
        { stored, limit },
      );
    }
    await this.tx.insertKeyPackages(deviceId, packages, this.deps.now());
    return { stored: stored + packages.length };
  }

  async claimKeyPackages(
    accountId: string,
  ): Promise<{ keyPackages: Array<{ deviceId: string; keyPackage: string }> }> {
    await this.services.accounts.account(accountId);
    const devices = await this.tx.devicesOfAccount(accountId);
    const exhausted: string[] = [];
    for (const d of devices)
      if ((await this.tx.countKeyPackages(d.deviceId)) === 0) exhausted.push(d.deviceId);
    if (exhausted.length > 0) {
      throw new ServerError(
        'KEY_PACKAGES_EXHAUSTED',
        `no key packages left for devices ${exhausted.join(', ')}`,
        {
          devices: exhausted,
        },
      );
    }
    const keyPackages: Array<{ deviceId: string; keyPackage: string }> = [];
    for (const d of devices) {
      keyPackages.push({
        deviceId: d.deviceId,
        keyPackage: toB64u((await this.tx.takeKeyPackage(d.deviceId))!),
      });
    }
    return { keyPackages };
  }

  // ---- groups ----

  async createGroup(actor: Actor, groupId: string): Promise<{ groupId: string; epoch: number }> {
    groupIdBytes(groupId, 'groupId');
    if (await this.tx.group(groupId)) throw new ServerError('GROUP_EXISTS', `group ${groupId} exists`);
    const at = this.deps.now();
    await this.tx.insertGroup({ groupId, epoch: 0, nextSeq: 1 }, at);
    await this.tx.addMembers(groupId, [{ deviceId: actor.deviceId, accountId: actor.accountId }]);
    // Who started it (metadata for the risk engine's conversation-burst signals).
    await conversationQueries(this.tx).recordOrigin(groupId, actor.accountId, at);
    this.scope.emit({ type: 'group.created', at, groupId, creatorAccountId: actor.accountId });
    return { groupId, epoch: 0 };
  }

  /** A group's epoch and roster, for its members only. */
  async group(
    actor: Actor,
    groupId: string,
  ): Promise<{ groupId: string; epoch: number; members: MemberRow[] }> {
    const group = await this.tx.group(groupId);
    if (group === undefined) throw new ServerError('GROUP_NOT_FOUND', `no group ${groupId}`);
    const members = await this.tx.members(groupId);
    if (!members.some((m) => m.deviceId === actor.deviceId))
      throw new ServerError('NOT_A_MEMBER', 'this device is not a member of the group');
    return { groupId, epoch: group.epoch, members };
  }

  /** Whether `deviceId` sent the application message `messageId` in `groupId` (detection). */
  async sentBy(groupId: string, messageId: string, deviceId: string): Promise<boolean> {
    const sent = await this.tx.message(groupId, messageId);
    return sent?.kind === 'application' && sent.senderDeviceId === deviceId;
  }

  // ---- the ordered handshake ----

  checkCommit(body: {
    groupId: string;
    messageId: string;
    commit: string;
    welcome?: string | undefined;
    addDevices?: readonly string[] | undefined;
    removeDevices?: readonly string[] | undefined;
  }): CheckedCommit {
    const limit = this.deps.config.limits.messageBytes;
    const groupBytes = groupIdBytes(body.groupId, 'groupId');
    const commit = fromB64u(body.commit, 'commit');
    const framing = framedFor(commit, 'commit', groupBytes, 'commit', limit);
    const addDevices = body.addDevices ?? [];
    const removeDevices = body.removeDevices ?? [];
    let welcome: Uint8Array | null = null;
    if (body.welcome !== undefined) {
      welcome = fromB64u(body.welcome, 'welcome');
      if (welcome.length > limit)
        throw new ServerError('MESSAGE_TOO_LARGE', `welcome is over the ${limit}-byte limit`, { limit });
      if (inspect(welcome, 'welcome').wireFormat !== 'welcome')
        throw new ServerError('WRONG_CONTENT_TYPE', 'welcome is not an MLS Welcome message');
    }
    if (addDevices.length > 0 !== (welcome !== null))
      throw new ServerError('VALIDATION_FAILED', 'welcome is required exactly when addDevices is non-empty');
    if (addDevices.some((d) => removeDevices.includes(d)))
      throw new ServerError('VALIDATION_FAILED', 'addDevices and removeDevices overlap');
    return {
      groupId: body.groupId,
      messageId: body.messageId,
      commit,
      welcome,
      epoch: framing.epoch,
      addDevices,
      removeDevices,
      digest: digestOf('commit', commit, welcome, addDevices.join(','), removeDevices.join(',')),
    };
  }

  async commit(actor: Actor, c: CheckedCommit): Promise<CommitAnswer> {
    const { deviceId, accountId } = actor;
    const { groupId } = c;
    const group = await this.tx.group(groupId);
    if (group === undefined) throw new ServerError('GROUP_NOT_FOUND', `no group ${groupId}`);
    const previous = await this.previousAnswer<CommitAnswer>(groupId, c.messageId, deviceId, c.digest);
    if (previous) return previous;
    const members = await this.tx.members(groupId);
    if (!members.some((m) => m.deviceId === deviceId))
      throw new ServerError('NOT_A_MEMBER', 'this device is not a member of the group');
    if (BigInt(group.epoch) !== c.epoch) {
      throw new ServerError('WRONG_EPOCH', `commit is for epoch ${c.epoch}, the group is at ${group.epoch}`, {
        currentEpoch: group.epoch,
      });
    }
    const memberIds = new Set(members.map((m) => m.deviceId));
    const added: MemberRow[] = [];
    for (const id of c.addDevices) {
      if (memberIds.has(id)) throw new ServerError('ALREADY_MEMBER', `addDevices: ${id} is already a member`);
      const device = await this.tx.device(id);
      if (device === undefined) throw new ServerError('DEVICE_NOT_FOUND', `addDevices: no device ${id}`);
      added.push({ deviceId: id, accountId: device.accountId });
    }
    for (const id of c.removeDevices) {
      if (!memberIds.has(id)) throw new ServerError('NOT_A_MEMBER', `removeDevices: ${id} is not a member`);
    }
    // The contact policy: may this account bring these accounts in? (refuses before any write)
    if (added.length > 0) {
      await this.services.safety.checkGroupAdds(
        accountId,
        members.map((m) => m.accountId),
        added.map((a) => a.accountId),
      );
    }
    const receivedAt = this.deps.now();
    const seq = group.nextSeq;
    const epoch = group.epoch + 1;
    const answer: CommitAnswer = { seq, epoch };
    const base = {
      groupId,
      messageId: c.messageId,
      senderAccountId: accountId,
      senderDeviceId: deviceId,
      receivedAt,
      frank: null,
    };
    const items: NewInboxItem[] = [];
    for (const m of members)
      if (m.deviceId !== deviceId)
        items.push({ ...base, deviceId: m.deviceId, kind: 'commit', payload: c.commit });
    for (const a of added)
      items.push({ ...base, deviceId: a.deviceId, kind: 'welcome', payload: c.welcome! });
    await this.tx.updateGroup({ groupId, epoch, nextSeq: seq + 1 });
    await this.tx.removeMembers(groupId, [...c.removeDevices]);
    await this.tx.addMembers(groupId, added);
    const others = [...new Set(added.map((a) => a.accountId).filter((a) => a !== accountId))];
    await conversationQueries(this.tx).recordAdds(groupId, accountId, others, receivedAt);
    await this.tx.insertMessage({
      groupId,
      messageId: c.messageId,
      kind: 'commit',
      senderDeviceId: deviceId,
      digest: c.digest,
      answer: JSON.stringify(answer),
      receivedAt,
    });
    await this.fanOut(items, 'commit');
    if (others.length > 0)
      this.scope.emit({
        type: 'members.added',
        at: receivedAt,
        groupId,
        byAccountId: accountId,
        accountIds: others,
      });
    return answer;
  }

  // ---- application messages ----

  checkApplication(body: { groupId: string; messageId: string; message: string }): CheckedApplication {
    const groupBytes = groupIdBytes(body.groupId, 'groupId');
    const message = fromB64u(body.message, 'message');
    const framing = framedFor(
      message,
      'message',
      groupBytes,
      'application',
      this.deps.config.limits.messageBytes,
    );
    const tag = framing.authenticatedData;
    if (tag.length !== 32) {
      throw new ServerError(
        'MISSING_FRANKING_TAG',
        `message: authenticated data must be exactly the 32-byte franking tag, found ${tag.length} bytes`,
      );
    }
    return {
      groupId: body.groupId,
      messageId: body.messageId,
      message,
      epoch: framing.epoch,
      tag,
      digest: digestOf('application', message),
    };
  }

  /** Checks membership and epoch, stamps the frank and fans the message out (docs/franking.md). */
  async sendApplication(actor: Actor, m: CheckedApplication): Promise<MessageAnswer> {
    const { deviceId, accountId } = actor;
    const { groupId, messageId } = m;
    const group = await this.tx.group(groupId);
    if (group === undefined) throw new ServerError('GROUP_NOT_FOUND', `no group ${groupId}`);
    const members = await this.tx.members(groupId); // group and roster come from the writer's cache
    let refusal: ServerError | undefined;
    if (!members.some((x) => x.deviceId === deviceId)) {
      refusal = new ServerError('NOT_A_MEMBER', 'this device is not a member of the group');
    } else if (BigInt(group.epoch) !== m.epoch) {
      refusal = new ServerError(
        'WRONG_EPOCH',
        `message is for epoch ${m.epoch}, the group is at ${group.epoch}`,
        {
          currentEpoch: group.epoch,
        },
      );
    }
    if (refusal) {
      // A retry of a message accepted before the epoch moved (or before a removal) still gets its
      // original answer: idempotency wins over the refusal.
      const previous = await this.previousAnswer<MessageAnswer>(groupId, messageId, deviceId, m.digest);
      if (previous) return previous;
      throw refusal;
    }
    const receivedAt = this.deps.now();
    const frank = encodeFrank(
      this.deps.stampFrank({
        tag: m.tag,
        senderId: accountId,
        conversationId: groupId,
        messageId,
        receivedAt,
      }),
    );
    const seq = group.nextSeq;
    const answer: MessageAnswer = { seq, receivedAt, frank: toB64u(frank) };
    // The idempotency check and the record in one statement: a message id seen before inserts
    // nothing, and the stored answer (or MESSAGE_ID_REUSED) is returned with no write made.
    const isNew = await this.tx.insertMessageIfNew({
      groupId,
      messageId,
      kind: 'application',
      senderDeviceId: deviceId,
      digest: m.digest,
      answer: JSON.stringify(answer),
      receivedAt,
    });
    if (!isNew) {
      const previous = await this.previousAnswer<MessageAnswer>(groupId, messageId, deviceId, m.digest);
      if (previous) return previous;
      throw new ServerError('STORAGE_FAILED', 'message id conflict without a stored message');
    }
    const items: NewInboxItem[] = [];
    for (const x of members) {
      if (x.deviceId === deviceId) continue;
      items.push({
        deviceId: x.deviceId,
        kind: 'application',
        groupId,
        messageId,
        senderAccountId: accountId,
        senderDeviceId: deviceId,
        payload: m.message,
        receivedAt,
        frank,
      });
    }
    await this.tx.updateGroup({ groupId, epoch: group.epoch, nextSeq: seq + 1 });
    await this.fanOut(items, 'application');
    this.scope.emit({
      type: 'message.sent',
      at: receivedAt,
      groupId,
      messageId,
      senderAccountId: accountId,
      senderDeviceId: deviceId,
    });
    return answer;
  }

  // ---- inboxes ----

  async inbox(deviceId: string, after: number, limit: number) {
    const rows = await this.tx.inbox(deviceId, after, limit + 1);
    return { items: rows.slice(0, limit).map(itemJson), hasMore: rows.length > limit };
  }

  async ack(deviceId: string, upTo: number): Promise<{ deleted: number }> {
    return { deleted: await this.tx.ack(deviceId, upTo) };
  }

  /** Appends the items to their inboxes and pushes them once committed. */
  private async fanOut(items: NewInboxItem[], kind: 'commit' | 'application'): Promise<void> {
    const seqs = await this.tx.appendInbox(items);
    this.scope.afterCommit(() => {
      this.deps.metrics.accepted.inc({ kind });
      this.deps.hub.notify(items.map((item, i) => ({ ...item, seq: seqs[i]! })));
    });
  }

  /** Idempotency: the stored answer for a retry, MESSAGE_ID_REUSED for a clash, undefined if new. */
  private async previousAnswer<A>(
    groupId: string,
    messageId: string,
    deviceId: string,
    digest: Uint8Array,
  ): Promise<(A & { duplicate: true }) | undefined> {
    const previous = await this.tx.message(groupId, messageId);
    if (previous === undefined) return undefined;
    if (previous.senderDeviceId !== deviceId || Buffer.compare(previous.digest, digest) !== 0) {
      throw new ServerError(
        'MESSAGE_ID_REUSED',
        `messageId ${messageId} was already used in this group for another message`,
      );
    }
    return { ...JSON.parse(previous.answer), duplicate: true };
  }
}

export function groupIdBytes(text: string, field: string): Uint8Array {
  const bytes = fromB64u(text, field);
  if (bytes.length > 64) throw new ServerError('VALIDATION_FAILED', `${field} must be at most 64 bytes`);
  return bytes;
}

/** Checks framing shared by commits and application messages; returns the franking-relevant parts. */
function framedFor(
  bytes: Uint8Array,
  field: string,
  groupId: Uint8Array,
  contentType: 'commit' | 'application',
  limit: number,
) {
  if (bytes.length > limit) {
    throw new ServerError('MESSAGE_TOO_LARGE', `${field} is over the ${limit}-byte limit`, { limit });
  }
  const framing = inspect(bytes, field);
  if (framing.wireFormat !== 'public' && framing.wireFormat !== 'private') {
    throw new ServerError(
      'WRONG_CONTENT_TYPE',
      `${field} is a ${framing.wireFormat} message, not a framed ${contentType}`,
    );
  }
  if (framing.contentType !== contentType) {
    throw new ServerError(
      'WRONG_CONTENT_TYPE',
      `${field} carries a ${framing.contentType}, not a ${contentType}`,
    );
  }
  if (Buffer.compare(framing.groupId, groupId) !== 0) {
    throw new ServerError('GROUP_MISMATCH', `${field} belongs to another group than the URL names`);
  }
  return framing;
}

/** SHA-256 over length-prefixed parts: tells an idempotent retry from a reused message id. */
function digestOf(...parts: Array<string | Uint8Array | null>): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) {
    const bytes = part === null ? new Uint8Array() : typeof part === 'string' ? Buffer.from(part) : part;
    const length = Buffer.alloc(5);
    length.writeUInt32BE(bytes.length, 0);
    length[4] = part === null ? 0 : 1;
    hash.update(length).update(bytes);
  }
  return new Uint8Array(hash.digest());
}
