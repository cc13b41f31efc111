import type { Kysely, Transaction } from 'kysely';
import type {
  AccountRow,
  DeliveryQueries,
  DeliveryRepository,
  DeviceRow,
  GroupRow,
  InboxItem,
  InboxKind,
  MemberRow,
  MessageRecord,
  NewInboxItem,
  SessionRow,
} from './repository.js';
import type { DeliveryDatabase } from './schema.js';

type Db = Kysely<DeliveryDatabase> | Transaction<DeliveryDatabase>;

/** Rows per multi-row INSERT: 10 columns x 500 stays far below both databases' parameter limits. */
const INSERT_CHUNK = 500;

const bytes = (value: Uint8Array): Uint8Array =>
  // better-sqlite3 and pg return Buffers; hand out plain views over the same memory.
  value instanceof Buffer ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : value;

/** The queries over one Kysely handle (the database itself or an open transaction). */
export class KyselyQueries implements DeliveryQueries {
  constructor(protected readonly db: Db) {}

  async insertChallenge(challenge: string, expiresAt: number): Promise<void> {
    await this.db.insertInto('auth_challenges').values({ challenge, expires_at: expiresAt }).execute();
  }

  async consumeChallenge(challenge: string, now: number): Promise<boolean> {
    const row = await this.db
      .deleteFrom('auth_challenges')
      .where('challenge', '=', challenge)
      .returning('expires_at')
      .executeTakeFirst();
    return row !== undefined && Number(row.expires_at) >= now;
  }

  async deleteExpired(now: number): Promise<void> {
    await this.db.deleteFrom('auth_challenges').where('expires_at', '<', now).execute();
    await this.db.deleteFrom('sessions').where('expires_at', '<', now).execute();
  }

  async insertAccount(account: AccountRow): Promise<void> {
    await this.db
      .insertInto('accounts')
      .values({ account_id: account.accountId, handle: account.handle, created_at: account.createdAt })
      .execute();
  }

  async accountById(accountId: string): Promise<AccountRow | undefined> {
    const row = await this.db
      .selectFrom('accounts')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row && { accountId: row.account_id, handle: row.handle, createdAt: Number(row.created_at) };
  }

  async accountByHandle(handle: string): Promise<AccountRow | undefined> {
    const row = await this.db
      .selectFrom('accounts')
      .selectAll()
      .where('handle', '=', handle)
      .executeTakeFirst();
    return row && { accountId: row.account_id, handle: row.handle, createdAt: Number(row.created_at) };
  }

  async insertDevice(device: DeviceRow): Promise<void> {
    await this.db
      .insertInto('devices')
      .values({
        device_id: device.deviceId,
        account_id: device.accountId,
        public_key: device.publicKey,
        created_at: device.createdAt,
      })
      .execute();
  }

  async device(deviceId: string): Promise<DeviceRow | undefined> {
    const row = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('device_id', '=', deviceId)
      .executeTakeFirst();
    return row && toDevice(row);
  }

  async devicesOfAccount(accountId: string): Promise<DeviceRow[]> {
    const rows = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .orderBy('device_id')
      .execute();
    return rows.map(toDevice);
  }

  async insertSession(tokenHash: Uint8Array, session: SessionRow): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        token_hash: tokenHash,
        device_id: session.deviceId,
        account_id: session.accountId,
        expires_at: session.expiresAt,
      })
      .execute();
  }

  async session(tokenHash: Uint8Array): Promise<SessionRow | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row && { deviceId: row.device_id, accountId: row.account_id, expiresAt: Number(row.expires_at) };
  }

  async countKeyPackages(deviceId: string): Promise<number> {
    const row = await this.db
      .selectFrom('key_packages')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('device_id', '=', deviceId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insertKeyPackages(deviceId: string, keyPackages: Uint8Array[], createdAt: number): Promise<void> {
    for (let i = 0; i < keyPackages.length; i += INSERT_CHUNK) {
      await this.db
        .insertInto('key_packages')
        .values(
          keyPackages
            .slice(i, i + INSERT_CHUNK)
            .map((key_package) => ({ device_id: deviceId, key_package, created_at: createdAt })),
        )
        .execute();
    }
  }

  async takeKeyPackage(deviceId: string): Promise<Uint8Array | undefined> {
    const row = await this.db
      .selectFrom('key_packages')
      .select(['id', 'key_package'])
      .where('device_id', '=', deviceId)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    await this.db.deleteFrom('key_packages').where('id', '=', row.id).execute();
    return bytes(row.key_package);
  }

  async insertGroup(group: GroupRow, createdAt: number): Promise<void> {
    await this.db
      .insertInto('groups')
      .values({ group_id: group.groupId, epoch: group.epoch, next_seq: group.nextSeq, created_at: createdAt })
      .execute();
  }

  async group(groupId: string): Promise<GroupRow | undefined> {
    const row = await this.db
      .selectFrom('groups')
      .select(['group_id', 'epoch', 'next_seq'])
      .where('group_id', '=', groupId)
      .executeTakeFirst();
    return row && { groupId: row.group_id, epoch: Number(row.epoch), nextSeq: Number(row.next_seq) };
  }

  async updateGroup(group: GroupRow): Promise<void> {
    await this.db
      .updateTable('groups')
      .set({ epoch: group.epoch, next_seq: group.nextSeq })
      .where('group_id', '=', group.groupId)
      .execute();
  }

  async members(groupId: string): Promise<MemberRow[]> {
    const rows = await this.db
      .selectFrom('group_members')
      .select(['device_id', 'account_id'])
      .where('group_id', '=', groupId)
      .orderBy('device_id')
      .execute();
    return rows.map((r) => ({ deviceId: r.device_id, accountId: r.account_id }));
  }

  async addMembers(groupId: string, members: MemberRow[]): Promise<void> {
    if (members.length === 0) return;
    await this.db
      .insertInto('group_members')
      .values(members.map((m) => ({ group_id: groupId, device_id: m.deviceId, account_id: m.accountId })))
      .execute();
  }

  async removeMembers(groupId: string, deviceIds: string[]): Promise<void> {
    if (deviceIds.length === 0) return;
    await this.db
      .deleteFrom('group_members')
      .where('group_id', '=', groupId)
      .where('device_id', 'in', deviceIds)
      .execute();
  }

  async message(groupId: string, messageId: string): Promise<MessageRecord | undefined> {
    const row = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('group_id', '=', groupId)
      .where('message_id', '=', messageId)
      .executeTakeFirst();
    return (
      row && {
        groupId: row.group_id,
        messageId: row.message_id,
        kind: row.kind as InboxKind,
        senderDeviceId: row.sender_device_id,
        digest: bytes(row.digest),
        answer: row.answer,
        receivedAt: Number(row.received_at),
      }
    );
  }

  async insertMessage(m: MessageRecord): Promise<void> {
    await this.db
      .insertInto('messages')
      .values({
        group_id: m.groupId,
        message_id: m.messageId,
        kind: m.kind,
        sender_device_id: m.senderDeviceId,
        digest: m.digest,
        answer: m.answer,
        received_at: m.receivedAt,
      })
      .execute();
  }

  async appendInbox(items: NewInboxItem[]): Promise<number[]> {
    const seqs: number[] = [];
    for (let i = 0; i < items.length; i += INSERT_CHUNK) {
      const rows = await this.db
        .insertInto('inbox')
        .values(
          items.slice(i, i + INSERT_CHUNK).map((item) => ({
            device_id: item.deviceId,
            kind: item.kind,
            group_id: item.groupId,
            message_id: item.messageId,
            sender_account_id: item.senderAccountId,
            sender_device_id: item.senderDeviceId,
            payload: item.payload,
            received_at: item.receivedAt,
            frank: item.frank,
          })),
        )
        .returning('seq')
        .execute();
      // Both databases number a multi-row insert in row order; sort defensively anyway.
      seqs.push(...rows.map((r) => Number(r.seq)).sort((a, b) => a - b));
    }
    return seqs;
  }

  async inbox(deviceId: string, after: number, limit: number): Promise<InboxItem[]> {
    const rows = await this.db
      .selectFrom('inbox')
      .selectAll()
      .where('device_id', '=', deviceId)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      seq: Number(r.seq),
      deviceId: r.device_id,
      kind: r.kind as InboxKind,
      groupId: r.group_id,
      messageId: r.message_id,
      senderAccountId: r.sender_account_id,
      senderDeviceId: r.sender_device_id,
      payload: bytes(r.payload),
      receivedAt: Number(r.received_at),
      frank: r.frank === null ? null : bytes(r.frank),
    }));
  }

  async ack(deviceId: string, upTo: number): Promise<number> {
    const result = await this.db
      .deleteFrom('inbox')
      .where('device_id', '=', deviceId)
      .where('seq', '<=', upTo)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toDevice(row: {
  device_id: string;
  account_id: string;
  public_key: Uint8Array;
  created_at: number;
}): DeviceRow {
  return {
    deviceId: row.device_id,
    accountId: row.account_id,
    publicKey: bytes(row.public_key),
    createdAt: Number(row.created_at),
  };
}

export class KyselyDeliveryRepository extends KyselyQueries implements DeliveryRepository {
  private closed = false;

  constructor(
    private readonly kysely: Kysely<DeliveryDatabase>,
    readonly dialect: 'sqlite' | 'postgres',
    private readonly onClose?: () => Promise<void> | void,
  ) {
    super(kysely);
  }

  transaction<T>(fn: (tx: DeliveryQueries) => Promise<T>): Promise<T> {
    return this.kysely.transaction().execute((trx) => fn(new KyselyQueries(trx)));
  }

  async ping(): Promise<void> {
    await this.kysely.selectFrom('groups').select('group_id').limit(1).execute();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.kysely.destroy();
    await this.onClose?.();
  }
}
