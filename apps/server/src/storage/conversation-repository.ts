import type { DeliveryQueries } from './repository.js';
import type { Db } from './schema.js';

/**
 * Who starts conversations (migration 0007_conversations): the metadata the delivery server sees
 * anyway under MLS — a group's creation by an authenticated device, and commits that add other
 * accounts' devices. Nothing here is content. It feeds the risk engine's conversation-burst
 * signals (services/risk.ts). Writes run inside the delivery transaction that creates the group or
 * accepts the commit, so the record and the membership can never disagree.
 */

export function conversationQueries(queries: Pick<DeliveryQueries, 'db'>): ConversationQueries {
  return new ConversationQueries(queries.db);
}

/** A conversation an account started: the group and when it first brought each account in. */
export interface StartedConversation {
  groupId: string;
  adds: Array<{ accountId: string; at: number }>;
}

export class ConversationQueries {
  constructor(private readonly db: Db) {}

  async recordOrigin(groupId: string, creatorAccountId: string, at: number): Promise<void> {
    await this.db
      .insertInto('conversation_origins')
      .values({ group_id: groupId, creator_account_id: creatorAccountId, created_at: at })
      .execute();
  }

  /** Records accounts brought in by a commit; a re-add after a removal keeps the first time. */
  async recordAdds(
    groupId: string,
    addedBy: string,
    accountIds: readonly string[],
    at: number,
  ): Promise<void> {
    if (accountIds.length === 0) return;
    await this.db
      .insertInto('conversation_adds')
      .values(accountIds.map((a) => ({ group_id: groupId, account_id: a, added_by: addedBy, added_at: at })))
      .onConflict((c) => c.columns(['group_id', 'account_id']).doNothing())
      .execute();
  }

  /**
   * Groups `accountId` created in which it brought someone in since `since`, each with all of its
   * adds there, earlier ones included (so "when did it start" and "when did the first minor join"
   * are answered over the group's whole history, not just the window). Its own adds only: members
   * that others added do not make it the starter.
   */
  async startedSince(accountId: string, since: number): Promise<StartedConversation[]> {
    const rows = await this.db
      .selectFrom('conversation_adds as a')
      .innerJoin('conversation_origins as o', 'o.group_id', 'a.group_id')
      .select(['a.group_id', 'a.account_id', 'a.added_at'])
      .where('o.creator_account_id', '=', accountId)
      .where('a.added_by', '=', accountId)
      .where('a.group_id', 'in', (eb) =>
        eb
          .selectFrom('conversation_adds')
          .select('group_id')
          .where('added_by', '=', accountId)
          .where('added_at', '>=', since),
      )
      .execute();
    const byGroup = new Map<string, StartedConversation>();
    for (const r of rows) {
      const entry = byGroup.get(r.group_id) ?? { groupId: r.group_id, adds: [] };
      entry.adds.push({ accountId: r.account_id, at: Number(r.added_at) });
      byGroup.set(r.group_id, entry);
    }
    return [...byGroup.values()];
  }
}
