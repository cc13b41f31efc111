import type { DeliveryQueries } from './repository.js';
import type { Database, Db } from './schema.js';

/**
 * Storage of the safety services (services/safety/), over the same database and single writer as
 * delivery: writes run inside `writer.submit` transactions, reads on the repository. Tables come
 * from migration 0002_safety. Times are ms since the epoch; settings are one JSON object per
 * account; a contact request A -> B is the row (A, B, 'requested'); accepted contacts are two
 * rows (A, B) and (B, A) in state 'accepted'.
 */

export interface ProfileRow {
  accountId: string;
  birthDate: string;
  assuredMethod: string | null;
  settings: string;
  createdAt: number;
}

export interface ApprovalRow {
  approvalId: string;
  childId: string;
  key: string;
  value: unknown;
  state: 'pending' | 'approved' | 'declined';
  createdAt: number;
}

/**
 * The safety queries over the Kysely handle inside a delivery repository or one of its
 * transactions (KyselyQueries keeps it in `db`). Delivery's DeliveryQueries contract stays as it
 * is; these live beside it.
 */
export function safetyQueries(queries: Pick<DeliveryQueries, 'db'>): SafetyQueries {
  return new SafetyQueries(queries.db);
}

export class SafetyQueries {
  constructor(private readonly db: Db) {}

  async insertProfile(row: ProfileRow): Promise<void> {
    await this.db
      .insertInto('safety_profiles')
      .values({
        account_id: row.accountId,
        birth_date: row.birthDate,
        assured_method: row.assuredMethod,
        settings: row.settings,
        created_at: row.createdAt,
      })
      .execute();
  }

  async profile(accountId: string): Promise<ProfileRow | undefined> {
    const row = await this.db
      .selectFrom('safety_profiles')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return (
      row && {
        accountId: row.account_id,
        birthDate: row.birth_date,
        assuredMethod: row.assured_method,
        settings: row.settings,
        createdAt: Number(row.created_at),
      }
    );
  }

  async updateSettings(accountId: string, settings: string): Promise<void> {
    await this.db
      .updateTable('safety_profiles')
      .set({ settings })
      .where('account_id', '=', accountId)
      .execute();
  }

  async updateBirthDate(accountId: string, birthDate: string, assuredMethod: string | null): Promise<void> {
    await this.db
      .updateTable('safety_profiles')
      .set({ birth_date: birthDate, assured_method: assuredMethod })
      .where('account_id', '=', accountId)
      .execute();
  }

  /** The state of the row owner -> other, if any. */
  async contact(ownerId: string, otherId: string): Promise<'requested' | 'accepted' | undefined> {
    const row = await this.db
      .selectFrom('safety_contacts')
      .select('state')
      .where('owner_id', '=', ownerId)
      .where('other_id', '=', otherId)
      .executeTakeFirst();
    return row?.state;
  }

  async putContact(
    ownerId: string,
    otherId: string,
    state: 'requested' | 'accepted',
    at: number,
  ): Promise<void> {
    await this.db
      .deleteFrom('safety_contacts')
      .where('owner_id', '=', ownerId)
      .where('other_id', '=', otherId)
      .execute();
    await this.db
      .insertInto('safety_contacts')
      .values({ owner_id: ownerId, other_id: otherId, state, created_at: at })
      .execute();
  }

  /** Removes contact rows and requests between the two accounts, both ways. */
  async deleteContacts(a: string, b: string): Promise<number> {
    let removed = 0;
    for (const [owner, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const result = await this.db
        .deleteFrom('safety_contacts')
        .where('owner_id', '=', owner)
        .where('other_id', '=', other)
        .executeTakeFirst();
      removed += Number(result.numDeletedRows);
    }
    return removed;
  }

  /** Accounts that asked `accountId` and are waiting for an answer. */
  async incomingRequests(accountId: string): Promise<Array<{ accountId: string; createdAt: number }>> {
    const rows = await this.db
      .selectFrom('safety_contacts')
      .select(['owner_id', 'created_at'])
      .where('other_id', '=', accountId)
      .where('state', '=', 'requested')
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({ accountId: r.owner_id, createdAt: Number(r.created_at) }));
  }

  async contacts(accountId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('safety_contacts')
      .select('other_id')
      .where('owner_id', '=', accountId)
      .where('state', '=', 'accepted')
      .orderBy('other_id')
      .execute();
    return rows.map((r) => r.other_id);
  }

  async isBlocked(blockerId: string, blockedId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('safety_blocks')
      .select('blocker_id')
      .where('blocker_id', '=', blockerId)
      .where('blocked_id', '=', blockedId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async insertBlock(blockerId: string, blockedId: string, at: number): Promise<void> {
    if (await this.isBlocked(blockerId, blockedId)) return;
    await this.db
      .insertInto('safety_blocks')
      .values({ blocker_id: blockerId, blocked_id: blockedId, created_at: at })
      .execute();
  }

  async parentLink(parentId: string, childId: string): Promise<'invited' | 'active' | undefined> {
    const row = await this.db
      .selectFrom('safety_parent_links')
      .select('state')
      .where('parent_id', '=', parentId)
      .where('child_id', '=', childId)
      .executeTakeFirst();
    return row?.state;
  }

  async putParentLink(
    parentId: string,
    childId: string,
    state: 'invited' | 'active',
    at: number,
  ): Promise<void> {
    await this.db
      .deleteFrom('safety_parent_links')
      .where('parent_id', '=', parentId)
      .where('child_id', '=', childId)
      .execute();
    await this.db
      .insertInto('safety_parent_links')
      .values({ parent_id: parentId, child_id: childId, state, created_at: at })
      .execute();
  }

  async hasActiveParent(childId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('safety_parent_links')
      .select('parent_id')
      .where('child_id', '=', childId)
      .where('state', '=', 'active')
      .executeTakeFirst();
    return row !== undefined;
  }

  async childrenOf(parentId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('safety_parent_links')
      .select('child_id')
      .where('parent_id', '=', parentId)
      .where('state', '=', 'active')
      .orderBy('child_id')
      .execute();
    return rows.map((r) => r.child_id);
  }

  async insertApproval(row: ApprovalRow): Promise<void> {
    await this.db
      .insertInto('safety_approvals')
      .values({
        approval_id: row.approvalId,
        child_id: row.childId,
        setting_key: row.key,
        setting_value: JSON.stringify(row.value),
        state: row.state,
        created_at: row.createdAt,
        decided_by: null,
        decided_at: null,
      })
      .execute();
  }

  async approval(approvalId: string): Promise<ApprovalRow | undefined> {
    const row = await this.db
      .selectFrom('safety_approvals')
      .selectAll()
      .where('approval_id', '=', approvalId)
      .executeTakeFirst();
    return row && toApproval(row);
  }

  async pendingApprovals(childId: string): Promise<ApprovalRow[]> {
    const rows = await this.db
      .selectFrom('safety_approvals')
      .selectAll()
      .where('child_id', '=', childId)
      .where('state', '=', 'pending')
      .orderBy('created_at')
      .execute();
    return rows.map(toApproval);
  }

  async decideApproval(
    approvalId: string,
    state: 'approved' | 'declined',
    by: string,
    at: number,
  ): Promise<void> {
    await this.db
      .updateTable('safety_approvals')
      .set({ state, decided_by: by, decided_at: at })
      .where('approval_id', '=', approvalId)
      .execute();
  }
}

function toApproval(row: Database['safety_approvals']): ApprovalRow {
  return {
    approvalId: row.approval_id,
    childId: row.child_id,
    key: row.setting_key,
    value: JSON.parse(row.setting_value),
    state: row.state,
    createdAt: Number(row.created_at),
  };
}
