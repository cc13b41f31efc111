import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
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
import type { Database, Db } from './schema.js';

/** Rows per multi-row INSERT: 10 columns x 500 stays far below both databases' parameter limits. */
const INSERT_CHUNK = 500;

const bytes = (value: Uint8Array): Uint8Array =>
  // better-sqlite3 and pg return Buffers; hand out plain views over the same memory.
  value instanceof Buffer ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : value;

/**
 * SQL text of the per-message queries, built and compiled by Kysely once per dialect and then run
 * with fresh parameters: building and compiling a query costs more than SQLite takes to run it.
 * Keyed by the dialect adapter, which a Kysely instance shares with its transactions.
 */
const compiledSql = new WeakMap<object, Map<string, string>>();

/** The queries over one Kysely handle (the database itself or an open transaction). */
export class KyselyQueries implements DeliveryQueries {
  constructor(readonly db: Db) {}

  /**
   * Runs a hot query: `build` makes it with placeholder values (only its shape matters) the first
   * time; `parameters` must follow the order Kysely compiles them in (the order of the builder's
   * values and where-clauses).
   */
  private async hot<R>(
    name: string,
    build: () => Compilable<R>,
    parameters: unknown[],
  ): Promise<{ rows: R[]; numAffectedRows?: bigint }> {
    const adapter = this.db.getExecutor().adapter;
    let byName = compiledSql.get(adapter);
    if (byName === undefined) {
      byName = new Map();
      compiledSql.set(adapter, byName);
    }
    let sql = byName.get(name);
    if (sql === undefined) {
      sql = build().compile().sql;
      byName.set(name, sql);
    }
    return this.db.executeQuery<R>(CompiledQuery.raw(sql, parameters));
  }

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
    await this.hot(
      'updateGroup',
      () => this.db.updateTable('groups').set({ epoch: 0, next_seq: 0 }).where('group_id', '=', ''),
      [group.epoch, group.nextSeq, group.groupId],
    );
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
    const {
      rows: [row],
    } = await this.hot(
      'message',
      () =>
        this.db.selectFrom('messages').selectAll().where('group_id', '=', '').where('message_id', '=', ''),
      [groupId, messageId],
    );
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
    await this.hot(
      'insertMessage',
      () =>
        this.db.insertInto('messages').values({
          group_id: '',
          message_id: '',
          kind: '',
          sender_device_id: '',
          digest: new Uint8Array(),
          answer: '',
          received_at: 0,
        }),
      [m.groupId, m.messageId, m.kind, m.senderDeviceId, m.digest, m.answer, m.receivedAt],
    );
  }

  async insertMessageIfNew(m: MessageRecord): Promise<boolean> {
    const result = await this.hot(
      'insertMessageIfNew',
      () =>
        this.db
          .insertInto('messages')
          .values({
            group_id: '',
            message_id: '',
            kind: '',
            sender_device_id: '',
            digest: new Uint8Array(),
            answer: '',
            received_at: 0,
          })
          .onConflict((conflict) => conflict.columns(['group_id', 'message_id']).doNothing()),
      [m.groupId, m.messageId, m.kind, m.senderDeviceId, m.digest, m.answer, m.receivedAt],
    );
    return Number(result.numAffectedRows ?? 0n) === 1;
  }

  async appendInbox(items: NewInboxItem[]): Promise<number[]> {
    const [only] = items;
    if (items.length === 1 && only) {
      // One recipient (one-to-one): the hot path.
      const { rows } = await this.hot(
        'appendInbox1',
        () =>
          this.db
            .insertInto('inbox')
            .values({
              device_id: '',
              kind: '',
              group_id: '',
              message_id: '',
              sender_account_id: '',
              sender_device_id: '',
              payload: new Uint8Array(),
              received_at: 0,
              frank: null,
            })
            .returning('seq'),
        [
          only.deviceId,
          only.kind,
          only.groupId,
          only.messageId,
          only.senderAccountId,
          only.senderDeviceId,
          only.payload,
          only.receivedAt,
          only.frank,
        ],
      );
      return rows.map((r) => Number(r.seq));
    }
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

/**
 * Group rows and rosters as the single writer last committed them. Every message reads its
 * group's epoch, sequence and roster; keeping them in memory takes two queries off the hot path.
 * Sound only because all writes go through one writer per database (writer.ts), inside
 * `transaction()`: a rolled-back transaction clears the cache, so it never holds a state that
 * did not commit. Reads outside transactions do not use it.
 */
class GroupCache {
  readonly groups = new Map<string, GroupRow>();
  readonly members = new Map<string, MemberRow[]>();
  /** Bounded: a busy server with millions of groups keeps only the recently used ones. */
  static readonly LIMIT = 50_000;

  remember<K, V>(map: Map<K, V>, key: K, value: V): void {
    if (map.size >= GroupCache.LIMIT) map.delete(map.keys().next().value as K);
    map.set(key, value);
  }

  clear(): void {
    this.groups.clear();
    this.members.clear();
  }
}

/** The queries of one writer transaction, with group state served from the cache. */
class CachingQueries extends KyselyQueries {
  constructor(
    db: Db,
    private readonly cache: GroupCache,
  ) {
    super(db);
  }

  override async insertGroup(group: GroupRow, createdAt: number): Promise<void> {
    await super.insertGroup(group, createdAt);
    this.cache.remember(this.cache.groups, group.groupId, { ...group });
    this.cache.remember(this.cache.members, group.groupId, []);
  }

  override async group(groupId: string): Promise<GroupRow | undefined> {
    const cached = this.cache.groups.get(groupId);
    if (cached) return { ...cached };
    const row = await super.group(groupId);
    if (row) this.cache.remember(this.cache.groups, groupId, { ...row });
    return row;
  }

  /** Groups changed in this transaction; written once each by flush(), not once per message. */
  private readonly dirtyGroups = new Map<string, GroupRow>();

  override async updateGroup(group: GroupRow): Promise<void> {
    this.cache.remember(this.cache.groups, group.groupId, { ...group });
    this.dirtyGroups.set(group.groupId, { ...group });
  }

  /** Writes the deferred group rows; called by transaction() before it commits. */
  async flush(): Promise<void> {
    for (const group of this.dirtyGroups.values()) await super.updateGroup(group);
    this.dirtyGroups.clear();
  }

  override async members(groupId: string): Promise<MemberRow[]> {
    const cached = this.cache.members.get(groupId);
    if (cached) return cached.map((m) => ({ ...m }));
    const rows = await super.members(groupId);
    this.cache.remember(
      this.cache.members,
      groupId,
      rows.map((m) => ({ ...m })),
    );
    return rows;
  }

  override async addMembers(groupId: string, members: MemberRow[]): Promise<void> {
    this.cache.members.delete(groupId);
    await super.addMembers(groupId, members);
  }

  override async removeMembers(groupId: string, deviceIds: string[]): Promise<void> {
    this.cache.members.delete(groupId);
    await super.removeMembers(groupId, deviceIds);
  }
}

export class KyselyDeliveryRepository extends KyselyQueries implements DeliveryRepository {
  private closed = false;
  private readonly cache = new GroupCache();

  constructor(
    private readonly kysely: Kysely<Database>,
    readonly dialect: 'sqlite' | 'postgres',
    private readonly onClose?: () => Promise<void> | void,
  ) {
    super(kysely);
  }

  transaction<T>(fn: (tx: DeliveryQueries) => Promise<T>): Promise<T> {
    return this.kysely
      .transaction()
      .execute(async (trx) => {
        const queries = new CachingQueries(trx, this.cache);
        const result = await fn(queries);
        await queries.flush();
        return result;
      })
      .catch((error: unknown) => {
        this.cache.clear(); // the cache may hold writes of the rolled-back transaction
        throw error;
      });
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
