import type { SafelightClient } from '@safelight/client';

/** A conversation's name: the other members' handles, or "Just you". */
export function conversationTitle(
  client: SafelightClient,
  conversationId: string,
  handleOf: (accountId: string) => string,
): string {
  const others = [...new Set(client.members(conversationId).map((m) => m.accountId))].filter(
    (id) => id !== client.accountId,
  );
  if (others.length === 0) return 'Just you';
  return others.map((id) => `@${handleOf(id)}`).join(', ');
}
